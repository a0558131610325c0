package wow.dataplane;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.DropReason;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * UDP segmentation offload in egress ({@link Segmenter}): a UDP super-frame the kernel hands over
 * for an application that sends with {@code UDP_SEGMENT} leaves as the datagrams it stands for.
 */
class UdpSegmentationTest extends QueueAgentFixture
{
    private final MemoryTapPort vnetTap = new MemoryTapPort(10);

    @BeforeEach
    void vnetAgent()
    {
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
    }

    /** A UDP super-frame as the kernel hands it over: one UDP header for the whole payload, its checksum partial. */
    static byte[] superFrame(final int payload, final int id)
    {
        final byte[] packet = Frames.ipv4(LOCAL_IP, PEER_IP, 28 + payload, id);
        for (int i = 32; i < packet.length; i++)
        {
            packet[i] = (byte)(i * 7);
        }
        return PartialChecksumsTest.partial(packet, 6);
    }

    private List<byte[]> sentPackets()
    {
        return received(peer).stream().map(d -> Arrays.copyOfRange(d, WireHeader.DATA_LENGTH, d.length)).toList();
    }

    @Test
    void aUdpSuperFrameLeavesAsItsDatagramsWithTheirOwnLengthsIdsAndChecksums()
    {
        final byte[] packet = superFrame(3500, 40);
        vnetTap.inject(vnet(1, 5, 1000, 34, 6), Frames.ethernet(packet));
        agent.doWork();
        final List<byte[]> sent = sentPackets();
        assertEquals(4, sent.size());
        int at = 28;
        for (int i = 0; i < 4; i++)
        {
            final byte[] d = sent.get(i);
            final ByteBuffer b = ByteBuffer.wrap(d);
            final int chunk = i < 3 ? 1000 : 500;
            assertEquals(28 + chunk, b.getShort(2) & 0xFFFF, "IPv4 total length");
            assertEquals(40 + i, b.getShort(4) & 0xFFFF, "IPv4 id counts up");
            assertEquals(0, Frames.checksum(d, 0, 20), "IPv4 header checksum");
            assertEquals(8 + chunk, b.getShort(24) & 0xFFFF, "UDP length");
            assertEquals(PartialChecksumsTest.udpChecksum(d), b.getShort(26) & 0xFFFF, "a complete UDP checksum");
            assertArrayEquals(Arrays.copyOfRange(packet, 20, 24), Arrays.copyOfRange(d, 20, 24), "ports");
            assertArrayEquals(Arrays.copyOfRange(packet, at, at + chunk), Arrays.copyOfRange(d, 28, d.length));
            at += chunk;
        }
        assertEquals(4, linkCounter(CounterTypes.LINK_TX_PACKETS));
    }

    @Test
    void toAPeerThatTakesPartialChecksumsTheDatagramsKeepThePseudoHeaderSum()
    {
        final byte[] d = data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1));
        d[WireHeader.FLAGS_OFFSET] = (byte)WireHeader.FLAG_TAKES_PARTIAL;
        udp.inject(PEER_EP, d);
        agent.doWork();
        vnetTap.drainWritten();

        vnetTap.inject(vnet(1, 5, 1200, 34, 6), Frames.ethernet(superFrame(2400, 3)));
        agent.doWork();
        PartialChecksumsTest.assertSentPartial(received(peer), 2, 20 + 6);
    }

    @Test
    void refusesUdpSuperFramesItCannotCut()
    {
        final byte[] tcp = Frames.tcp(LOCAL_IP, PEER_IP, 1, 2, 0, 0x10, new byte[3000], 0);
        final byte[] fragment = superFrame(3000, 1);
        fragment[6] = 0x20;
        final byte[] options = superFrame(3000, 2);
        options[0] = 0x46;
        vnetTap.inject(vnet(1, 5, 1000, 34, 16), Frames.ethernet(tcp));         // USO over TCP
        vnetTap.inject(vnet(1, 5, 1000, 34, 6), Frames.ethernet(fragment));     // a fragment
        vnetTap.inject(vnet(1, 5, 1000, 34, 6), Frames.ethernet(options));      // IPv4 options
        vnetTap.inject(vnet(1, 5, 1393, 34, 6), Frames.ethernet(superFrame(3000, 3))); // datagrams above the MTU
        vnetTap.inject(vnet(1, 5, 0, 34, 6), Frames.ethernet(superFrame(3000, 4)));    // no size
        agent.doWork();
        assertEquals(0, received(peer).size());
        assertEquals(5, counters.drops(DropReason.TAP_OFFLOAD_UNEXPECTED));
    }
}
