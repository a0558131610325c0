package wow.dataplane;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.Tcp;
import wow.dataplane.protocol.WireHeader;

/**
 * TCP segmentation offload done in user space: a TCP/IPv4 super-frame the kernel handed over is
 * split into segments of the given MSS, each a complete packet with its own IPv4 id, sequence
 * number, flags (FIN and PSH only on the last, CWR only on the first) and both checksums, as a NIC
 * would — the TCP checksum left partial when the link's peer takes it ({@link PartialChecksums});
 * each is handed to egress to be encapsulated. Beside {@link Coalescer}, its receive-side
 * counterpart. Owned by one queue agent's thread; allocates its segment buffer once.
 */
final class TsoSegmenter
{
    private final FrameBatch segments;
    private final int innerMtu;
    private int used;

    TsoSegmenter(final int slots, final int innerMtu)
    {
        // room for the tags of the end-to-end seal and the link's
        this.segments = new FrameBatch(slots, innerMtu + 2 * WireHeader.TAG_LENGTH);
        this.innerMtu = innerMtu;
    }

    /**
     * @return the length of the IPv4 and TCP headers of a super-frame that can be segmented with
     * this MSS (IPv4 without options, TCP, room for a payload, segments within the MTU), else -1.
     */
    int headers(final UnsafeBuffer buffer, final int frame, final int length, final int mss)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        final int tcp = ip + Ipv4.MIN_HEADER_LENGTH;
        final int tcpHeader = length >= Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + Tcp.MIN_HEADER_LENGTH ?
            Tcp.headerLength(buffer, tcp) : 0;
        final int headers = Ipv4.MIN_HEADER_LENGTH + tcpHeader;
        if (Ethernet.ethertype(buffer, frame) != Ethernet.ETHERTYPE_IPV4 || buffer.getByte(ip) != 0x45 ||
            buffer.getByte(ip + Ipv4.PROTOCOL_OFFSET) != Tcp.PROTOCOL || tcpHeader < Tcp.MIN_HEADER_LENGTH ||
            Ethernet.HEADER_LENGTH + headers >= length || mss <= 0 || headers + mss > innerMtu)
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
     * Splits a super-frame whose headers {@link #headers} accepted into segments and hands each to
     * {@code egress} for the given route and next hop.
     */
    void split(final UnsafeBuffer buffer, final int frame, final int length, final int mss, final int headers,
        final Egress egress, final int route, final int hop)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        final int tcp = ip + Ipv4.MIN_HEADER_LENGTH;
        final int tcpHeader = headers - Ipv4.MIN_HEADER_LENGTH;
        final int payload = length - Ethernet.HEADER_LENGTH - headers;
        final int id = buffer.getShort(ip + Ipv4.ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final long seq = buffer.getInt(tcp + Tcp.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        final int flags = buffer.getByte(tcp + Tcp.FLAGS_OFFSET) & 0xFF;
        final UnsafeBuffer out = segments.buffer();
        // to a peer that takes them, segments go with the partial checksum the kernel left (no sum here)
        final boolean partial = egress.sendsPartial(route, hop);
        int k = 0;
        for (int off = 0; off < payload; off += mss, k++)
        {
            final int chunk = Math.min(mss, payload - off);
            if (used == segments.slots() || egress.batchFull())
            {
                // before the segment is written: a flush inside encapsulate would free its slot while it waits
                egress.flushBatch();
            }
            final int seg = segments.dataOffset(used++);
            final int segTcp = seg + Ipv4.MIN_HEADER_LENGTH;
            out.putBytes(seg, buffer, ip, headers);
            out.putBytes(seg + headers, buffer, ip + headers + off, chunk);
            out.putShort(seg + Ipv4.TOTAL_LENGTH_OFFSET, (short)(headers + chunk), ByteOrder.BIG_ENDIAN);
            out.putShort(seg + Ipv4.ID_OFFSET, (short)(id + k), ByteOrder.BIG_ENDIAN);
            Checksum.writeIpv4Header(out, seg);
            out.putInt(segTcp + Tcp.SEQUENCE_OFFSET, (int)(seq + off), ByteOrder.BIG_ENDIAN);
            int segFlags = flags;
            if (off + chunk < payload)
            {
                segFlags &= ~(Tcp.FIN | Tcp.PSH);
            }
            if (k > 0)
            {
                segFlags &= ~Tcp.CWR;
            }
            out.putByte(segTcp + Tcp.FLAGS_OFFSET, (byte)segFlags);
            out.putShort(segTcp + Tcp.CHECKSUM_OFFSET,
                (short)Checksum.fold(Checksum.ipv4PseudoHeader(out, seg, Tcp.PROTOCOL, tcpHeader + chunk)), ByteOrder.BIG_ENDIAN);
            if (!partial)
            {
                Checksum.complete(out, segTcp, tcpHeader + chunk, Tcp.CHECKSUM_OFFSET);
            }
            egress.encapsulate(out, seg, headers + chunk, route, hop, partial);
        }
    }
}
