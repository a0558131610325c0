package wow.dataplane.fib;

/**
 * Hands immutable FIB versions from the conductor to the data-plane agents: the conductor
 * calls {@link #publish}, each agent does one volatile read of {@link #current} per batch and
 * records the version it applied in a counter. Versions must grow.
 */
public final class FibPublication
{
    private volatile Fib current;
    private final Runnable wakeUp;

    /**
     * @param initial the table agents start with.
     * @param wakeUp  called after each publication so that idle agents see it promptly.
     */
    public FibPublication(final Fib initial, final Runnable wakeUp)
    {
        this.current = initial;
        this.wakeUp = wakeUp;
    }

    /** Called by the conductor. */
    public void publish(final Fib fib)
    {
        if (fib.version() <= current.version())
        {
            throw new IllegalArgumentException("FIB version " + fib.version() + " is not after " + current.version());
        }
        current = fib;
        wakeUp.run();
    }

    /** Called by any agent, once per batch. */
    public Fib current()
    {
        return current;
    }
}
