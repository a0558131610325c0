package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.Tcp;
import wow.dataplane.protocol.Udp;
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
            final int segment = segmentPayload(in, i);
            final int datagram = segment > 0 ? 0 : datagramPayload(in, i);
            final int end = segment > 0 ? tcpRunEnd(in, i, segment) : datagram > 0 ? udpRunEnd(in, i, datagram) : i + 1;
            if (end - i >= 2)
            {
                merge(in, i, end, segment > 0, segment > 0 ? segment : datagram, result);
            }
            else
            {
                result.add(view(in, i), 0, in.length(i), 0);
            }
            i = end;
        }
    }

    /** @return the end of the in-order run of one flow's segments starting at {@code from}, whose payloads are {@code size}. */
    private int tcpRunEnd(final OutList in, final int from, final int size)
    {
        a.wrap(in.address(from), in.length(from));
        long nextSeq = seq(a) + size;
        int total = in.length(from);
        boolean open = (flags(a) & Tcp.PSH) == 0;
        int end = from + 1;
        while (open && end < in.count() && end - from < MAX_SEGMENTS)
        {
            final int p = segmentPayload(in, end);
            if (p <= 0 || p > size)
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
            open = p == size && (flags(b) & Tcp.PSH) == 0; // PSH or a shorter segment ends the run
        }
        return end;
    }

    private UnsafeBuffer view(final OutList list, final int i)
    {
        a.wrap(list.address(i), list.length(i));
        return a;
    }

    /** @return the TCP payload length of a mergeable segment, or 0 if it cannot take part. */
    private int segmentPayload(final OutList list, final int i)
    {
        if (list.length(i) < TCP + Tcp.MIN_HEADER_LENGTH)
        {
            return 0;
        }
        final int ipTotal = ipv4Total(list, i, Tcp.PROTOCOL);
        if (ipTotal < 0)
        {
            return 0;
        }
        final int tcpHeader = Tcp.headerLength(b, TCP);
        final int tcpFlags = b.getByte(TCP + Tcp.FLAGS_OFFSET) & 0xFF;
        if (tcpHeader < Tcp.MIN_HEADER_LENGTH || Ipv4.MIN_HEADER_LENGTH + tcpHeader >= ipTotal ||
            (tcpFlags & ~(Tcp.ACK | Tcp.PSH)) != 0 || (tcpFlags & Tcp.ACK) == 0)
        {
            return 0;
        }
        return ipTotal - Ipv4.MIN_HEADER_LENGTH - tcpHeader;
    }

    /**
     * Wraps entry i in {@code b}. @return its IPv4 total length if it is an IPv4 packet of
     * {@code protocol} without options, not a fragment, that fills the entry; else -1.
     */
    private int ipv4Total(final OutList list, final int i, final int protocol)
    {
        final int length = list.length(i);
        b.wrap(list.address(i), length);
        if (b.getShort(VirtioNetHeader.LENGTH + Ethernet.ETHERTYPE_OFFSET, ByteOrder.BIG_ENDIAN) != Ethernet.ETHERTYPE_IPV4 ||
            b.getByte(IP) != 0x45 || (b.getByte(IP + Ipv4.PROTOCOL_OFFSET) & 0xFF) != protocol || Ipv4.isFragment(b, IP))
        {
            return -1;
        }
        final int ipTotal = b.getShort(IP + Ipv4.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return ipTotal == length - IP ? ipTotal : -1;
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
        if (!samePath(x, y) ||
            x.getByte(TCP + Tcp.DATA_OFFSET_OFFSET) != y.getByte(TCP + Tcp.DATA_OFFSET_OFFSET) || // TCP header length
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

    /**
     * Writes the run {@code [from, to)} as one super-frame: the first entry's headers, every entry's
     * payload, the IPv4 length and checksum, the UDP length, the last segment's TCP flags, the
     * transport checksum partial and a GSO header that cuts it back into payloads of {@code gsoSize}.
     */
    private void merge(final OutList in, final int from, final int to, final boolean tcp, final int gsoSize,
        final OutList result)
    {
        a.wrap(in.address(from), in.length(from));
        final int transportHeader = tcp ? Tcp.headerLength(a, TCP) : Udp.HEADER_LENGTH;
        final int headers = TCP + transportHeader;
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
        final int transportLength = at - start - TCP;
        out.putShort(start + IP + Ipv4.TOTAL_LENGTH_OFFSET, (short)(Ipv4.MIN_HEADER_LENGTH + transportLength),
            ByteOrder.BIG_ENDIAN);
        Checksum.writeIpv4Header(out, start + IP);
        final int field;
        if (tcp)
        {
            out.putByte(start + TCP + Tcp.FLAGS_OFFSET, b.getByte(TCP + Tcp.FLAGS_OFFSET)); // the last segment's (b: the last)
            field = Tcp.CHECKSUM_OFFSET;
        }
        else
        {
            out.putShort(start + UDP + Udp.LENGTH_OFFSET, (short)transportLength, ByteOrder.BIG_ENDIAN);
            field = Udp.CHECKSUM_OFFSET;
        }
        out.putShort(start + TCP + field, (short)Checksum.fold(Checksum.ipv4PseudoHeader(out, start + IP,
            tcp ? Tcp.PROTOCOL : Udp.PROTOCOL, transportLength)), ByteOrder.BIG_ENDIAN);
        VirtioNetHeader.writePartial(out, start, tcp ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_UDP_L4,
            Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + transportHeader, gsoSize,
            Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH, field);
        result.add(out, start, at - start, 0);
        used = (at + 63) & ~63;
        merged += to - from - 1;
    }

    /** @return the payload length of a UDP datagram that can take part in a run, or 0 if it cannot. */
    private int datagramPayload(final OutList list, final int i)
    {
        if (!udp || list.length(i) <= UDP + Udp.HEADER_LENGTH)
        {
            return 0;
        }
        final int ipTotal = ipv4Total(list, i, Udp.PROTOCOL);
        final int udpLength = ipTotal - Ipv4.MIN_HEADER_LENGTH;
        if (ipTotal < 0 || (b.getShort(UDP + Udp.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) != udpLength)
        {
            return 0;
        }
        return udpLength - Udp.HEADER_LENGTH;
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
            if (!samePath(a, b) || total + p > MAX_SUPER_FRAME)
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

    /** @return true if two TCP or UDP packets share TOS, TTL, DF, addresses and ports (at the same offset in both). */
    private static boolean samePath(final UnsafeBuffer x, final UnsafeBuffer y)
    {
        return x.getByte(IP + Ipv4.TOS_OFFSET) == y.getByte(IP + Ipv4.TOS_OFFSET) &&
            x.getByte(IP + Ipv4.TTL_OFFSET) == y.getByte(IP + Ipv4.TTL_OFFSET) &&
            (x.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) == (y.getByte(IP + Ipv4.FLAGS_FRAGMENT_OFFSET) & 0x40) &&
            x.getLong(IP + Ipv4.SOURCE_OFFSET) == y.getLong(IP + Ipv4.SOURCE_OFFSET) &&
            x.getInt(TCP + Tcp.PORTS_OFFSET) == y.getInt(TCP + Tcp.PORTS_OFFSET);
    }
}
