package wow.dataplane;

import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.Tcp;
import wow.dataplane.protocol.Udp;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.protocol.WireHeader;

/**
 * Checksum offload across a link, as a virtio NIC's partial checksums cross a veth: a TCP or UDP
 * packet the kernel handed over with its checksum left to offload (the field holds the
 * pseudo-header sum) is sent in a DATA datagram flagged {@link WireHeader#FLAG_CHECKSUM_PARTIAL}
 * instead of having its checksum computed here, and the receiver hands it to its own kernel as
 * partial again ({@code NEEDS_CSUM}), which does not compute it for local delivery and completes it
 * if it forwards the packet. Only to a peer that said it takes such packets: a node whose TAP has
 * the virtio-net header marks every DATA datagram it sends {@link WireHeader#FLAG_TAKES_PARTIAL}, and
 * the queue that receives one on a link remembers it for that link until the FIB changes (older
 * nodes never mark theirs and keep getting complete checksums). The datagram's integrity rests,
 * as before, on the link's AEAD (secure) or the outer UDP checksum (insecure); a receiver's
 * coalesced super-frames were always handed over partial. Owned by one queue agent's thread.
 */
final class PartialChecksums
{
    private final boolean offered;
    private boolean[] takes = new boolean[0];

    /** @param vnet the TAP's virtio-net header length: without one, partial checksums are neither offered nor taken. */
    PartialChecksums(final int vnet)
    {
        this.offered = vnet != 0;
    }

    /** @return the flags of every DATA header this queue sends. */
    int dataFlags()
    {
        return offered ? WireHeader.FLAG_TAKES_PARTIAL : 0;
    }

    /** A new FIB: link indexes may now name other peers; forget what was learned. Grows only with more links. */
    void apply(final int links)
    {
        if (takes.length < links)
        {
            takes = new boolean[links];
        }
        else
        {
            Arrays.fill(takes, false);
        }
    }

    /** A DATA datagram arrived on {@code link} with these flags. */
    void received(final int link, final int flags)
    {
        if ((flags & WireHeader.FLAG_TAKES_PARTIAL) != 0 && offered && link < takes.length)
        {
            takes[link] = true;
        }
    }

    /** @return true if packets over this direct link may leave their checksum partial. */
    boolean peerTakes(final int link)
    {
        return link < takes.length && takes[link];
    }

    /**
     * @return the offset of the checksum field from the start of the transport header of an
     *         IPv4 packet that can carry a partial checksum (TCP 16, UDP 6), or -1.
     */
    static int fieldOffset(final UnsafeBuffer buffer, final int ip, final int length)
    {
        final int headerLength = Ipv4.headerLength(buffer, ip);
        final int protocol = buffer.getByte(ip + Ipv4.PROTOCOL_OFFSET) & 0xFF;
        final int field = protocol == Tcp.PROTOCOL ? Tcp.CHECKSUM_OFFSET : protocol == Udp.PROTOCOL ? Udp.CHECKSUM_OFFSET : -1;
        if (field < 0 || headerLength + field + 2 > length || Ipv4.isFragment(buffer, ip))
        {
            return -1;
        }
        return field;
    }

    /**
     * Makes a received packet flagged partial deliverable: with a virtio-net header, writes one that
     * says {@code NEEDS_CSUM} at the transport header; without one, completes the checksum here.
     *
     * @return false if the packet cannot carry a partial checksum (not TCP or UDP, too short, a fragment).
     */
    static boolean deliverPartial(final UnsafeBuffer buffer, final int ip, final int length, final int vnet)
    {
        final int field = fieldOffset(buffer, ip, length);
        if (field < 0)
        {
            return false;
        }
        final int transport = ip + Ipv4.headerLength(buffer, ip);
        if (vnet == 0)
        {
            Checksum.complete(buffer, transport, length - (transport - ip), field);
            return true;
        }
        VirtioNetHeader.writePartial(buffer, ip - Ethernet.HEADER_LENGTH - vnet, VirtioNetHeader.GSO_NONE, 0, 0,
            Ethernet.HEADER_LENGTH + (transport - ip), field);
        return true;
    }
}
