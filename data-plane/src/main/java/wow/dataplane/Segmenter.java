package wow.dataplane;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.Tcp;
import wow.dataplane.protocol.Udp;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.protocol.WireHeader;

/**
 * Segmentation offload done in user space: a TCP/IPv4 super-frame the kernel handed over (TSO) is
 * split into segments of the given MSS, each a complete packet with its own IPv4 id, sequence
 * number, flags (FIN and PSH only on the last, CWR only on the first) and both checksums, as a NIC
 * would; a UDP/IPv4 super-frame (USO: an application that sends with {@code UDP_SEGMENT}) into the
 * datagrams it stands for, each with its own IPv4 id, UDP length and both checksums. The TCP or
 * UDP checksum is left partial when the link's peer takes it ({@link PartialChecksums}). Each
 * packet is handed to egress to be encapsulated. Beside {@link Coalescer}, its receive-side
 * counterpart. Owned by one queue agent's thread; allocates its segment buffer once.
 */
final class Segmenter
{
    private final FrameBatch segments;
    private final int innerMtu;
    private int used;

    Segmenter(final int slots, final int innerMtu)
    {
        // room for the tags of the end-to-end seal and the link's
        this.segments = new FrameBatch(slots, innerMtu + 2 * WireHeader.TAG_LENGTH);
        this.innerMtu = innerMtu;
    }

    /**
     * @param gsoType {@link VirtioNetHeader#GSO_TCPV4} or {@link VirtioNetHeader#GSO_UDP_L4}.
     * @param size    the payload of one segment (the MSS) or datagram.
     * @return the length of the IPv4 and TCP or UDP headers of a super-frame that can be segmented
     *         this way (IPv4 without options, not a fragment, the protocol the GSO type names, room for a
     *         payload, segments within the MTU), else -1.
     */
    int headers(final UnsafeBuffer buffer, final int frame, final int length, final int gsoType, final int size)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        if (length < Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + Udp.HEADER_LENGTH ||
            Ethernet.ethertype(buffer, frame) != Ethernet.ETHERTYPE_IPV4 || buffer.getByte(ip) != 0x45 ||
            Ipv4.isFragment(buffer, ip))
        {
            return -1;
        }
        final int protocol = buffer.getByte(ip + Ipv4.PROTOCOL_OFFSET) & 0xFF;
        final int transportHeader;
        if (gsoType == VirtioNetHeader.GSO_TCPV4 && protocol == Tcp.PROTOCOL &&
            length >= Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + Tcp.MIN_HEADER_LENGTH)
        {
            transportHeader = Tcp.headerLength(buffer, ip + Ipv4.MIN_HEADER_LENGTH);
            if (transportHeader < Tcp.MIN_HEADER_LENGTH)
            {
                return -1;
            }
        }
        else if (gsoType == VirtioNetHeader.GSO_UDP_L4 && protocol == Udp.PROTOCOL)
        {
            transportHeader = Udp.HEADER_LENGTH;
        }
        else
        {
            return -1;
        }
        final int headers = Ipv4.MIN_HEADER_LENGTH + transportHeader;
        if (Ethernet.HEADER_LENGTH + headers >= length || size <= 0 || headers + size > innerMtu)
        {
            return -1;
        }
        return headers;
    }

    /** Frees the segment buffer (egress sent what it held). */
    void reset()
    {
        used = 0;
    }

    /**
     * Splits a super-frame whose headers {@link #headers} accepted into packets with payloads of
     * {@code size} (a shorter last) and hands each to {@code egress} for the given route and next hop.
     */
    void split(final UnsafeBuffer buffer, final int frame, final int length, final int size, final int headers,
        final Egress egress, final int route, final int hop)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        final int transport = ip + Ipv4.MIN_HEADER_LENGTH;
        final int transportHeader = headers - Ipv4.MIN_HEADER_LENGTH;
        final int protocol = buffer.getByte(ip + Ipv4.PROTOCOL_OFFSET) & 0xFF;
        final boolean tcp = protocol == Tcp.PROTOCOL;
        final int field = tcp ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        final int payload = length - Ethernet.HEADER_LENGTH - headers;
        final int id = buffer.getShort(ip + Ipv4.ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final long seq = tcp ? buffer.getInt(transport + Tcp.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL : 0;
        final int flags = tcp ? buffer.getByte(transport + Tcp.FLAGS_OFFSET) & 0xFF : 0;
        final UnsafeBuffer out = segments.buffer();
        // to a peer that takes them, packets go with the partial checksum the kernel left (no sum here)
        final boolean partial = egress.sendsPartial(route, hop);
        int k = 0;
        for (int off = 0; off < payload; off += size, k++)
        {
            final int chunk = Math.min(size, payload - off);
            if (used == segments.slots() || egress.batchFull())
            {
                // before the segment is written: a flush inside encapsulate would free its slot while it waits
                egress.flushBatch();
            }
            final int seg = segments.dataOffset(used++);
            final int segTransport = seg + Ipv4.MIN_HEADER_LENGTH;
            out.putBytes(seg, buffer, ip, headers);
            out.putBytes(seg + headers, buffer, ip + headers + off, chunk);
            out.putShort(seg + Ipv4.TOTAL_LENGTH_OFFSET, (short)(headers + chunk), ByteOrder.BIG_ENDIAN);
            out.putShort(seg + Ipv4.ID_OFFSET, (short)(id + k), ByteOrder.BIG_ENDIAN);
            Checksum.writeIpv4Header(out, seg);
            if (tcp)
            {
                out.putInt(segTransport + Tcp.SEQUENCE_OFFSET, (int)(seq + off), ByteOrder.BIG_ENDIAN);
                int segFlags = flags;
                if (off + chunk < payload)
                {
                    segFlags &= ~(Tcp.FIN | Tcp.PSH);
                }
                if (k > 0)
                {
                    segFlags &= ~Tcp.CWR;
                }
                out.putByte(segTransport + Tcp.FLAGS_OFFSET, (byte)segFlags);
            }
            else
            {
                out.putShort(segTransport + Udp.LENGTH_OFFSET, (short)(Udp.HEADER_LENGTH + chunk), ByteOrder.BIG_ENDIAN);
            }
            final int pseudo = Checksum.fold(Checksum.ipv4PseudoHeader(out, seg, protocol, transportHeader + chunk));
            out.putShort(segTransport + field, (short)pseudo, ByteOrder.BIG_ENDIAN);
            if (!partial)
            {
                Checksum.complete(out, segTransport, transportHeader + chunk, field);
            }
            egress.encapsulate(out, seg, headers + chunk, route, hop, partial);
        }
    }
}
