package wow.dataplane;

import wow.dataplane.fib.Fib;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.QueueCounters;

/**
 * Per-link packet and byte counts of one batch, added to the shared link counters once per
 * batch. Grows only when a FIB with more links arrives. Owned by one queue agent's thread.
 */
final class LinkTally
{
    private long[] values = new long[0];
    private int[] touched = new int[0];
    private int touchedCount;

    void ensure(final int links)
    {
        if (values.length < links * 4)
        {
            values = new long[links * 4];
            touched = new int[links];
            touchedCount = 0;
        }
    }

    void tx(final int link, final int bytes)
    {
        add(link, CounterTypes.LINK_TX_PACKETS, CounterTypes.LINK_TX_BYTES, bytes);
    }

    void rx(final int link, final int bytes)
    {
        add(link, CounterTypes.LINK_RX_PACKETS, CounterTypes.LINK_RX_BYTES, bytes);
    }

    private void add(final int link, final int packets, final int bytesIndex, final int bytes)
    {
        final int base = link * 4;
        if (values[base] == 0 && values[base + 1] == 0 && values[base + 2] == 0 && values[base + 3] == 0)
        {
            touched[touchedCount++] = link;
        }
        values[base + packets]++;
        values[base + bytesIndex] += bytes;
    }

    /** Adds the batch's counts to the links' counters of this FIB and starts a new batch. */
    void flush(final Fib fib, final QueueCounters counters)
    {
        for (int t = 0; t < touchedCount; t++)
        {
            final int link = touched[t];
            final int base = link * 4;
            for (int k = 0; k < 4; k++)
            {
                final long v = values[base + k];
                if (v != 0)
                {
                    final int id = fib.linkCounterId(link, k);
                    if (id >= 0)
                    {
                        counters.addToCounter(id, v);
                    }
                    values[base + k] = 0;
                }
            }
        }
        touchedCount = 0;
    }
}
