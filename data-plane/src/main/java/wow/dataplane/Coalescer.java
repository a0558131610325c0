package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.Tcp;
import wow.dataplane.protocol.VirtioNetHeader;

import java.nio.ByteOrder;

/**
 * Receive-side coalescing (GRO in user space): consecutive in-order TCP/IPv4 segments of one flow
 * in a batch bound for the TAP are merged into one super-frame, handed to the kernel with a
 * virtio-net GSO header and a partial checksum, so its TCP stack handles one large packet instead
 * of dozens; where the kernel takes UDP super-frames (USO, Linux 6.2 and later), consecutive
 * UDP/IPv4 datagrams of one flow likewise, which the kernel cuts back into the same datagrams —
 * one TAP write for a run instead of one per datagram. Everything else passes through untouched.
 * Used by one queue agent; allocates only its buffer, once.
 *
 * <p>Entries are {@code [virtio_net_hdr][Ethernet][IPv4][TCP][payload]}. Segments merge when:
 * IPv4 without options or fragmentation, same addresses, TOS, TTL and DF; TCP with only ACK (PSH
 * allowed on the last), same ports, ack, window, header length and option bytes, sequence
 * continuing the previous one, and every payload the size of the first except a shorter last.
 * The IPv4 checksum of a super-frame is recomputed; the TCP checksum is left to the kernel
 * (pseudo-header sum in place, {@code NEEDS_CSUM}), as for a frame from a virtio NIC.
 *
 * <p>UDP datagrams merge when: IPv4 without options or fragmentation, same addresses, TOS, TTL and
 * DF, same ports, and every payload the size of the first (at least one byte) except a shorter
 * last. The super-frame keeps the first datagram's IPv4 id (the kernel numbers the datagrams it
 * cuts from there), its UDP length covers the whole payload and its checksum is left partial: the
 * kernel gives each datagram its own length and checksum.
 */
public final class Coalescer
{
    private static final int MAX_SUPER_FRAME = 65_535 - 64;
    private static final int MAX_SEGMENTS = 64;
    private static final int IP = VirtioNetHeader.LENGTH + Ethernet.HEADER_LENGTH;
    /** The TCP header: coalesced segments have an IPv4 header without options. */
    private static final int TCP = IP + Ipv4.MIN_HEADER_LENGTH;
    /** The UDP header, likewise. */
    private static final int UDP = TCP;
    private static final int UDP_HEADER_LENGTH = 8;

    private final boolean udp;
    private final UnsafeBuffer out;
    private final UnsafeBuffer a = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer b = new UnsafeBuffer(0, 0);
    private int used;
    private long merged;

    /**
     * @param batch largest number of entries in one list (bounds the buffer).
     * @param udp   whether UDP runs are merged too (the TAP takes UDP super-frames).
     */
    public Coalescer(final int batch, final boolean udp)
    {
        this.udp = udp;
        out = new UnsafeBuffer(BufferUtil.allocateDirectAligned(batch * 2048 + 4096, 64));
    }

    /** @return segments merged into another so far. */
    public long merged()
    {
        return merged;
    }

    /**
     * Rewrites {@code in} into {@code result}: runs of mergeable segments become one super-frame
     * in this coalescer's buffer, everything else is passed on as is, order kept.
     */
    public void coalesce(final OutList in, final OutList result)
    {
        result.reset();
        used = 0;
        int i = 0;
        final int n = in.count();
        while (i < n)
        {
            int end = i + 1;
            final int payload = segmentPayload(in, i);
            if (payload > 0)
            {
                a.wrap(in.address(i), in.length(i));
                long nextSeq = seq(a) + payload;
                int total = in.length(i);
                boolean open = (flags(a) & Tcp.PSH) == 0;
                while (open && end < n && end - i < MAX_SEGMENTS)
                {
                    final int p = segmentPayload(in, end);
                    if (p <= 0 || p > payload)
                    {
                        break;
                    }
                    b.wrap(in.address(end), in.length(end));
                    if (!sameFlow(a, b) || seq(b) != nextSeq || total + p > MAX_SUPER_FRAME)
                    {
                        break;
                    }
                    total += p;
                    nextSeq += p;
                    end++;
                    open = p == payload && (flags(b) & Tcp.PSH) == 0;
                }
            }
            final int datagram = payload > 0 ? 0 : datagramPayload(in, i);
            if (datagram > 0)
            {
                end = udpRunEnd(in, i, datagram);
            }
            if (end - i >= 2 && payload > 0)
            {
                merge(in, i, end, payload, result);
            }
            else if (end - i >= 2)
            {
                mergeDatagrams(in, i, end, datagram, result);
            }
            else
            {
                result.add(view(in, i), 0, in.length(i), 0);
            }
            i = end;
        }
    }

    private UnsafeBuffer view(final OutList list, final int i)
    {
        a.wrap(list.address(i), list.length(i));
        return a;
    }

    /** @return the TCP payload length of a mergeable segment, or 0 if it cannot take part. */
    private int segmentPayload(final OutList list, final int i)
    {
        final int length = list.length(i);
        if (length < TCP + Tcp.MIN_HEADER_LENGTH)
        {
            return 0;
        }
        b.wrap(list.address(i), length);
        if (b.getShort(VirtioNetHeader.LENGTH + Ethernet.ETHERTYPE_OFFSET, ByteOrder.BIG_ENDIAN) != Ethernet.ETHERTYPE_IPV4 ||
            b.getByte(IP) != 0x45 || b.getByte(IP + Ipv4.PROTOCOL_OFFSET) != Tcp.PROTOCOL ||
            (b.getShort(IP + Ipv4.FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0x3FFF) != 0)
        {
            return 0;
        }
        final int ipTotal = b.getShort(IP + Ipv4.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int tcpHeader = Tcp.headerLength(b, TCP);
        final int tcpFlags = b.getByte(TCP + Tcp.FLAGS_OFFSET) & 0xFF;
        if (ipTotal != length - IP || tcpHeader < 20 || 20 + tcpHeader >= ipTotal ||
            (tcpFlags & ~(Tcp.ACK | Tcp.PSH)) != 0 || (tcpFlags & Tcp.ACK) == 0)
        {
            return 0;
        }
        return ipTotal - 20 - tcpHeader;
    }

    private static long seq(final UnsafeBuffer frame)
    {
        return frame.getInt(TCP + Tcp.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    private static int flags(final UnsafeBuffer frame)
    {
        return frame.getByte(TCP + Tcp.FLAGS_OFFSET) & 0xFF;
    }

    private static boolean sameFlow(final UnsafeBuffer x, final UnsafeBuffer y)
    {
        final int tcpHeader = Tcp.headerLength(x, TCP);
        if (x.getByte(TCP + Tcp.DATA_OFFSET_OFFSET) != y.getByte(TCP + Tcp.DATA_OFFSET_OFFSET) || // TCP header length
            x.getByte(IP + Ipv4.TOS_OFFSET) != y.getByte(IP + Ipv4.TOS_OFFSET) ||                         // TOS
            x.getByte(IP + Ipv4.TTL_OFFSET) != y.getByte(IP + Ipv4.TTL_OFFSET) ||                         // TTL
            (x.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) != (y.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) || // DF
            x.getLong(IP + Ipv4.SOURCE_OFFSET) != y.getLong(IP + Ipv4.SOURCE_OFFSET) ||                       // addresses
            x.getInt(TCP + Tcp.PORTS_OFFSET) != y.getInt(TCP + Tcp.PORTS_OFFSET) ||                         // ports
            x.getInt(TCP + Tcp.ACK_OFFSET) != y.getInt(TCP + Tcp.ACK_OFFSET) ||                         // ack
            x.getShort(TCP + Tcp.WINDOW_OFFSET) != y.getShort(TCP + Tcp.WINDOW_OFFSET))                       // window
        {
            return false;
        }
        for (int k = Tcp.MIN_HEADER_LENGTH; k < tcpHeader; k++)
        {
            if (x.getByte(TCP + k) != y.getByte(TCP + k))
            {
                return false;
            }
        }
        return true;
    }

    private void merge(final OutList in, final int from, final int to, final int gsoSize, final OutList result)
    {
        a.wrap(in.address(from), in.length(from));
        final int tcpHeader = Tcp.headerLength(a, TCP);
        final int headers = TCP + tcpHeader;
        final int start = used;
        out.putBytes(start, a, 0, headers);
        int at = start + headers;
        int lastFlags = 0;
        for (int i = from; i < to; i++)
        {
            b.wrap(in.address(i), in.length(i));
            final int payload = in.length(i) - headers;
            out.putBytes(at, b, headers, payload);
            at += payload;
            lastFlags = b.getByte(TCP + Tcp.FLAGS_OFFSET);
        }
        final int frameLength = at - start;
        final int ipTotal = frameLength - IP;
        out.putByte(start + TCP + Tcp.FLAGS_OFFSET, (byte)lastFlags);
        out.putShort(start + IP + Ipv4.TOTAL_LENGTH_OFFSET, (short)ipTotal, ByteOrder.BIG_ENDIAN);
        Checksum.writeIpv4Header(out, start + IP);
        out.putShort(start + TCP + Tcp.CHECKSUM_OFFSET, (short)pseudoHeaderSum(out, start + IP, Tcp.PROTOCOL,
            ipTotal - Ipv4.MIN_HEADER_LENGTH), ByteOrder.BIG_ENDIAN);
        VirtioNetHeader.writePartial(out, start, VirtioNetHeader.GSO_TCPV4, Ethernet.HEADER_LENGTH + 20 + tcpHeader, gsoSize,
            Ethernet.HEADER_LENGTH + 20, Tcp.CHECKSUM_OFFSET);
        result.add(out, start, frameLength, 0);
        used = (at + 63) & ~63;
        merged += to - from - 1;
    }

    /** @return the payload length of a UDP datagram that can take part in a run, or 0 if it cannot. */
    private int datagramPayload(final OutList list, final int i)
    {
        final int length = list.length(i);
        if (!udp || length <= UDP + UDP_HEADER_LENGTH)
        {
            return 0;
        }
        b.wrap(list.address(i), length);
        if (b.getShort(VirtioNetHeader.LENGTH + Ethernet.ETHERTYPE_OFFSET, ByteOrder.BIG_ENDIAN) != Ethernet.ETHERTYPE_IPV4 ||
            b.getByte(IP) != 0x45 || (b.getByte(IP + Ipv4.PROTOCOL_OFFSET) & 0xFF) != Ipv4.PROTOCOL_UDP ||
            (b.getShort(IP + Ipv4.FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0x3FFF) != 0)
        {
            return 0;
        }
        final int ipTotal = b.getShort(IP + Ipv4.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int udpLength = b.getShort(UDP + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (ipTotal != length - IP || udpLength != ipTotal - Ipv4.MIN_HEADER_LENGTH)
        {
            return 0;
        }
        return udpLength - UDP_HEADER_LENGTH;
    }

    /** @return the end of the run of one flow's datagrams starting at {@code from}, whose payloads are {@code size}. */
    private int udpRunEnd(final OutList in, final int from, final int size)
    {
        a.wrap(in.address(from), in.length(from));
        int total = in.length(from);
        int end = from + 1;
        while (end < in.count() && end - from < MAX_SEGMENTS)
        {
            final int p = datagramPayload(in, end);
            if (p <= 0 || p > size)
            {
                break;
            }
            b.wrap(in.address(end), in.length(end));
            if (!sameDatagramFlow(a, b) || total + p > MAX_SUPER_FRAME)
            {
                break;
            }
            total += p;
            end++;
            if (p < size)
            {
                break; // a shorter datagram ends the run
            }
        }
        return end;
    }

    private static boolean sameDatagramFlow(final UnsafeBuffer x, final UnsafeBuffer y)
    {
        return x.getByte(IP + Ipv4.TOS_OFFSET) == y.getByte(IP + Ipv4.TOS_OFFSET) &&
            x.getByte(IP + Ipv4.TTL_OFFSET) == y.getByte(IP + Ipv4.TTL_OFFSET) &&
            (x.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) == (y.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) &&
            x.getLong(IP + Ipv4.SOURCE_OFFSET) == y.getLong(IP + Ipv4.SOURCE_OFFSET) &&
            x.getInt(UDP) == y.getInt(UDP);
    }

    private void mergeDatagrams(final OutList in, final int from, final int to, final int gsoSize, final OutList result)
    {
        final int headers = UDP + UDP_HEADER_LENGTH;
        a.wrap(in.address(from), in.length(from));
        final int start = used;
        out.putBytes(start, a, 0, headers);
        int at = start + headers;
        for (int i = from; i < to; i++)
        {
            b.wrap(in.address(i), in.length(i));
            final int payload = in.length(i) - headers;
            out.putBytes(at, b, headers, payload);
            at += payload;
        }
        final int ipTotal = at - start - IP;
        final int udpLength = ipTotal - Ipv4.MIN_HEADER_LENGTH;
        out.putShort(start + IP + Ipv4.TOTAL_LENGTH_OFFSET, (short)ipTotal, ByteOrder.BIG_ENDIAN);
        Checksum.writeIpv4Header(out, start + IP);
        out.putShort(start + UDP + 4, (short)udpLength, ByteOrder.BIG_ENDIAN);
        out.putShort(start + UDP + 6, (short)pseudoHeaderSum(out, start + IP, Ipv4.PROTOCOL_UDP, udpLength),
            ByteOrder.BIG_ENDIAN);
        VirtioNetHeader.writePartial(out, start, VirtioNetHeader.GSO_UDP_L4,
            Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + UDP_HEADER_LENGTH, gsoSize,
            Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH, 6);
        result.add(out, start, at - start, 0);
        used = (at + 63) & ~63;
        merged += to - from - 1;
    }

    /** @return the folded, not inverted, pseudo-header sum: what a partial checksum field holds. */
    private static int pseudoHeaderSum(final UnsafeBuffer buffer, final int ip, final int protocol, final int transportLength)
    {
        return Checksum.fold(Checksum.ipv4PseudoHeader(buffer, ip, protocol, transportLength));
    }
}
