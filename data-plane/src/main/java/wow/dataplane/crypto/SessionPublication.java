package wow.dataplane.crypto;

/**
 * Where the conductor publishes the current {@link SessionTable}s (one volatile reference each, as
 * the FIB's publication): the link sessions' (by underlay endpoint) and the end-to-end sessions'
 * (by {@link SessionTable#addressKey ring address}). The conductor thread writes, queue threads
 * read once per batch.
 */
public final class SessionPublication
{
    private volatile SessionTable current = SessionTable.EMPTY;
    private volatile SessionTable endToEnd = SessionTable.EMPTY;

    public SessionTable current()
    {
        return current;
    }

    /** Conductor thread only. */
    public void publish(final SessionTable table)
    {
        current = table;
    }

    /** @return the end-to-end sessions: keypairs by local index, and each peer's current one by address key. */
    public SessionTable endToEnd()
    {
        return endToEnd;
    }

    /** Conductor thread only. */
    public void publishEndToEnd(final SessionTable table)
    {
        endToEnd = table;
    }
}
