package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Packets held while their destination resolves, or its end-to-end session is set up: a copy of
 * at most {@link #SLOTS} of them, for at most {@link #TIMEOUT_NS}; sent in order once a FIB knows
 * where they go (and the session is there), counted as {@code no_route} (or
 * {@code end_to_end_pending}) drops when time runs out. Owned by one queue agent's thread.
 */
final class ResolutionHold
{
    static final int SLOTS = 16;
    static final long TIMEOUT_NS = 1_000_000_000L;

    private final QueueCounters counters;
    private final FrameBatch held;
    private final int[] destination = new int[SLOTS];
    private final long[] since = new long[SLOTS];
    private int count;

    ResolutionHold(final QueueCounters counters, final int maxPacket)
    {
        this.counters = counters;
        this.held = new FrameBatch(SLOTS, maxPacket);
    }

    boolean isEmpty()
    {
        return count == 0;
    }

    /**
     * Keeps a copy of a packet whose destination is being resolved, if a slot is free.
     *
     * @return true if it was held.
     */
    boolean hold(final UnsafeBuffer buffer, final int ip, final int length, final int to, final long nowNs)
    {
        if (count == SLOTS || length > held.capacity())
        {
            return false;
        }
        final int slot = count++;
        held.buffer().putBytes(held.dataOffset(slot), buffer, ip, length);
        held.length(slot, length);
        destination[slot] = to;
        since[slot] = nowNs;
        counters.resolutionHeld.incrementRelease();
        return true;
    }

    /**
     * Sends the held packets whose destination this FIB knows through {@code egress}, in order;
     * drops those held too long; keeps the others.
     *
     * @return the number sent.
     */
    int release(final Fib fib, final Egress egress, final long nowNs)
    {
        int sent = 0;
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            final int to = destination[i];
            final int r = fib.route(to);
            final int hop = r == Fib.NONE ? Fib.NONE : fib.routeNextHop(r);
            if (hop != Fib.NONE && !(fib.routeDirect(r) && fib.linkRemoteId(hop) == 0) && egress.sessionReady(r))
            {
                egress.encapsulate(held.buffer(), held.dataOffset(i), held.length(i), r, hop);
                sent++;
            }
            else if (nowNs - since[i] > TIMEOUT_NS)
            {
                counters.drop(hop == Fib.NONE ? DropReason.NO_ROUTE : DropReason.END_TO_END_PENDING);
            }
            else
            {
                if (kept != i)
                {
                    held.buffer().putBytes(held.dataOffset(kept), held.buffer(), held.dataOffset(i), held.length(i));
                    held.length(kept, held.length(i));
                    destination[kept] = to;
                    since[kept] = since[i];
                }
                kept++;
            }
        }
        if (sent > 0)
        {
            egress.sendQueued();
        }
        count = kept;
        return sent;
    }

    /** Drops what was held too long (the FIB did not change). */
    void expire(final Fib fib, final Egress egress, final long nowNs)
    {
        if (count > 0 && nowNs - since[0] > TIMEOUT_NS)
        {
            release(fib, egress, nowNs);
        }
    }
}
