package wow.dataplane.protocol;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over off-heap bytes, eight at a time, without allocation.
 * Sums are kept unfolded in a long; {@link #fold} gives the 16-bit ones'-complement sum in
 * network order.
 */
public final class Checksum
{
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksum()
    {
    }

    /**
     * @return the unfolded sum of {@code length} bytes, read as little-endian words (fold with
     *         {@link #foldLittleEndian} to get the network-order value).
     * @throws IndexOutOfBoundsException if the range is not inside the buffer.
     */
    public static long sumLittleEndian(final UnsafeBuffer buffer, final int offset, final int length)
    {
        // one bounds check for the whole range, then plain reads inside it: a check per word cost
        // more than the sum itself; two sums so that the additions of neighbouring words overlap
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        long even = 0;
        long odd = 0;
        int i = 0;
        for (; i + 16 <= length; i += 16)
        {
            final long v = littleEndian(UnsafeApi.getLong(array, address + i));
            final long w = littleEndian(UnsafeApi.getLong(array, address + i + 8));
            even += (v & 0xFFFF_FFFFL) + (v >>> 32);
            odd += (w & 0xFFFF_FFFFL) + (w >>> 32);
        }
        long sum = even + odd;
        if (i + 8 <= length)
        {
            final long v = littleEndian(UnsafeApi.getLong(array, address + i));
            sum += (v & 0xFFFF_FFFFL) + (v >>> 32);
            i += 8;
        }
        if (i + 4 <= length)
        {
            sum += littleEndian(UnsafeApi.getInt(array, address + i)) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= length)
        {
            sum += littleEndian(UnsafeApi.getShort(array, address + i)) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            sum += UnsafeApi.getByte(array, address + i) & 0xFF;
        }
        return sum;
    }

    private static long littleEndian(final long v)
    {
        return NATIVE_LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }

    private static int littleEndian(final int v)
    {
        return NATIVE_LITTLE_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static short littleEndian(final short v)
    {
        return NATIVE_LITTLE_ENDIAN ? v : Short.reverseBytes(v);
    }

    /** @return a little-endian unfolded sum as a 16-bit network-order ones'-complement sum. */
    public static int foldLittleEndian(final long sum)
    {
        final int folded = fold(sum);
        return ((folded & 0xFF) << 8) | (folded >>> 8);
    }

    /** @return an unfolded sum folded to 16 bits (not inverted). */
    public static int fold(final long value)
    {
        long sum = value;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    /** @return the pseudo-header sum (network order, unfolded) of an IPv4 header for a transport length. */
    public static long ipv4PseudoHeader(final UnsafeBuffer buffer, final int ip, final int protocol, final int length)
    {
        long sum = protocol + length;
        for (int k = Ipv4.SOURCE_OFFSET; k < Ipv4.DESTINATION_OFFSET + 4; k += 2)
        {
            sum += buffer.getShort(ip + k, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        return sum;
    }

    /** Writes the checksum of a 20-byte IPv4 header in place. */
    public static void writeIpv4Header(final UnsafeBuffer buffer, final int ip)
    {
        buffer.putShort(ip + 10, (short)0);
        long sum = 0;
        for (int k = 0; k < 20; k += 2)
        {
            sum += buffer.getShort(ip + k, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        buffer.putShort(ip + 10, (short)~fold(sum), ByteOrder.BIG_ENDIAN);
    }

    /**
     * Completes a checksum the way a NIC does for {@code CHECKSUM_PARTIAL}: sums from {@code start}
     * to the end (the field at {@code start + fieldOffset} already holds the pseudo-header sum) and
     * stores the inverted result in the field. A field at UDP's offset (6) that comes out 0 is
     * stored as all ones: 0 means "no checksum" in UDP (RFC 768).
     */
    public static void complete(final UnsafeBuffer buffer, final int start, final int length, final int fieldOffset)
    {
        final int sum = foldLittleEndian(sumLittleEndian(buffer, start, length));
        final int value = ~sum & 0xFFFF;
        buffer.putShort(start + fieldOffset, (short)(value == 0 && fieldOffset == Udp.CHECKSUM_OFFSET ? 0xFFFF : value),
            ByteOrder.BIG_ENDIAN);
    }
}
