package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The fields of an IPv4 header the data plane needs.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------+-------+---------------+-------------------------------+
 * |Version|  IHL  |      TOS      |          Total Length         |
 * |         Identification        |Flags|     Fragment Offset     |
 * |      TTL      |   Protocol    |        Header Checksum        |
 * |                        Source Address                         |
 * |                     Destination Address                       |
 * </pre>
 */
public final class Ipv4
{
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int ID_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    private static final int PROTOCOL_ICMP = 1;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMP_TIMESTAMP_REQUEST = 13;

    private Ipv4()
    {
    }

    /**
     * @return the packet's total length if the header is sound (version 4, IHL of at least 5,
     *         total length within {@code available} bytes and not below the header), else -1.
     */
    public static int validLength(final UnsafeBuffer buffer, final int offset, final int available)
    {
        if (available < MIN_HEADER_LENGTH)
        {
            return -1;
        }
        final int versionIhl = buffer.getByte(offset) & 0xFF;
        final int headerLength = (versionIhl & 0x0F) * 4;
        final int total = buffer.getShort(offset + TOTAL_LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if ((versionIhl >>> 4) != 4 || headerLength < MIN_HEADER_LENGTH || total < headerLength || total > available)
        {
            return -1;
        }
        return total;
    }

    /** @return the header length in bytes (IHL times 4); meaningful once {@link #validLength} accepted the header. */
    public static int headerLength(final UnsafeBuffer buffer, final int offset)
    {
        return (buffer.getByte(offset) & 0x0F) * 4;
    }

    /**
     * Whether the receiving host's kernel may answer this packet within the call that hands it over
     * (an echo reply to an echo request, an ACK or more data for TCP), so that a reader should look
     * for the answer at once rather than wait for poll: false for UDP (a process answers, later) and
     * for ICMP other than the requests the kernel itself answers; true for everything else.
     * Meaningful once {@link #validLength} accepted the header ({@code length} is its answer).
     */
    public static boolean kernelMayAnswer(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final int protocol = buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
        if (protocol == Udp.PROTOCOL)
        {
            return false;
        }
        if (protocol != PROTOCOL_ICMP || isFragment(buffer, offset))
        {
            return true;
        }
        final int header = headerLength(buffer, offset);
        if (length <= header)
        {
            return false;
        }
        final int type = buffer.getByte(offset + header) & 0xFF;
        return type == ICMP_ECHO_REQUEST || type == ICMP_TIMESTAMP_REQUEST;
    }

    /** @return true if the packet is a fragment (more fragments follow, or it is not the first). */
    public static boolean isFragment(final UnsafeBuffer buffer, final int offset)
    {
        return (buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0x3FFF) != 0;
    }

    /** @return the source address as a host-order int. */
    public static int source(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + SOURCE_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** @return the destination address as a host-order int. */
    public static int destination(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** @return an address as dotted quad. */
    public static String toString(final int address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF);
    }

    /**
     * Parses a dotted quad.
     *
     * @throws IllegalArgumentException naming the bad text.
     */
    public static int parse(final String text)
    {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
        }
        int address = 0;
        for (final String part : parts)
        {
            final int v;
            try
            {
                v = part.isEmpty() || part.length() > 3 ? -1 : Integer.parseInt(part);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
            }
            if (v < 0 || v > 255)
            {
                throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
            }
            address = (address << 8) | v;
        }
        return address;
    }
}
