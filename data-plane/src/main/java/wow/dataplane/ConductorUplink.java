package wow.dataplane;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;
import wow.dataplane.protocol.WireHeader;

/**
 * What one queue hands up to the conductor through the many-to-one ring: CONTROL and routed
 * control datagrams, and reports — a destination to resolve (at most once a second per address),
 * a link peer seen at a new endpoint (at most every 100 ms per link), an undeliverable routed
 * packet (at most once a second per destination), an end-to-end session wanted (at most every
 * 250 ms per peer) or confirmed, one traffic sample per
 * {@link ControlMessages#TRAFFIC_SAMPLE} routed packets. The conductor is woken once after a batch
 * that handed something up; a full ring is a counted drop. Owned by one queue agent's thread.
 */
final class ConductorUplink
{
    private static final long RESOLVE_INTERVAL_NS = 1_000_000_000L;
    private static final long END_TO_END_INTERVAL_NS = 250_000_000L;

    private final int queue;
    private final RingBuffer ring;
    private final QueueCounters counters;
    private final Runnable conductorWakeup;
    private final ReportGate resolveGate = new ReportGate(RESOLVE_INTERVAL_NS);
    private final ReportGate unreachableGate = new ReportGate(RESOLVE_INTERVAL_NS);
    private final ReportGate movedGate = new ReportGate(100_000_000L);
    private final ReportGate endToEndGate = new ReportGate(END_TO_END_INTERVAL_NS);
    private final UnsafeBuffer resolveRequest = new UnsafeBuffer(new byte[4]);
    private static final UnsafeBuffer NO_PAYLOAD = new UnsafeBuffer(new byte[0]);
    static final long HANDSHAKES_PER_SOURCE_NS = 10_000_000L;
    static final int HANDSHAKES_PER_SECOND = 500;

    private final ReportGate handshakeGate = new ReportGate(HANDSHAKES_PER_SOURCE_NS);
    private long handshakeSecondStartNs;
    private int handshakesThisSecond;
    private int routedSinceSample;
    private boolean handedUp;

    ConductorUplink(final int queue, final RingBuffer ring, final QueueCounters counters, final Runnable conductorWakeup)
    {
        this.queue = queue;
        this.ring = ring;
        this.counters = counters;
        this.conductorWakeup = conductorWakeup;
    }

    /** Hands a frame up: its type, bytes and the endpoint it came from (0 for reports), no session. */
    void up(final int type, final DirectBuffer buffer, final int offset, final int length, final long endpoint)
    {
        up(type, buffer, offset, length, endpoint, 0);
    }

    /** Hands a frame up with the local index of the session that authenticated it. */
    void up(final int type, final DirectBuffer buffer, final int offset, final int length, final long endpoint,
        final int session)
    {
        final int messageLength = ControlMessages.UP_DATAGRAM_OFFSET + length;
        final int index = messageLength > ring.maxMsgLength() ? -1 : ring.tryClaim(type, messageLength);
        if (index <= 0)
        {
            counters.drop(DropReason.CONTROL_RING_FULL);
            return;
        }
        final var b = ring.buffer();
        b.putLong(index + ControlMessages.ENDPOINT_OFFSET, endpoint);
        b.putInt(index + ControlMessages.QUEUE_OFFSET, queue);
        b.putInt(index + ControlMessages.SESSION_OFFSET, session);
        b.putBytes(index + ControlMessages.UP_DATAGRAM_OFFSET, buffer, offset, length);
        ring.commit(index);
        counters.controlUp.incrementRelease();
        handedUp = true;
    }

    /** Asks the conductor to resolve a virtual IP, at most once a second per address. */
    void resolve(final int destination, final long nowNs)
    {
        if (resolveGate.admit(destination, nowNs))
        {
            resolveRequest.putInt(0, destination);
            up(ControlMessages.UP_RESOLVE, resolveRequest, 0, 4, 0);
        }
    }

    /**
     * Reports a link's peer sending from a new endpoint (its address or NAT mapping changed), at
     * most every 100 ms per link: the DATA header carried the link's id, which only the two ends know.
     */
    void moved(final DirectBuffer buffer, final int offset, final int link, final long endpoint, final long nowNs)
    {
        if (movedGate.admit(link, nowNs))
        {
            up(ControlMessages.UP_MOVED, buffer, offset + WireHeader.LINK_ID_OFFSET, 4, endpoint);
        }
    }

    /** Reports an undeliverable routed packet's header, at most once a second per destination. */
    void unreachable(final DirectBuffer buffer, final int offset, final long endpoint, final long nowNs)
    {
        if (unreachableGate.admit(buffer.getInt(offset + WireHeader.DESTINATION_OFFSET), nowNs))
        {
            up(ControlMessages.UP_UNREACHABLE, buffer, offset, WireHeader.ROUTED_LENGTH, endpoint);
        }
    }

    /** Counts a routed packet to this ring address; one in {@link ControlMessages#TRAFFIC_SAMPLE} is reported. */
    void routed(final DirectBuffer addresses, final int offset)
    {
        if (++routedSinceSample >= ControlMessages.TRAFFIC_SAMPLE)
        {
            // the shortcut policy learns where traffic goes from these samples
            routedSinceSample = 0;
            up(ControlMessages.UP_TRAFFIC, addresses, offset, WireHeader.ADDRESS_LENGTH, 0);
        }
    }

    /**
     * Hands a handshake up: a first message at most {@link #HANDSHAKES_PER_SOURCE_NS once per 10 ms}
     * per source endpoint, and all of them at most {@link #HANDSHAKES_PER_SECOND} a second per queue,
     * so that a flood costs the conductor bounded work and never stops established sessions (their
     * datagrams never come here).
     */
    void handshake(final DirectBuffer buffer, final int offset, final int length, final long endpoint, final long nowNs)
    {
        if (nowNs - handshakeSecondStartNs >= 1_000_000_000L)
        {
            handshakeSecondStartNs = nowNs;
            handshakesThisSecond = 0;
        }
        final boolean first = length > WireHeader.FLAGS_OFFSET && buffer.getByte(offset + WireHeader.FLAGS_OFFSET) == 1;
        if (handshakesThisSecond >= HANDSHAKES_PER_SECOND ||
            (first && !handshakeGate.admit((int)(endpoint ^ (endpoint >>> 29)), nowNs)))
        {
            counters.drop(DropReason.HANDSHAKE_RATE);
            return;
        }
        handshakesThisSecond++;
        up(ControlMessages.UP_HANDSHAKE, buffer, offset, length, endpoint, 0);
    }

    /** Reports an authenticated datagram of a session from a new endpoint, at most every 100 ms per session. */
    void sessionMoved(final int session, final long endpoint, final long nowNs)
    {
        if (movedGate.admit(session, nowNs))
        {
            up(ControlMessages.UP_SESSION_MOVED, NO_PAYLOAD, 0, 0, endpoint, session);
        }
    }

    /** Reports the first authenticated datagram of a keypair (once per keypair). */
    void sessionConfirmed(final int session, final long endpoint)
    {
        up(ControlMessages.UP_SESSION_CONFIRMED, NO_PAYLOAD, 0, 0, endpoint, session);
    }

    /**
     * Asks the conductor for an end-to-end session with the node whose ring address is at
     * {@code offset}, at most every 250 ms per address.
     */
    void endToEnd(final DirectBuffer addresses, final int offset, final long nowNs)
    {
        if (endToEndGate.admit(addresses.getInt(offset) ^ addresses.getInt(offset + 16), nowNs))
        {
            up(ControlMessages.UP_END_TO_END, addresses, offset, WireHeader.ADDRESS_LENGTH, 0);
        }
    }

    /** Reports the first packet of an end-to-end keypair (once per keypair). */
    void endToEndConfirmed(final int session)
    {
        up(ControlMessages.UP_END_TO_END_CONFIRMED, NO_PAYLOAD, 0, 0, 0, session);
    }

    /** Wakes the conductor once if this batch handed anything up. */
    void endOfBatch()
    {
        if (handedUp)
        {
            handedUp = false;
            conductorWakeup.run();
        }
    }
}
