package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The 10-byte {@code struct virtio_net_hdr} a TAP opened with {@code IFF_VNET_HDR} puts in front
 * of every frame, in the host's byte order (little-endian here). WOW writes it to hand the
 * kernel coalesced TCP super-frames (GSO) with a partial checksum, as a virtio NIC would.
 *
 * <pre>
 *  0: flags (1) | 1: gso_type (1) | 2: hdr_len (2) | 4: gso_size (2) | 6: csum_start (2) | 8: csum_offset (2)
 * </pre>
 */
public final class VirtioNetHeader
{
    public static final int LENGTH = 10;
    public static final int FLAG_NEEDS_CSUM = 1;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** UDP segmentation (USO): the kernel cuts the payload into datagrams of {@code gso_size}. */
    public static final int GSO_UDP_L4 = 5;

    private VirtioNetHeader()
    {
    }

    /** Writes a header that says "plain frame, checksums complete". */
    public static void writePlain(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putLong(offset, 0);
        buffer.putShort(offset + 8, (short)0);
    }

    /**
     * Writes a header for a frame whose transport checksum is partial (the kernel completes it from
     * {@code csumStart}, counted from the start of the frame, into the field at {@code csumOffset}
     * from there: TCP 16, UDP 6), and which the kernel cuts into segments with payloads of
     * {@code gsoSize} behind {@code headerLength} bytes of headers ({@link #GSO_TCPV4},
     * {@link #GSO_UDP_L4}) or takes as one packet ({@link #GSO_NONE}, sizes 0).
     */
    public static void writePartial(final UnsafeBuffer buffer, final int offset, final int gsoType, final int headerLength,
        final int gsoSize, final int csumStart, final int csumOffset)
    {
        buffer.putByte(offset, (byte)FLAG_NEEDS_CSUM);
        buffer.putByte(offset + 1, (byte)gsoType);
        buffer.putShort(offset + 2, (short)headerLength, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(offset + 4, (short)gsoSize, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(offset + 6, (short)csumStart, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(offset + 8, (short)csumOffset, ByteOrder.LITTLE_ENDIAN);
    }

    public static int gsoType(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + 1) & 0xFF;
    }

    public static int gsoSize(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** @return where the checksum to complete starts, from the start of the frame. */
    public static int checksumStart(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** @return where the checksum field is, from {@link #checksumStart}. */
    public static int checksumOffset(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 8, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** @return true if the header asks for nothing: no GSO, no checksum to complete. */
    public static boolean isPlain(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset) == 0 && buffer.getByte(offset + 1) == 0;
    }
}
