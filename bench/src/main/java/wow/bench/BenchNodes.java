package wow.bench;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import wow.dataplane.QueueAgent;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.Frames;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;
import wow.shim.UdpSocket;

/** Builds queue agents of two nodes A and B with FIBs that know each other, for the benchmarks. */
final class BenchNodes
{
    static final int IP_A = Ipv4.parse("10.99.0.1");
    static final int IP_B = Ipv4.parse("10.99.0.2");
    static final long EP_A = UdpSocket.endpoint(Ipv4.parse("192.0.2.1"), 1);
    static final long EP_B = UdpSocket.endpoint(Ipv4.parse("192.0.2.2"), 2);
    static final int ID_AT_A = 0x0A;
    static final int ID_AT_B = 0x0B;

    private BenchNodes()
    {
    }

    static byte[] address(final int first)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)first;
        a[19] = (byte)first;
        return a;
    }

    /** @return an insecure queue agent of A (peer B) or of B (peer A) over the given ports. */
    static QueueAgent agent(final boolean isA, final TapPort tap, final UdpPort udp)
    {
        return agent(isA, tap, udp, false);
    }

    /**
     * @param secure true for a secure node: a session with the peer (the same keys on both sides, as
     *               a handshake would have split them), every datagram sealed and opened.
     * @return a queue agent of A (peer B) or of B (peer A) over the given ports.
     */
    static QueueAgent agent(final boolean isA, final TapPort tap, final UdpPort udp, final boolean secure)
    {
        return agent(isA, tap, udp, secure, false);
    }

    /**
     * @param routed true: the peer is not linked; A's packets go to it as routed ones over a link to
     *               a third node (whose endpoint is the peer's), sealed end to end as well (secure).
     * @return a queue agent of A (peer B) or of B (peer A) over the given ports.
     */
    static QueueAgent agent(final boolean isA, final TapPort tap, final UdpPort udp, final boolean secure,
        final boolean routed)
    {
        final SessionPublication sessions = secure ? sessions(isA) : null;
        if (secure && routed)
        {
            endToEnd(sessions, isA);
        }
        final CountersFile counters = CountersFile.inMemory(256);
        final int[] linkCounters = new int[4];
        for (int i = 0; i < 4; i++)
        {
            linkCounters[i] = counters.manager().allocate(CounterTypes.LINK_COUNTERS[i], CounterTypes.LINK);
        }
        final int localIp = isA ? IP_A : IP_B;
        final int peerIp = isA ? IP_B : IP_A;
        // routed: the link is to a node between them on the ring (nearer B than A is), at the peer's endpoint
        final Fib.Builder builder = new Fib.Builder(localIp, 24, address(isA ? 0x10 : 0x20))
            .link(routed ? address(0x1c) : address(isA ? 0x20 : 0x10), routed ? 0 : peerIp, isA ? EP_B : EP_A,
                isA ? ID_AT_A : ID_AT_B, isA ? ID_AT_B : ID_AT_A, linkCounters)
            .route(peerIp, address(isA ? 0x20 : 0x10));
        // a table of realistic size: many other routes and links around the ring
        for (int i = 3; i < 200; i++)
        {
            builder.route(Ipv4.parse("10.99." + (i / 250) + "." + (i % 250 + 3)), address(i));
        }
        return new QueueAgent(0, tap, udp, new FibPublication(builder.build(1), () -> { }),
            new QueueCounters(counters.manager(), counters.values(), 0), Frames.HOST_MAC, 1420,
            new ManyToOneRingBuffer(ring()), new OneToOneRingBuffer(ring()), () -> { }, SystemNanoClock.INSTANCE, sessions);
    }

    private static SessionPublication sessions(final boolean isA)
    {
        final byte[] ab = new byte[32];
        final byte[] ba = new byte[32];
        ab[0] = 0x0A;
        ba[0] = 0x0B;
        final Keypair keypair = new Keypair(isA ? 0xA1 : 0xB1, isA ? 0xB1 : 0xA1, 0, isA ? ab : ba, isA ? ba : ab, 0);
        keypair.endpoint(isA ? EP_B : EP_A);
        final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
        byIndex.put(keypair.localIndex(), keypair);
        final Long2ObjectHashMap<Keypair> byEndpoint = new Long2ObjectHashMap<>();
        byEndpoint.put(keypair.endpoint(), keypair);
        final SessionPublication publication = new SessionPublication();
        publication.publish(new SessionTable(byIndex, byEndpoint));
        return publication;
    }

    /** Publishes the end-to-end session of A with B (or of B with A), as their handshake would have split it. */
    private static void endToEnd(final SessionPublication publication, final boolean isA)
    {
        final byte[] ab = new byte[32];
        final byte[] ba = new byte[32];
        ab[0] = 0x1A;
        ba[0] = 0x1B;
        final byte[] peer = address(isA ? 0x20 : 0x10);
        final Keypair keypair = new Keypair(isA ? 0xA2 : 0xB2, isA ? 0xB2 : 0xA2, 0, isA ? ab : ba, isA ? ba : ab, 0, peer,
            isA ? IP_B : IP_A);
        final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
        byIndex.put(keypair.localIndex(), keypair);
        final Long2ObjectHashMap<Keypair> byAddress = new Long2ObjectHashMap<>();
        byAddress.put(SessionTable.addressKey(new UnsafeBuffer(peer), 0), keypair);
        publication.publishEndToEnd(new SessionTable(byIndex, byAddress));
    }

    static UnsafeBuffer ring()
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned((1 << 16) + RingBufferDescriptor.TRAILER_LENGTH, 64));
    }

    /** @return an Ethernet frame carrying an IPv4 packet of {@code size} bytes from A to B. */
    static byte[] frameAtoB(final int size)
    {
        return Frames.ethernet(Frames.ipv4(IP_A, IP_B, size, 1));
    }
}
