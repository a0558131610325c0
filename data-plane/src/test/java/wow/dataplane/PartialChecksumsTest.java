package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checksum offload across a link ({@link PartialChecksums}): what a node sends partial, to whom,
 * and what it hands its kernel when it receives a partial packet. Steps one {@link QueueAgent}
 * against in-memory ports, as {@link QueueAgentTest}.
 */
class PartialChecksumsTest extends QueueAgentFixture
{
    private final MemoryTapPort vnetTap = new MemoryTapPort(10);

    @BeforeEach
    void vnetAgent()
    {
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
    }

    /** A TCP packet as the kernel hands it over with offloads: its checksum field holds the pseudo-header sum. */
    static byte[] partial(final byte[] ipv4, final int field)
    {
        final byte[] copy = ipv4.clone();
        final UnsafeBuffer b = new UnsafeBuffer(copy);
        b.putShort(20 + field, (short)pseudoHeaderSum(copy), ByteOrder.BIG_ENDIAN);
        return copy;
    }

    /**
     * Checks the DATA datagrams a node sent to a peer that takes partial checksums: {@code count} of
     * them, each flagged partial, its IPv4 header checksum computed, and the transport checksum (at
     * {@code field} from the IPv4 header) holding the pseudo-header sum only.
     */
    static void assertSentPartial(final List<byte[]> sent, final int count, final int field)
    {
        assertEquals(count, sent.size());
        for (final byte[] d : sent)
        {
            assertEquals(WireHeader.FLAG_TAKES_PARTIAL | WireHeader.FLAG_CHECKSUM_PARTIAL, d[WireHeader.FLAGS_OFFSET]);
            final byte[] ip = Arrays.copyOfRange(d, WireHeader.DATA_LENGTH, d.length);
            assertEquals(pseudoHeaderSum(ip), ByteBuffer.wrap(ip).getShort(field) & 0xFFFF, "the pseudo-header sum only");
            assertEquals(0, Frames.checksum(ip, 0, 20), "the IPv4 header checksum is still computed");
        }
    }

    static int pseudoHeaderSum(final byte[] ipv4)
    {
        final UnsafeBuffer b = new UnsafeBuffer(ipv4);
        return Checksum.fold(Checksum.ipv4PseudoHeader(b, 0, ipv4[9] & 0xFF, ipv4.length - 20));
    }

    /** @return the UDP checksum a sender computes (pseudo-header, header with a zero field, payload). */
    static int udpChecksum(final byte[] ipv4)
    {
        final byte[] copy = ipv4.clone();
        copy[26] = 0;
        copy[27] = 0;
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + copy.length - 20);
        pseudo.put(copy, 12, 8).put((byte)0).put((byte)17).putShort((short)(copy.length - 20)).put(copy, 20, copy.length - 20);
        final int sum = Frames.checksum(pseudo.array(), 0, pseudo.capacity());
        return sum == 0 ? 0xFFFF : sum;
    }

    private byte[] superFrame(final int length, final int seq)
    {
        final byte[] payload = new byte[length];
        new Random(length).nextBytes(payload);
        return partial(Frames.tcp(LOCAL_IP, PEER_IP, 40000, 5201, seq, 0x10, payload, 0), 16);
    }

    /** The peer's DATA datagram saying (or not) that it takes partial checksums. */
    private void peerSends(final int flags)
    {
        final byte[] d = data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1));
        d[WireHeader.FLAGS_OFFSET] = (byte)flags;
        udp.inject(PEER_EP, d);
        agent.doWork();
        vnetTap.drainWritten();
    }

    @Test
    void segmentsGoPartialOnlyToAPeerThatSaidItTakesThemUntilTheFibChanges()
    {
        vnetTap.inject(vnet(1, 1, 1368, 34, 16), Frames.ethernet(superFrame(4000, 7)));
        agent.doWork();
        for (final byte[] d : received(peer))
        {
            assertEquals(WireHeader.FLAG_TAKES_PARTIAL, d[WireHeader.FLAGS_OFFSET], "offered, not used: the peer said nothing");
            final byte[] ip = Arrays.copyOfRange(d, WireHeader.DATA_LENGTH, d.length);
            assertEquals(Frames.tcpChecksum(ip), ByteBuffer.wrap(ip).getShort(36) & 0xFFFF, "a complete checksum");
        }

        peerSends(0); // an older peer: its DATA says nothing
        vnetTap.inject(vnet(1, 1, 1368, 34, 16), Frames.ethernet(superFrame(4000, 7)));
        agent.doWork();
        assertTrue(received(peer).stream().allMatch(d -> d[WireHeader.FLAGS_OFFSET] == WireHeader.FLAG_TAKES_PARTIAL));

        peerSends(WireHeader.FLAG_TAKES_PARTIAL);
        vnetTap.inject(vnet(1, 1, 1368, 34, 16), Frames.ethernet(superFrame(4000, 7)));
        agent.doWork();
        assertSentPartial(received(peer), 3, 20 + 16);

        fibs.publish(fib(2, PEER_LINK_ID)); // the link's index may now name another peer
        vnetTap.inject(vnet(1, 1, 1368, 34, 16), Frames.ethernet(superFrame(4000, 7)));
        agent.doWork();
        for (final byte[] d : received(peer))
        {
            assertEquals(WireHeader.FLAG_TAKES_PARTIAL, d[WireHeader.FLAGS_OFFSET]);
            final byte[] ip = Arrays.copyOfRange(d, WireHeader.DATA_LENGTH, d.length);
            assertEquals(Frames.tcpChecksum(ip), ByteBuffer.wrap(ip).getShort(36) & 0xFFFF);
        }
    }

    @Test
    void aSinglePartialPacketGoesPartialOnlyWhereTheReceiverWillLookForTheField()
    {
        peerSends(WireHeader.FLAG_TAKES_PARTIAL);
        final byte[] udpPacket = partial(Frames.ipv4(LOCAL_IP, PEER_IP, 300, 4), 6);
        vnetTap.inject(vnet(1, 0, 0, 34, 6), Frames.ethernet(udpPacket));
        vnetTap.inject(vnet(1, 0, 0, 34, 16), Frames.ethernet(udpPacket)); // a field elsewhere: completed here
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(2, sent.size());
        assertEquals(WireHeader.FLAG_TAKES_PARTIAL | WireHeader.FLAG_CHECKSUM_PARTIAL, sent.get(0)[WireHeader.FLAGS_OFFSET]);
        assertArrayEquals(udpPacket, Arrays.copyOfRange(sent.get(0), WireHeader.DATA_LENGTH, sent.get(0).length));
        assertEquals(WireHeader.FLAG_TAKES_PARTIAL, sent.get(1)[WireHeader.FLAGS_OFFSET]);
    }

    @Test
    void aNodeWithoutTheVirtioHeaderNeitherOffersNorTakes()
    {
        agent = new QueueAgent(0, tap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1)));
        agent.doWork();
        assertEquals(0, received(peer).get(0)[WireHeader.FLAGS_OFFSET]);

        // a peer that sends partial anyway: the checksum is completed here before the TAP gets it
        final byte[] segment = Frames.tcp(PEER_IP, LOCAL_IP, 5201, 40000, 1, 0x18, new byte[500], 0);
        final byte[] d = data(LOCAL_LINK_ID, partial(segment, 16));
        d[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_CHECKSUM_PARTIAL;
        udp.inject(PEER_EP, d);
        agent.doWork();
        final byte[] frame = tap.drainWritten().get(0);
        assertArrayEquals(segment, Arrays.copyOfRange(frame, 14, frame.length), "the complete checksum, as the sender's would be");
    }

    @Test
    void aPartialPacketReachesTheKernelAsPartialAndARunOfThemAsOneSuperFrame()
    {
        final byte[] lone = partial(Frames.tcp(PEER_IP, LOCAL_IP, 5201, 40000, 1, 0x18, new byte[500], 0), 16);
        final byte[] d = data(LOCAL_LINK_ID, lone);
        d[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_CHECKSUM_PARTIAL;
        udp.inject(PEER_EP, d);
        agent.doWork();
        final byte[] frame = vnetTap.drainWritten().get(0);
        final ByteBuffer header = ByteBuffer.wrap(frame, 0, 10).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, header.get(0), "NEEDS_CSUM");
        assertEquals(0, header.get(1), "no GSO");
        assertEquals(34, header.getShort(6), "checksum from the TCP header");
        assertEquals(16, header.getShort(8), "field at TCP's offset");
        assertArrayEquals(lone, Arrays.copyOfRange(frame, 24, frame.length));

        for (int i = 0; i < 3; i++)
        {
            final byte[] s = data(LOCAL_LINK_ID, partial(Frames.tcp(PEER_IP, LOCAL_IP, 5201, 40000, 1000L + i * 1000, 0x10,
                new byte[1000], 0), 16));
            s[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_CHECKSUM_PARTIAL;
            udp.inject(PEER_EP, s);
        }
        agent.doWork();
        final List<byte[]> merged = vnetTap.drainWritten();
        assertEquals(1, merged.size());
        assertEquals(1, merged.get(0)[0], "NEEDS_CSUM");
        assertEquals(1, merged.get(0)[1], "GSO TCPv4");
    }

    @Test
    void aPartialFlagOnAPacketWithoutAFieldForItIsADrop()
    {
        final byte[] icmp = Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1);
        icmp[9] = 1;
        Checksum.writeIpv4Header(new UnsafeBuffer(icmp), 0);
        final byte[] fragment = Frames.ipv4(PEER_IP, LOCAL_IP, 100, 2);
        fragment[6] = 0x20; // more fragments follow
        Checksum.writeIpv4Header(new UnsafeBuffer(fragment), 0);
        for (final byte[] packet : new byte[][] {icmp, fragment})
        {
            final byte[] d = data(LOCAL_LINK_ID, packet);
            d[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_CHECKSUM_PARTIAL;
            udp.inject(PEER_EP, d);
        }
        agent.doWork();
        assertEquals(0, vnetTap.drainWritten().size());
        assertEquals(2, counters.drops(DropReason.BAD_IPV4));
    }

    @Test
    void theUdpChecksumCompletedForAPlainTapIsTheSendersOwn()
    {
        final byte[] udpPacket = Frames.ipv4(PEER_IP, LOCAL_IP, 333, 9);
        final byte[] withChecksum = udpPacket.clone();
        ByteBuffer.wrap(withChecksum).putShort(26, (short)udpChecksum(udpPacket));
        agent = new QueueAgent(0, tap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        final byte[] d = data(LOCAL_LINK_ID, partial(udpPacket, 6));
        d[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_CHECKSUM_PARTIAL;
        udp.inject(PEER_EP, d);
        agent.doWork();
        final byte[] frame = tap.drainWritten().get(0);
        assertArrayEquals(withChecksum, Arrays.copyOfRange(frame, 14, frame.length));
    }
}
