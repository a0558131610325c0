package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.RingDistance;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Forwards routed packets for other nodes, in place: to the destination's own link, else greedily
 * to the routable link closest to the destination (never back to the source of an
 * exclude-source packet); relay-flagged packets only over the link their header names, between a
 * pair this node was granted, within the relay rate — a token bucket per relayed member (the link
 * it came over), so one that floods the relay does not slow the others. TTL and hop count are
 * kept; every packet it cannot forward is counted. Owned by one queue agent's thread; allocates
 * only when the FIB changes (the buckets follow their links into the new version).
 */
final class TransitForwarder
{
    /** What {@link #forward} did with a packet. */
    static final int FORWARDED = 0;
    static final int DROPPED = 1;
    /** No node is closer: a closest-delivery packet ends here. */
    static final int HERE = 2;

    private final QueueCounters counters;
    private final LinkTally tally;
    private final ConductorUplink uplink;
    private final RingDistance scratch = new RingDistance();
    private final RingDistance best = new RingDistance();
    /** The FIB the buckets are indexed for, and per link: tokens (bytes), last refill, in use. */
    private Fib bucketsOf;
    private long[] relayTokens = new long[0];
    private long[] relayRefillNs = new long[0];
    private boolean[] refilled = new boolean[0];
    private int relayed;

    TransitForwarder(final QueueCounters counters, final LinkTally tally, final ConductorUplink uplink)
    {
        this.counters = counters;
        this.tally = tally;
        this.uplink = uplink;
    }

    /**
     * Forwards a routed packet whose destination is not this node.
     *
     * @return {@link #FORWARDED} (queued on {@code out}), {@link #DROPPED} (counted) or {@link #HERE}.
     */
    int forward(final Fib fib, final UnsafeBuffer buffer, final int offset, final int length, final long endpoint,
        final OutList out, final long nowNs)
    {
        final int destination = offset + WireHeader.DESTINATION_OFFSET;
        final int flags = WireHeader.flags(buffer, offset);
        if ((flags & WireHeader.FLAG_RELAY) != 0)
        {
            return relay(fib, buffer, offset, length, endpoint, out, nowNs);
        }
        final boolean exclude = (flags & WireHeader.FLAG_EXCLUDE_SOURCE) != 0;
        // the destination's own link first (a relayed or bootstrap link serves its own peer),
        // else greedy over the routable links
        int hop = fib.linkByAddress(buffer, destination);
        if (hop == Fib.NONE || (exclude && fib.linkByAddress(buffer, offset + WireHeader.SOURCE_OFFSET) == hop))
        {
            hop = fib.closestLink(buffer, destination, exclude ? buffer : null, offset + WireHeader.SOURCE_OFFSET, scratch, best);
        }
        if (hop == Fib.NONE)
        {
            if (WireHeader.delivery(buffer, offset) == WireHeader.DELIVERY_CLOSEST)
            {
                return HERE;
            }
            counters.drop(DropReason.NO_NEXT_HOP);
            if (WireHeader.carriesIpv4(buffer, offset))
            {
                uplink.unreachable(buffer, offset, endpoint, nowNs);
            }
            return DROPPED;
        }
        if (WireHeader.ttl(buffer, offset) <= 1)
        {
            counters.drop(DropReason.TTL_EXPIRED);
            return DROPPED;
        }
        WireHeader.countHop(buffer, offset);
        if (fib.linkRelayed(hop))
        {
            WireHeader.markRelayed(buffer, offset, fib.linkRemoteId(hop));
        }
        out.add(buffer, offset, length, fib.linkEndpoint(hop));
        tally.tx(hop, length);
        return FORWARDED;
    }

    /**
     * Forwards a relay-flagged packet over the link its header names, only between a link pair this
     * node was granted, within the relay rate limit; anything else is a counted drop. From here on
     * it is an ordinary routed packet.
     */
    private int relay(final Fib fib, final UnsafeBuffer buffer, final int offset, final int length, final long endpoint,
        final OutList out, final long nowNs)
    {
        final int in = fib.linkByEndpoint(endpoint);
        final int next = fib.linkByLocalId(WireHeader.relayLink(buffer, offset));
        if (in == Fib.NONE || next == Fib.NONE || fib.linkRelayed(next) || !fib.relayAllowed(in, next))
        {
            counters.drop(DropReason.RELAY_DENIED);
            return DROPPED;
        }
        if (!relayTokens(fib, in, length, nowNs))
        {
            counters.drop(DropReason.RELAY_RATE);
            return DROPPED;
        }
        if (WireHeader.ttl(buffer, offset) <= 1)
        {
            counters.drop(DropReason.TTL_EXPIRED);
            return DROPPED;
        }
        WireHeader.countHop(buffer, offset);
        WireHeader.clearRelay(buffer, offset);
        out.add(buffer, offset, length, fib.linkEndpoint(next));
        tally.tx(next, length);
        relayed++;
        return FORWARDED;
    }

    /** The relay rate limit's token bucket of the member on link {@code in} (burst: a tenth of a second's worth). */
    private boolean relayTokens(final Fib fib, final int in, final int bytes, final long nowNs)
    {
        if (fib != bucketsOf)
        {
            follow(fib);
        }
        final long rate = fib.relayBytesPerSecond();
        final long burst = Math.max(rate / 10, 65_536);
        final long elapsedNs = refilled[in] ? Math.min(nowNs - relayRefillNs[in], 1_000_000_000L) : 0;
        relayTokens[in] = refilled[in] ? Math.min(burst, relayTokens[in] + elapsedNs * (rate / 1000) / 1_000_000L) : burst;
        refilled[in] = true;
        relayRefillNs[in] = nowNs;
        if (relayTokens[in] < bytes)
        {
            return false;
        }
        relayTokens[in] -= bytes;
        return true;
    }

    /** Re-indexes the buckets for a new FIB version: each link keeps its bucket (a link that came up gets a full one). */
    private void follow(final Fib fib)
    {
        final int n = fib.linkCount();
        final long[] tokens = new long[n];
        final long[] refillNs = new long[n];
        final boolean[] used = new boolean[n];
        for (int i = 0; bucketsOf != null && i < n; i++)
        {
            final int old = bucketsOf.linkByAddress(fib.linkAddresses(), i * WireHeader.ADDRESS_LENGTH);
            if (old != Fib.NONE && old < refilled.length)
            {
                tokens[i] = relayTokens[old];
                refillNs[i] = relayRefillNs[old];
                used[i] = refilled[old];
            }
        }
        relayTokens = tokens;
        relayRefillNs = refillNs;
        refilled = used;
        bucketsOf = fib;
    }

    /** Counts what this batch forwarded ({@code count} datagrams queued in all). */
    void endOfBatch(final int count)
    {
        counters.transitForwarded.getAndAddRelease(count);
        if (relayed > 0)
        {
            counters.relayForwarded.getAndAddRelease(relayed);
            relayed = 0;
        }
    }
}
