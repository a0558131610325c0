package wow.dataplane.crypto;

/**
 * Where the conductor publishes the current {@link SessionTable} (one volatile reference, as the
 * FIB's publication): the conductor thread writes, queue threads read once per duty cycle.
 */
public final class SessionPublication
{
    private volatile SessionTable current = SessionTable.EMPTY;

    public SessionTable current()
    {
        return current;
    }

    /** Conductor thread only. */
    public void publish(final SessionTable table)
    {
        current = table;
    }
}
