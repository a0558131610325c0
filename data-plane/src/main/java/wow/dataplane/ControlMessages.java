package wow.dataplane;

/**
 * Message types and layouts on the rings between the data plane and the conductor.
 *
 * <pre>
 * Up (agents -&gt; conductor, many-to-one ring), message types {@link #UP_CONTROL} and {@link #UP_ROUTED}:
 *   0: sender's underlay endpoint (8, packed as UdpSocket.endpoint) | 8: queue (4)
 *   | 12: local index of the session that authenticated it (4, 0 on an insecure node) | 16: the whole datagram
 *   (inside its seal); {@link #UP_HANDSHAKE}: the same, session 0
 * Up, message types {@link #UP_SESSION_MOVED}, {@link #UP_SESSION_CONFIRMED}: 0: the sender's endpoint (8)
 *   | 8: queue (4) | 12: local index of the session (4)
 * Up, message type {@link #UP_RESOLVE}: 0: unused, 0 (8) | 8: queue (4) | 16: virtual IP to resolve (4, host order)
 * Up, message type {@link #UP_UNREACHABLE}: 0: sender's endpoint (8) | 8: queue (4) | 16: the ROUTED header (52)
 * Up, message type {@link #UP_TRAFFIC}: 0: unused, 0 (8) | 8: queue (4) | 16: destination ring address (20)
 * Up, message type {@link #UP_MOVED}: 0: the new endpoint (8) | 8: queue (4) | 16: this host's link id (4)
 * Up, message type {@link #UP_END_TO_END}: 0: unused, 0 (8) | 8: queue (4) | 16: the peer's ring address (20)
 * Up, message type {@link #UP_END_TO_END_CONFIRMED}: 0: unused, 0 (8) | 8: queue (4) | 12: local index of the keypair (4)
 * Down (conductor -&gt; one queue's agent, one-to-one ring), message type {@link #DOWN_SEND}:
 *   0: destination endpoint (8) | 8: the whole datagram to send
 * </pre>
 */
public final class ControlMessages
{
    /** A CONTROL datagram received from a link peer. */
    public static final int UP_CONTROL = 1;
    /** A ROUTED datagram with a control payload that ended at this node. */
    public static final int UP_ROUTED = 2;
    /** A packet went to a virtual IP the FIB does not know: the conductor should resolve it. */
    public static final int UP_RESOLVE = 4;
    /**
     * A routed data packet could not be delivered: its exact destination is on no link and no
     * node is closer (the address is gone). The conductor tells the packet's source.
     */
    public static final int UP_UNREACHABLE = 5;
    /** One sample of {@link #TRAFFIC_SAMPLE} data packets this host routed (not sent directly) to a destination. */
    public static final int UP_TRAFFIC = 6;
    /**
     * DATA carrying a valid link id arrived from another endpoint than the link's: the peer's
     * address or NAT mapping changed (it moved). The conductor decides whether to follow.
     */
    public static final int UP_MOVED = 7;
    /** A HANDSHAKE datagram (unauthenticated; rate-limited per source and per queue). */
    public static final int UP_HANDSHAKE = 8;
    /** An authenticated datagram of a session came from another endpoint than the session's: its peer moved. */
    public static final int UP_SESSION_MOVED = 9;
    /** The first authenticated datagram of a keypair arrived: the peer has its keys (Noise key confirmation). */
    public static final int UP_SESSION_CONFIRMED = 10;
    /** A SESSION datagram (a revocation list) a session authenticated; laid out as {@link #UP_CONTROL}. */
    public static final int UP_SESSION_MESSAGE = 11;
    /** A packet is to be routed to a node with no end-to-end session yet: the conductor should set one up. */
    public static final int UP_END_TO_END = 12;
    /** The first packet sealed with an end-to-end keypair arrived: the peer has its keys. */
    public static final int UP_END_TO_END_CONFIRMED = 13;
    /** Routed data packets per traffic sample. */
    public static final int TRAFFIC_SAMPLE = 64;
    /** A datagram the agent sends for the conductor. */
    public static final int DOWN_SEND = 3;

    public static final int ENDPOINT_OFFSET = 0;
    public static final int QUEUE_OFFSET = 8;
    public static final int SESSION_OFFSET = 12;
    public static final int UP_DATAGRAM_OFFSET = 16;
    public static final int DOWN_DATAGRAM_OFFSET = 8;

    /** Capacity of each control ring (data bytes, a power of two). */
    public static final int RING_CAPACITY = 1 << 20;

    private ControlMessages()
    {
    }
}
