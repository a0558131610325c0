package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import wow.dataplane.port.Frames;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.VirtioNetHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CoalescerTest
{
    static final int A = Ipv4.parse("10.2.0.1");
    static final int B = Ipv4.parse("10.2.0.2");
    static final int ACK = 0x10;
    static final int PSH = 0x08;

    final UnsafeBuffer memory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(1 << 20, 64));
    final OutList in = new OutList(64);
    final OutList out = new OutList(64);
    final Coalescer coalescer = new Coalescer(64, true);
    int used;

    static byte[] payload(final int length, final int seed)
    {
        final byte[] p = new byte[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)(i * 7 + seed);
        }
        return p;
    }

    /** Adds [plain vnet header][Ethernet][packet] to the input list. */
    void add(final byte[] ipv4)
    {
        final byte[] frame = Frames.ethernet(ipv4);
        memory.setMemory(used, VirtioNetHeader.LENGTH, (byte)0);
        memory.putBytes(used + VirtioNetHeader.LENGTH, frame);
        in.add(memory, used, VirtioNetHeader.LENGTH + frame.length, 0);
        used += 2048;
    }

    byte[] entry(final int i)
    {
        final byte[] bytes = new byte[out.length(i)];
        out.view(i).getBytes(0, bytes);
        return bytes;
    }

    /**
     * Checks the virtio-net header in front of a super-frame: checksum partial from the transport
     * header (after Ethernet and a 20-byte IPv4 header), the GSO type, header and segment sizes.
     */
    private static void assertGsoHeader(final ByteBuffer f, final int gsoType, final int headerLength, final int gsoSize,
        final int csumOffset)
    {
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, f.get(0));
        assertEquals(gsoType, f.get(1));
        f.order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(headerLength, f.getShort(2), "hdr_len");
        assertEquals(gsoSize, f.getShort(4), "gso_size");
        assertEquals(14 + 20, f.getShort(6), "csum_start");
        assertEquals(csumOffset, f.getShort(8), "csum_offset");
        f.order(ByteOrder.BIG_ENDIAN);
    }

    @Test
    void mergesAnInOrderRunIntoOneSuperFrameTheKernelCanFinish()
    {
        final List<byte[]> payloads = new ArrayList<>();
        long seq = 1000;
        for (int i = 0; i < 5; i++)
        {
            final byte[] p = payload(i < 4 ? 1368 : 500, i);
            payloads.add(p);
            add(Frames.tcp(A, B, 5001, 40000, seq, i == 4 ? ACK | PSH : ACK, p, 99));
            seq += p.length;
        }
        coalescer.coalesce(in, out);
        assertEquals(1, out.count());
        assertEquals(4, coalescer.merged());

        final ByteBuffer f = ByteBuffer.wrap(entry(0));
        assertGsoHeader(f, VirtioNetHeader.GSO_TCPV4, 14 + 20 + 32, 1368, 16);

        final byte[] packet = Arrays.copyOfRange(f.array(), VirtioNetHeader.LENGTH + 14, f.capacity());
        final int total = 20 + 32 + 4 * 1368 + 500;
        assertEquals(total, packet.length);
        assertEquals(total, ByteBuffer.wrap(packet).getShort(2) & 0xFFFF);
        assertEquals(0, Frames.checksum(packet, 0, 20), "IPv4 header checksum verifies");
        assertEquals(1000, ByteBuffer.wrap(packet).getInt(24), "sequence of the first segment");
        assertEquals(ACK | PSH, packet[33], "PSH of the last segment kept");

        // finish the partial checksum as the kernel does, then check it as a receiver would
        final byte[] tcp = Arrays.copyOfRange(packet, 20, packet.length);
        long sum = 0;
        for (int i = 0; i + 1 < tcp.length; i += 2)
        {
            sum += ((tcp[i] & 0xFF) << 8) | (tcp[i + 1] & 0xFF);
        }
        if ((tcp.length & 1) == 1)
        {
            sum += (tcp[tcp.length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        final int finished = (int)(~sum & 0xFFFF);
        assertEquals(Frames.tcpChecksum(packet), finished, "the kernel's completion of the partial checksum is the true one");

        int at = 20 + 32;
        for (final byte[] p : payloads)
        {
            assertArrayEquals(p, Arrays.copyOfRange(packet, at, at + p.length));
            at += p.length;
        }
    }

    @Test
    void passesOnWhatMustNotMerge()
    {
        final byte[] p = payload(1000, 1);
        add(Frames.tcp(A, B, 1, 2, 0, ACK, p, 0));
        add(Frames.tcp(A, B, 1, 2, 1000, ACK | PSH, p, 0));   // merges with the first; PSH closes the run
        add(Frames.tcp(A, B, 1, 2, 2000, ACK, p, 0));         // new run after PSH
        add(Frames.tcp(A, B, 1, 2, 5000, ACK, p, 0));         // sequence gap
        add(Frames.tcp(A, B, 1, 3, 6000, ACK, p, 0));         // other flow
        add(Frames.tcp(A, B, 1, 3, 7000, ACK | 0x01, p, 0));  // FIN
        add(Frames.tcp(A, B, 1, 3, 8000, ACK, p, 5));         // options differ from the next
        add(Frames.tcp(A, B, 1, 3, 9000, ACK, p, 6));
        add(Frames.ipv4(A, B, 200, 1));                       // not TCP
        add(Frames.tcp(A, B, 1, 3, 10000, ACK, new byte[0], 0)); // pure ACK
        coalescer.coalesce(in, out);
        assertEquals(9, out.count());
        assertEquals(1, coalescer.merged());
        for (int i = 1; i < out.count(); i++)
        {
            assertEquals(in.address(i + 1), out.address(i), "unmerged entries are passed on in place, in order");
        }
    }

    static byte[] changed(final byte[] packet, final int offset, final int value)
    {
        final byte[] copy = packet.clone();
        copy[offset] = (byte)value;
        return copy;
    }

    /** A first segment, and what a second one that follows it in sequence looks like. */
    static Stream<Arguments> pairs()
    {
        final byte[] p = payload(1000, 1);
        final byte[] first = Frames.tcp(A, B, 1, 2, 0, ACK, p, 7);
        final UnaryOperator<byte[]> same = x -> x;
        return Stream.of(
            Arguments.of("the next segment of the flow", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7), same, true),
            Arguments.of("a shorter last segment, with PSH", first, Frames.tcp(A, B, 1, 2, 1000, ACK | PSH, payload(10, 2), 7),
                same, true),
            Arguments.of("after a PSH", Frames.tcp(A, B, 1, 2, 0, ACK | PSH, p, 7), Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                same, false),
            Arguments.of("a sequence gap", first, Frames.tcp(A, B, 1, 2, 1001, ACK, p, 7), same, false),
            Arguments.of("another port", first, Frames.tcp(A, B, 1, 3, 1000, ACK, p, 7), same, false),
            Arguments.of("another source", first, Frames.tcp(B, A, 1, 2, 1000, ACK, p, 7), same, false),
            Arguments.of("a FIN", first, Frames.tcp(A, B, 1, 2, 1000, ACK | 0x01, p, 7), same, false),
            Arguments.of("other option bytes", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 8), same, false),
            Arguments.of("no options", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 0), same, false),
            Arguments.of("a longer segment", first, Frames.tcp(A, B, 1, 2, 1000, ACK, payload(1001, 2), 7), same, false),
            Arguments.of("a pure ACK", first, Frames.tcp(A, B, 1, 2, 1000, ACK, new byte[0], 7), same, false),
            Arguments.of("not TCP", first, Frames.ipv4(A, B, 200, 1), same, false),
            Arguments.of("another TTL", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                (UnaryOperator<byte[]>)x -> changed(x, 8, 63), false),
            Arguments.of("another TOS", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                (UnaryOperator<byte[]>)x -> changed(x, 1, 0x10), false),
            Arguments.of("another ack number", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                (UnaryOperator<byte[]>)x -> changed(x, 31, 1), false),
            Arguments.of("another window", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                (UnaryOperator<byte[]>)x -> changed(x, 35, 9), false),
            Arguments.of("a fragment", first, Frames.tcp(A, B, 1, 2, 1000, ACK, p, 7),
                (UnaryOperator<byte[]>)x -> changed(x, 6, 0x20), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void mergesExactlyTheNextSegmentOfTheSameFlow(final String what, final byte[] first, final byte[] second,
        final UnaryOperator<byte[]> change, final boolean merges)
    {
        add(first);
        add(change.apply(second));
        coalescer.coalesce(in, out);
        assertEquals(merges ? 1 : 2, out.count(), what);
        assertEquals(merges ? 1 : 0, coalescer.merged(), what);
    }

    @Test
    void aShorterSegmentEndsTheRun()
    {
        add(Frames.tcp(A, B, 1, 2, 0, ACK, payload(1000, 1), 0));
        add(Frames.tcp(A, B, 1, 2, 1000, ACK, payload(400, 2), 0));
        add(Frames.tcp(A, B, 1, 2, 1400, ACK, payload(1000, 3), 0));
        add(Frames.tcp(A, B, 1, 2, 2400, ACK, payload(1000, 4), 0));
        coalescer.coalesce(in, out);
        assertEquals(2, out.count());
        assertEquals(VirtioNetHeader.GSO_TCPV4, entry(0)[1]);
        assertEquals(VirtioNetHeader.GSO_TCPV4, entry(1)[1]);
        assertEquals(10 + 14 + 20 + 20 + 1400, out.length(0));
    }

    /** A UDP datagram of the one flow the UDP tests use, with {@code length} payload bytes. */
    static byte[] datagram(final int length, final int sequence)
    {
        final byte[] d = Frames.ipv4(A, B, 28 + length, sequence);
        for (int i = 32; i < d.length; i++)
        {
            d[i] = (byte)(i * 13 + sequence); // the payload after the sequence number differs per datagram
        }
        return d;
    }

    @Test
    void mergesARunOfDatagramsIntoOneUdpSuperFrameTheKernelCutsBack()
    {
        final List<byte[]> datagrams = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            datagrams.add(datagram(i < 4 ? 1200 : 333, i));
            add(datagrams.get(i));
        }
        coalescer.coalesce(in, out);
        assertEquals(1, out.count());
        assertEquals(4, coalescer.merged());

        final ByteBuffer f = ByteBuffer.wrap(entry(0));
        assertGsoHeader(f, VirtioNetHeader.GSO_UDP_L4, 14 + 20 + 8, 1200, 6); // gso_size: the first datagram's payload
        final byte[] packet = Arrays.copyOfRange(f.array(), VirtioNetHeader.LENGTH + 14, f.capacity());
        final ByteBuffer p = ByteBuffer.wrap(packet);
        final int udpLength = 8 + 4 * 1200 + 333;
        assertEquals(20 + udpLength, p.getShort(2) & 0xFFFF);
        assertEquals(0, p.getShort(4) & 0xFFFF, "the first datagram's IPv4 id");
        assertEquals(0, Frames.checksum(packet, 0, 20), "IPv4 header checksum verifies");
        assertEquals(udpLength, p.getShort(24) & 0xFFFF, "the UDP length covers the whole payload");
        final UnsafeBuffer u = new UnsafeBuffer(packet);
        assertEquals(wow.dataplane.protocol.Checksum.fold(wow.dataplane.protocol.Checksum.ipv4PseudoHeader(u, 0, 17, udpLength)),
            p.getShort(26) & 0xFFFF, "the pseudo-header sum over that length, which the kernel adjusts per datagram");

        // cut as the kernel does: every gso_size bytes of payload behind the same headers
        int at = 28;
        for (final byte[] d : datagrams)
        {
            final int length = d.length - 28;
            assertArrayEquals(Arrays.copyOfRange(d, 28, d.length), Arrays.copyOfRange(packet, at, at + length));
            assertArrayEquals(Arrays.copyOfRange(d, 12, 24), Arrays.copyOfRange(packet, 12, 24), "addresses and ports");
            at += length;
        }
        assertEquals(packet.length, at);
    }

    @Test
    void datagramsMergeOnlyInOneFlowOfEqualSizesAndOnlyWhereTheTapTakesThem()
    {
        add(datagram(1000, 1));
        add(datagram(1000, 2));                 // merges with the first
        add(datagram(1001, 3));                 // longer: a new run
        add(changed(datagram(1001, 4), 21, 9)); // another source port
        add(changed(datagram(1001, 5), 8, 3));  // another TTL
        add(changed(datagram(1001, 6), 6, 0x20)); // a fragment
        add(datagram(1001, 7));
        add(changed(datagram(1001, 8), 25, 9)); // a UDP length that is not the packet's
        add(datagram(0, 9));                    // no payload
        add(datagram(0, 10));
        add(Frames.tcp(A, B, 1, 2, 0, ACK, payload(1000, 1), 0));
        add(Frames.tcp(A, B, 1, 2, 1000, ACK, payload(1000, 2), 0)); // TCP runs still merge
        coalescer.coalesce(in, out);
        assertEquals(10, out.count());
        assertEquals(2, coalescer.merged());
        assertEquals(VirtioNetHeader.GSO_UDP_L4, entry(0)[1]);
        assertEquals(VirtioNetHeader.GSO_TCPV4, entry(9)[1]);

        final Coalescer tcpOnly = new Coalescer(64, false);
        in.reset();
        used = 0;
        add(datagram(1000, 1));
        add(datagram(1000, 2));
        tcpOnly.coalesce(in, out);
        assertEquals(2, out.count(), "a TAP that does not take UDP super-frames gets every datagram alone");
    }

    @Test
    void aShorterDatagramEndsTheRun()
    {
        add(datagram(1000, 1));
        add(datagram(400, 2));
        add(datagram(1000, 3));
        add(datagram(1000, 4));
        coalescer.coalesce(in, out);
        assertEquals(2, out.count());
        assertEquals(10 + 14 + 28 + 1400, out.length(0));
        assertEquals(10 + 14 + 28 + 2000, out.length(1));
    }

    @Test
    void randomInputNeverThrows()
    {
        final java.util.Random random = new java.util.Random(11);
        for (int round = 0; round < 2000; round++)
        {
            in.reset();
            used = 0;
            for (int i = 0; i < 1 + random.nextInt(20); i++)
            {
                final byte[] p = random.nextBoolean() ? Frames.tcp(A, B, 1, 2, random.nextInt(3) * 100L, ACK, payload(100, i), 0) :
                    datagram(random.nextInt(3) * 50, i);
                if (random.nextBoolean())
                {
                    p[random.nextInt(p.length)] = (byte)random.nextInt();
                }
                add(Arrays.copyOf(p, random.nextInt(p.length + 1)));
            }
            coalescer.coalesce(in, out);
        }
    }
}
