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
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.FrameBatch;
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

/** Two secure queue agents on an in-memory network: what goes on the wire, and what comes off it. */
class SecureQueueAgentTest
{
    static final int IP_A = Ipv4.parse("10.1.0.1");
    static final int IP_B = Ipv4.parse("10.1.0.2");
    static final long EP_A = UdpSocket.endpoint(Ipv4.parse("192.0.2.1"), 7000);
    static final long EP_B = UdpSocket.endpoint(Ipv4.parse("192.0.2.2"), 7000);
    static final long EP_STRANGER = UdpSocket.endpoint(Ipv4.parse("192.0.2.66"), 7000);
    static final byte[] MARKER = "WOW-PAYLOAD-MARKER".getBytes(StandardCharsets.US_ASCII);

    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final Side a = new Side(IP_A, EP_A, IP_B, EP_B, 0x10, 0x20, 0x1001, 0x2002);
    final Side b = new Side(IP_B, EP_B, IP_A, EP_A, 0x20, 0x10, 0x2002, 0x1001);
    final long[] nowNs = {1_000_000_000L};

    /** One node: its TAP, socket, counters, rings, agent and session table. */
    final class Side
    {
        final MemoryTapPort tap = new MemoryTapPort();
        final MemoryUdpNetwork.Port udp;
        final CountersFile countersFile = CountersFile.inMemory(256);
        final QueueCounters counters = new QueueCounters(countersFile.manager(), countersFile.values(), 0);
        final RingBuffer up = new ManyToOneRingBuffer(QueueAgentTest.ring());
        final RingBuffer down = new OneToOneRingBuffer(QueueAgentTest.ring());
        final SessionPublication sessions = new SessionPublication();
        final QueueAgent agent;
        final FibPublication agentFibs;
        final int localIndex;
        final int remoteIndex;
        final long peerEndpoint;

        Side(final int ip, final long endpoint, final int peerIp, final long peerEndpoint, final int self, final int peer,
            final int localIndex, final int remoteIndex)
        {
            this.udp = net.bind(endpoint);
            this.localIndex = localIndex;
            this.remoteIndex = remoteIndex;
            this.peerEndpoint = peerEndpoint;
            final int[] links = new int[4];
            for (int i = 0; i < 4; i++)
            {
                links[i] = countersFile.manager().allocate("link " + i, CounterTypes.LINK);
            }
            final Fib fib = new Fib.Builder(ip, 24, QueueAgentTest.address(self))
                .link(QueueAgentTest.address(peer), peerIp, peerEndpoint, self, peer, links)
                .route(peerIp, QueueAgentTest.address(peer))
                .build(1);
            agentFibs = new FibPublication(fib, () -> { });
            agent = new QueueAgent(0, tap, udp, agentFibs, counters, QueueAgentTest.TAP_MAC, 1388,
                up, down, () -> { }, () -> nowNs[0], sessions);
        }

        Keypair install(final byte[] send, final byte[] receive)
        {
            final Keypair k = new Keypair(localIndex, remoteIndex, 0, send, receive, 0);
            k.endpoint(peerEndpoint);
            final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
            byIndex.put(localIndex, k);
            final Long2ObjectHashMap<Keypair> byEndpoint = new Long2ObjectHashMap<>();
            byEndpoint.put(peerEndpoint, k);
            sessions.publish(new SessionTable(byIndex, byEndpoint));
            return k;
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
    }

    @BeforeEach
    void sessions()
    {
        final Random random = new Random(11);
        final byte[] ab = new byte[32];
        final byte[] ba = new byte[32];
        random.nextBytes(ab);
        random.nextBytes(ba);
        a.install(ab, ba);
        b.install(ba, ab);
    }

    /** @return the datagrams waiting at a port, taken off it. */
    static List<byte[]> take(final MemoryUdpNetwork.Port port)
    {
        final FrameBatch batch = new FrameBatch(64, 2048);
        final List<byte[]> out = new ArrayList<>();
        while (port.receive(batch) > 0)
        {
            for (int i = 0; i < batch.count(); i++)
            {
                out.add(batch.copy(i));
            }
        }
        return out;
    }

    static boolean contains(final byte[] haystack, final byte[] needle)
    {
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length))
            {
                return true;
            }
        }
        return false;
    }

    byte[] packetAtoB()
    {
        final byte[] packet = Frames.ipv4(IP_A, IP_B, 200, 1);
        System.arraycopy(MARKER, 0, packet, 40, MARKER.length);
        return packet;
    }

    /** A sends one packet from its TAP; returns the datagram on the wire (taken off B's port). */
    byte[] sendOne()
    {
        a.tap.inject(Frames.ethernet(packetAtoB()));
        a.agent.doWork();
        final List<byte[]> wire = take(b.udp);
        assertEquals(1, wire.size());
        return wire.get(0);
    }

    @Test
    void theWireCarriesNoPayloadNoInnerHeaderAndNoVirtualIp()
    {
        final byte[] datagram = sendOne();
        final UnsafeBuffer d = new UnsafeBuffer(datagram);
        assertEquals(WireHeader.TYPE_SEALED, WireHeader.validType(d, 0, datagram.length));
        assertEquals(0x2002, WireHeader.session(d, 0)); // B's index: the receiver's
        assertFalse(contains(datagram, MARKER));
        assertFalse(contains(datagram, new byte[] {10, 1, 0, 1}));
        assertFalse(contains(datagram, new byte[] {10, 1, 0, 2}));
        assertFalse(contains(datagram, new byte[] {0x45, 0}));
        assertEquals(200 + WireHeader.DATA_LENGTH + WireHeader.SEALED_OVERHEAD, datagram.length);

        b.udp.inject(EP_A, datagram);
        b.agent.doWork();
        final List<byte[]> written = b.tap.drainWritten();
        assertEquals(1, written.size());
        assertTrue(contains(written.get(0), MARKER));
        assertArrayEquals(packetAtoB(), Arrays.copyOfRange(written.get(0), 14, written.get(0).length));
        assertEquals(List.of(ControlMessages.UP_SESSION_CONFIRMED), b.upTypes());
    }

    @Test
    void aReplayedDatagramIsDeliveredOnceAndReorderingInsideTheWindowIsNot()
    {
        final byte[] first = sendOne();
        final byte[] second = sendOne();
        b.udp.inject(EP_A, second);
        b.udp.inject(EP_A, first); // reordered: still delivered
        b.udp.inject(EP_A, second); // replayed
        b.udp.inject(EP_A, first);
        b.agent.doWork();
        assertEquals(2, b.tap.drainWritten().size());
        assertEquals(2, b.drops(DropReason.REPLAYED));
    }

    @Test
    void aBatchIsSealedWithDistinctCountersAndAReplayInsideOneReceivedBatchIsDeliveredOnce()
    {
        final int n = 12;
        for (int i = 0; i < n; i++)
        {
            a.tap.inject(Frames.ethernet(packetAtoB()));
        }
        a.agent.doWork();
        final List<byte[]> wire = take(b.udp);
        assertEquals(n, wire.size(), "one batch, one datagram each");
        final List<Long> seen = new ArrayList<>();
        for (final byte[] d : wire)
        {
            seen.add(WireHeader.counter(new UnsafeBuffer(d), 0));
        }
        assertEquals(n, seen.stream().distinct().count(), "no counter used twice: " + seen);
        final byte[] next = sendOne();
        assertTrue(WireHeader.counter(new UnsafeBuffer(next), 0) > seen.stream().mapToLong(Long::longValue).max().getAsLong(),
            "the next batch's counters come after");

        // one received batch: every datagram, a replay of three of them in between, and the next one
        for (int i = 0; i < n; i++)
        {
            b.udp.inject(EP_A, wire.get(i));
            if (i % 4 == 3)
            {
                b.udp.inject(EP_A, wire.get(i - 1));
            }
        }
        b.udp.inject(EP_A, next);
        b.agent.doWork();
        assertEquals(n + 1, b.tap.drainWritten().size());
        assertEquals(3, b.drops(DropReason.REPLAYED));
        assertEquals(WireHeader.counter(new UnsafeBuffer(next), 0), b.sessions.current().byIndex(b.localIndex).window().highest(),
            "the window moved to the highest counter received");
        b.udp.inject(EP_A, wire.get(0)); // a later batch replays one: refused
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
        assertEquals(4, b.drops(DropReason.REPLAYED));
    }

    @Test
    void forgedTamperedAndPlainDatagramsAreDroppedSilently()
    {
        final byte[] good = sendOne();
        final byte[] tampered = good.clone();
        tampered[30] ^= 1;
        final byte[] unknownSession = good.clone();
        unknownSession[7] ^= 1;
        // what an attacker without keys can send: a plain DATA datagram with the right link id
        final byte[] plain = new byte[WireHeader.DATA_LENGTH + 200];
        final UnsafeBuffer p = new UnsafeBuffer(plain);
        WireHeader.writeLinkHeader(p, 0, WireHeader.TYPE_DATA, 0x20);
        p.putBytes(WireHeader.DATA_LENGTH, packetAtoB());
        final byte[] control = new byte[WireHeader.CONTROL_LENGTH + 40];
        WireHeader.writeLinkHeader(new UnsafeBuffer(control), 0, WireHeader.TYPE_CONTROL, 0x20);
        for (final byte[] d : List.of(tampered, unknownSession, plain, control))
        {
            b.udp.inject(EP_STRANGER, d);
        }
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
        assertEquals(1, b.drops(DropReason.AUTH_FAILED));
        assertEquals(1, b.drops(DropReason.UNKNOWN_SESSION));
        assertEquals(2, b.drops(DropReason.UNAUTHENTICATED));
        assertEquals(List.of(), b.upTypes()); // nothing reached the conductor
        assertEquals(0, take(a.udp).size() + net.bind(EP_STRANGER).pending()); // and nobody got an answer
    }

    @Test
    void dataFromALinkPeerWithNoProvenAddressIsDroppedAndItsSourceLookedUp()
    {
        // B's FIB as a link to a pool member that declared an address no lookup confirmed yet
        final int[] links = new int[4];
        for (int i = 0; i < 4; i++)
        {
            links[i] = b.countersFile.manager().allocate("unproven " + i, CounterTypes.LINK);
        }
        b.agentFibs.publish(new Fib.Builder(IP_B, 24, QueueAgentTest.address(0x20))
            .link(QueueAgentTest.address(0x10), 0, EP_A, 0x20, 0x10, links).build(2));
        b.udp.inject(EP_A, sendOne());
        b.agent.doWork();
        assertEquals(0, b.tap.drainWritten().size());
        assertEquals(1, b.drops(DropReason.SPOOFED_SOURCE));
        assertTrue(b.upTypes().contains(ControlMessages.UP_RESOLVE));
    }

    @Test
    void aMemberFloodingTheConductorIsHeldToItsSessionsRate()
    {
        final DataPlaneProxy proxy = new DataPlaneProxy(a.agentFibs, a.up, new RingBuffer[] {a.down}, q -> { }, () -> { });
        final UnsafeBuffer control = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + 8]);
        WireHeader.writeLinkHeader(control, 0, WireHeader.TYPE_CONTROL, 0x20);
        int up = 0;
        for (int round = 0; round < 80; round++)
        {
            for (int i = 0; i < (round < 30 ? 100 : 0); i++)
            {
                proxy.send(0, EP_B, control, 0, control.capacity());
            }
            a.agent.doWork();
            for (int k = 0; k < 5; k++)
            {
                b.agent.doWork();
            }
            up += (int)b.upTypes().stream().filter(t -> t == ControlMessages.UP_CONTROL).count();
        }
        assertEquals(wow.dataplane.crypto.Keypair.CONTROL_BURST + 1, up);
        assertTrue(b.drops(DropReason.CONTROL_RATE) > 500);
        assertEquals(b.counters.udpRxDatagrams.get(), up + b.drops(DropReason.CONTROL_RATE), "each one handed up or counted");
        nowNs[0] += 100_000_000L; // a tenth of a second later: that much more
        proxy.send(0, EP_B, control, 0, control.capacity());
        a.agent.doWork();
        b.agent.doWork();
        assertEquals(List.of(ControlMessages.UP_CONTROL), b.upTypes());
    }

    @Test
    void handshakesGoUpRateLimitedPerSource()
    {
        final byte[] handshake = new byte[64];
        WireHeader.writeCommon(new UnsafeBuffer(handshake), 0, WireHeader.TYPE_HANDSHAKE, 1);
        for (int i = 0; i < 50; i++)
        {
            b.udp.inject(EP_STRANGER, handshake);
        }
        b.agent.doWork();
        assertEquals(List.of(ControlMessages.UP_HANDSHAKE), b.upTypes());
        assertEquals(49, b.drops(DropReason.HANDSHAKE_RATE));
        nowNs[0] += ConductorUplink.HANDSHAKES_PER_SOURCE_NS;
        b.udp.inject(EP_STRANGER, handshake);
        b.agent.doWork();
        assertEquals(List.of(ControlMessages.UP_HANDSHAKE), b.upTypes());
    }

    @Test
    void anAuthenticatedDatagramFromANewEndpointIsReportedAsAMove()
    {
        final byte[] datagram = sendOne();
        final long moved = UdpSocket.endpoint(Ipv4.parse("198.51.100.7"), 40000);
        b.udp.inject(moved, datagram);
        b.agent.doWork();
        final List<Integer> types = b.upTypes();
        assertTrue(types.contains(ControlMessages.UP_SESSION_MOVED), types.toString());
    }

    @Test
    void nothingIsSentToAnEndpointWithoutASessionButHandshakes()
    {
        final UnsafeBuffer control = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + 8]);
        WireHeader.writeLinkHeader(control, 0, WireHeader.TYPE_CONTROL, 5);
        final UnsafeBuffer handshake = new UnsafeBuffer(new byte[40]);
        WireHeader.writeCommon(handshake, 0, WireHeader.TYPE_HANDSHAKE, 0);
        final MemoryUdpNetwork.Port stranger = net.bind(EP_STRANGER);
        final DataPlaneProxy proxy = new DataPlaneProxy(a.agentFibs, a.up,
            new RingBuffer[] {a.down}, q -> { }, () -> { });
        proxy.send(0, EP_STRANGER, control, 0, control.capacity());
        proxy.send(0, EP_STRANGER, handshake, 0, handshake.capacity());
        proxy.send(0, EP_B, control, 0, control.capacity());
        a.agent.doWork();
        final List<byte[]> toStranger = take(stranger);
        assertEquals(1, toStranger.size());
        assertEquals(WireHeader.TYPE_HANDSHAKE, toStranger.get(0)[1]);
        assertEquals(1, a.drops(DropReason.NO_SESSION));
        final List<byte[]> toB = take(b.udp);
        assertEquals(1, toB.size());
        assertEquals(WireHeader.TYPE_SEALED, toB.get(0)[1]);
    }
}
