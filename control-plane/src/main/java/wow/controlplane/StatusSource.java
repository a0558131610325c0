package wow.controlplane;

/** A conductor that can say what its node is connected to; {@link #status()} is thread-safe. */
public interface StatusSource
{
    /** @return the latest status the conductor built (about once a second). */
    NodeStatus status();
}
