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
 * pair this node was granted, within the relay rate (a token bucket). TTL and hop count are
 * kept; every packet it cannot forward is counted. Owned by one queue agent's thread.
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
    private long relayTokens = Long.MAX_VALUE / 4; // a full bucket at start (clamped at first use)
    private long relayRefillNs;
    private boolean refilled;
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
        if (!relayTokens(fib.relayBytesPerSecond(), length, nowNs))
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

    /** Token bucket of the relay rate limit (burst: a tenth of a second's worth). */
    private boolean relayTokens(final long rate, final int bytes, final long nowNs)
    {
        final long burst = Math.max(rate / 10, 65_536);
        final long elapsedNs = refilled ? Math.min(nowNs - relayRefillNs, 1_000_000_000L) : 0;
        refilled = true;
        relayTokens = Math.min(burst, relayTokens + elapsedNs * (rate / 1000) / 1_000_000L);
        relayRefillNs = nowNs;
        if (relayTokens < bytes)
        {
            return false;
        }
        relayTokens -= bytes;
        return true;
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
