package wow.shim;

/** The few errno values the shim's callers tell apart, and a readable name for any errno. */
public final class Errno
{
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ENXIO = 6;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;

    private Errno()
    {
    }

    /** @return the platform's description of an errno value, with its number. */
    public static String describe(final int errno)
    {
        final byte[] text = new byte[128];
        final int n = Shim.lib().wow_strerror(errno, text, text.length);
        return (n > 0 ? new String(text, 0, n, java.nio.charset.StandardCharsets.US_ASCII) : "error") + " (errno " + errno + ")";
    }
}
