package wow.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.agrona.BufferUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;
import wow.shim.UdpSocket;

/**
 * Three secure queue agents on an in-memory network, A - R - B: A and B are not linked, so their
 * packets are routed through R, sealed end to end. What R holds once it opened its link's seal
 * (the test has the link keys, so it sees exactly that) carries no plaintext; what R could alter
 * or forge, B refuses.
 */
class EndToEndQueueAgentTest
{
    static final int IP_A = Ipv4.parse("10.1.0.1");
    static final int IP_B = Ipv4.parse("10.1.0.2");
    static final int IP_R = Ipv4.parse("10.1.0.3");
    static final long EP_A = UdpSocket.endpoint(Ipv4.parse("192.0.2.1"), 7000);
    static final long EP_B = UdpSocket.endpoint(Ipv4.parse("192.0.2.2"), 7000);
    static final long EP_R = UdpSocket.endpoint(Ipv4.parse("192.0.2.3"), 7000);
    static final byte[] ADDR_A = QueueAgentTest.address(0x10);
    static final byte[] ADDR_B = QueueAgentTest.address(0x20);
    static final byte[] ADDR_R = QueueAgentTest.address(0x1c); // nearer B than A is: A routes to B through R
    static final byte[] MARKER = "WOW-END-TO-END-MARKER".getBytes(StandardCharsets.US_ASCII);

    final Random random = new Random(5);
    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final long[] nowNs = {1_000_000_000L};
    final byte[] keyAr = key();
    final byte[] keyRa = key();
    final byte[] keyRb = key();
    final byte[] keyBr = key();
    final byte[] keyAb = key();
    final byte[] keyBa = key();
    final Node a = new Node(IP_A, EP_A, ADDR_A);
    final Node r = new Node(IP_R, EP_R, ADDR_R);
    final Node b = new Node(IP_B, EP_B, ADDR_B);
    final List<AeadBatch> batches = new ArrayList<>();
    final UnsafeBuffer scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));

    /** One node: TAP, socket, counters, rings, agent, sessions. */
    final class Node
    {
        final MemoryTapPort tap = new MemoryTapPort();
        final MemoryUdpNetwork.Port udp;
        final CountersFile countersFile = CountersFile.inMemory(256);
        final QueueCounters counters = new QueueCounters(countersFile.manager(), countersFile.values(), 0);
        final RingBuffer up = new ManyToOneRingBuffer(QueueAgentTest.ring());
        final SessionPublication sessions = new SessionPublication();
        final int ip;
        final long endpoint;
        final byte[] address;
        final Int2ObjectHashMap<Keypair> linksByIndex = new Int2ObjectHashMap<>();
        final Long2ObjectHashMap<Keypair> linksByEndpoint = new Long2ObjectHashMap<>();
        QueueAgent agent;

        Node(final int ip, final long endpoint, final byte[] address)
        {
            this.ip = ip;
            this.endpoint = endpoint;
            this.address = address;
            this.udp = net.bind(endpoint);
        }

        Fib.Builder fib()
        {
            return new Fib.Builder(ip, 24, address);
        }

        Node link(final Fib.Builder builder, final Node peer, final int localId, final int remoteId)
        {
            final int[] counters = new int[4];
            for (int i = 0; i < 4; i++)
            {
                counters[i] = countersFile.manager().allocate("link " + localId + " " + i, CounterTypes.LINK);
            }
            builder.link(peer.address, peer.ip, peer.endpoint, localId, remoteId, counters);
            return this;
        }

        void start(final Fib.Builder builder)
        {
            agent = new QueueAgent(0, tap, udp, new FibPublication(builder.build(1), () -> { }), counters,
                QueueAgentTest.TAP_MAC, 1356, up, new OneToOneRingBuffer(QueueAgentTest.ring()), () -> { },
                () -> nowNs[0], sessions);
        }

        void linkSession(final int localIndex, final int remoteIndex, final long peer, final byte[] send, final byte[] receive)
        {
            final Keypair k = new Keypair(localIndex, remoteIndex, linksByIndex.size(), send, receive, 0);
            k.endpoint(peer);
            linksByIndex.put(localIndex, k);
            linksByEndpoint.put(peer, k);
            sessions.publish(new SessionTable(linksByIndex, linksByEndpoint));
        }

        void endToEnd(final int localIndex, final int remoteIndex, final Node peer, final byte[] send, final byte[] receive,
            final int peerIp)
        {
            final Keypair k = new Keypair(localIndex, remoteIndex, 0, send, receive, 0, peer.address, peerIp);
            final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
            byIndex.put(localIndex, k);
            final Long2ObjectHashMap<Keypair> byAddress = new Long2ObjectHashMap<>();
            byAddress.put(SessionTable.addressKey(new UnsafeBuffer(peer.address), 0), k);
            sessions.publishEndToEnd(new SessionTable(byIndex, byAddress));
        }

        long drops(final DropReason reason)
        {
            return counters.drops(reason);
        }

        List<Integer> upTypes()
        {
            final List<Integer> types = new ArrayList<>();
            up.read((type, buffer, index, length) -> types.add(type));
            return types;
        }

        void close()
        {
            agent.onClose();
        }
    }

    EndToEndQueueAgentTest()
    {
        final Fib.Builder fa = a.fib();
        a.link(fa, r, 1, 11).start(fa.route(IP_B, ADDR_B));
        final Fib.Builder fr = r.fib();
        r.link(fr, a, 11, 1).link(fr, b, 12, 2).start(fr);
        final Fib.Builder fb = b.fib();
        b.link(fb, r, 2, 12).start(fb);
        a.linkSession(0x100, 0x300, EP_R, keyAr, keyRa);
        r.linkSession(0x300, 0x100, EP_A, keyRa, keyAr);
        r.linkSession(0x301, 0x200, EP_B, keyRb, keyBr);
        b.linkSession(0x200, 0x301, EP_R, keyBr, keyRb);
    }

    void endToEndSessions()
    {
        a.endToEnd(0xA1, 0xB1, b, keyAb, keyBa, IP_B);
        b.endToEnd(0xB1, 0xA1, a, keyBa, keyAb, IP_A);
    }

    @AfterEach
    void close()
    {
        for (final Node n : List.of(a, r, b))
        {
            n.close();
        }
        batches.forEach(AeadBatch::close);
    }

    byte[] key()
    {
        final byte[] k = new byte[32];
        random.nextBytes(k);
        return k;
    }

    byte[] packet(final int source)
    {
        final byte[] packet = Frames.ipv4(source, IP_B, 300, 7);
        System.arraycopy(MARKER, 0, packet, 60, MARKER.length);
        return packet;
    }

    /** A sends a packet from its TAP and R forwards it: @return the datagram on the wire to B (not yet received). */
    byte[] throughR(final int source)
    {
        a.tap.inject(Frames.ethernet(packet(source)));
        a.agent.doWork();
        r.agent.doWork();
        final List<byte[]> wire = SecureQueueAgentTest.take(b.udp);
        assertEquals(1, wire.size());
        return wire.get(0);
    }

    /** @return what a link seal holds (null if it does not open), as the receiving node reads it after opening. */
    byte[] openLink(final byte[] datagram, final byte[] key)
    {
        final AeadBatch open = AeadBatch.create(false, 1, "jdk");
        batches.add(open);
        scratch.putBytes(0, datagram);
        open.add(new Keypair(1, 1, 0, key, key, 0), scratch.addressOffset(), datagram.length - WireHeader.SEALED_OVERHEAD);
        open.run();
        return open.authentic(0) ? copy(WireHeader.SEALED_LENGTH, datagram.length - WireHeader.SEALED_OVERHEAD) : null;
    }

    byte[] copy(final int offset, final int length)
    {
        final byte[] out = new byte[length];
        scratch.getBytes(offset, out);
        return out;
    }

    /** @return a datagram from R to B sealed with their link's key, holding {@code inner}. */
    byte[] sealLink(final byte[] inner, final long counter)
    {
        final AeadBatch seal = AeadBatch.create(true, 1, "jdk");
        batches.add(seal);
        WireHeader.writeSealed(scratch, 0, 0x200, counter);
        scratch.putBytes(WireHeader.SEALED_LENGTH, inner);
        seal.add(new Keypair(1, 1, 0, keyRb, keyRb, 0), scratch.addressOffset(), inner.length);
        seal.run();
        return copy(0, inner.length + WireHeader.SEALED_OVERHEAD);
    }

    @Test
    void aRoutedPacketIsSealedEndToEndAndTheTransitNodeHoldsNoPlaintext()
    {
        endToEndSessions();
        final byte[] datagram = throughR(IP_A);
        final byte[] heldByR = openLink(datagram, keyRb);
        assertTrue(heldByR != null && heldByR.length > 0);
        final UnsafeBuffer routed = new UnsafeBuffer(heldByR);
        assertEquals(WireHeader.TYPE_ROUTED, WireHeader.validType(routed, 0, heldByR.length));
        assertEquals(WireHeader.PAYLOAD_SEALED_IPV4, WireHeader.payloadType(routed, 0));
        assertFalse(SecureQueueAgentTest.contains(heldByR, MARKER));
        assertFalse(SecureQueueAgentTest.contains(heldByR, new byte[] {0x45, 0}));
        assertEquals(300 + WireHeader.ROUTED_LENGTH + WireHeader.END_TO_END_OVERHEAD, heldByR.length);
        assertEquals(1, r.counters.transitForwarded.get());

        b.udp.inject(EP_R, datagram);
        b.agent.doWork();
        final List<byte[]> written = b.tap.drainWritten();
        assertEquals(1, written.size());
        assertArrayEquals(packet(IP_A), Arrays.copyOfRange(written.get(0), 14, written.get(0).length));
        assertTrue(b.upTypes().contains(ControlMessages.UP_END_TO_END_CONFIRMED));
        b.udp.inject(EP_R, datagram); // replayed: the link's window stops it first
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
    }

    @Test
    void aRelayedPacketIsSealedEndToEndAndTheRelayHoldsNoPlaintext()
    {
        // A reaches B over a relayed link through R (R was asked to relay between them)
        a.close();
        final Fib.Builder fa = a.fib();
        a.link(fa, r, 1, 11);
        final int[] counters = {a.countersFile.manager().allocate("relayed 0", CounterTypes.LINK),
            a.countersFile.manager().allocate("relayed 1", CounterTypes.LINK),
            a.countersFile.manager().allocate("relayed 2", CounterTypes.LINK),
            a.countersFile.manager().allocate("relayed 3", CounterTypes.LINK)};
        a.start(fa.relayedLink(ADDR_B, IP_B, ADDR_R, 3, 12, counters, true).route(IP_B, ADDR_B));
        r.close();
        final Fib.Builder fr = r.fib();
        r.link(fr, a, 11, 1).link(fr, b, 12, 2).start(fr.relayGrant(ADDR_A, ADDR_B));
        endToEndSessions();
        final byte[] datagram = throughR(IP_A);
        final byte[] heldByR = openLink(datagram, keyRb);
        assertEquals(WireHeader.PAYLOAD_SEALED_IPV4, WireHeader.payloadType(new UnsafeBuffer(heldByR), 0));
        assertFalse(SecureQueueAgentTest.contains(heldByR, MARKER));
        assertEquals(1, r.counters.relayForwarded.get());
        b.udp.inject(EP_R, datagram);
        b.agent.doWork();
        final List<byte[]> written = b.tap.drainWritten();
        assertEquals(1, written.size());
        assertArrayEquals(packet(IP_A), Arrays.copyOfRange(written.get(0), 14, written.get(0).length));
    }

    @Test
    void whatTheTransitNodeAltersOrForgesIsRefused()
    {
        endToEndSessions();
        final byte[] inner = openLink(throughR(IP_A), keyRb);
        final byte[] altered = inner.clone();
        altered[WireHeader.ROUTED_LENGTH + WireHeader.SEALED_LENGTH + 70] ^= 1; // inside the sealed packet
        b.udp.inject(EP_R, sealLink(altered, 100));
        // a plain routed IPv4 packet "from A", as any member could write one
        final byte[] forged = new byte[WireHeader.ROUTED_LENGTH + 300];
        final UnsafeBuffer f = new UnsafeBuffer(forged);
        WireHeader.writeRouted(f, 0, new UnsafeBuffer(ADDR_A), new UnsafeBuffer(ADDR_B), 0, WireHeader.DEFAULT_TTL,
            WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4);
        f.putBytes(WireHeader.ROUTED_LENGTH, packet(IP_A));
        b.udp.inject(EP_R, sealLink(forged, 101));
        // the sealed packet again, its source rewritten to claim another node
        final byte[] moved = inner.clone();
        moved[WireHeader.SOURCE_OFFSET] = 0x1c;
        b.udp.inject(EP_R, sealLink(moved, 102));
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
        assertEquals(1, b.drops(DropReason.AUTH_FAILED));
        assertEquals(1, b.drops(DropReason.UNAUTHENTICATED));
        assertEquals(1, b.drops(DropReason.UNKNOWN_SESSION));
        b.udp.inject(EP_R, sealLink(inner, 103)); // the packet as A sealed it still opens
        b.agent.doWork();
        assertEquals(1, b.tap.drainWritten().size());
    }

    @Test
    void aPacketFromAnAddressItsSenderDoesNotHoldIsDropped()
    {
        endToEndSessions();
        final int other = Ipv4.parse("10.1.0.77");
        b.udp.inject(EP_R, throughR(other));
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
        assertEquals(1, b.drops(DropReason.SPOOFED_SOURCE));
        assertTrue(b.upTypes().contains(ControlMessages.UP_RESOLVE)); // a pool address it may hold: looked up
    }

    @Test
    void packetsWaitForTheSessionAndGoOnceItIsThere()
    {
        a.tap.inject(Frames.ethernet(packet(IP_A)));
        a.agent.doWork();
        assertEquals(0, SecureQueueAgentTest.take(r.udp).size());
        assertTrue(a.upTypes().contains(ControlMessages.UP_END_TO_END));
        assertEquals(1, a.counters.resolutionHeld.get());
        endToEndSessions();
        a.agent.doWork(); // the session's publication releases what waited
        r.agent.doWork();
        final List<byte[]> wire = SecureQueueAgentTest.take(b.udp);
        assertEquals(1, wire.size());
        b.udp.inject(EP_R, wire.get(0));
        b.agent.doWork();
        assertEquals(1, b.tap.drainWritten().size());
    }

    @Test
    void withoutASessionNothingIsRoutedInClearAndTheWaitIsBounded()
    {
        for (int i = 0; i < 40; i++)
        {
            a.tap.inject(Frames.ethernet(packet(IP_A)));
        }
        a.agent.doWork();
        nowNs[0] += 2 * ResolutionHold.TIMEOUT_NS;
        a.agent.doWork();
        assertEquals(0, SecureQueueAgentTest.take(r.udp).size());
        assertEquals(40, a.drops(DropReason.END_TO_END_PENDING));
    }
}
