package wow.bench;

/** The JVM flags Agrona needs on Java 17, for JMH forks (which do not read a jar's manifest). */
final class Flags
{
    static final String ADD_EXPORTS_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String ADD_EXPORTS_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    private Flags()
    {
    }
}
