package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Ethernet II header as the TAP device carries it (no VLAN tags, no preamble, no FCS).
 *
 * <pre>
 *  0                   1                   2                   3
 *  +---------------------------------------------------------------+
 *  |                 destination MAC (6 bytes)                     |
 *  |                 source MAC (6 bytes)                          |
 *  |          ethertype            |  payload ...
 * </pre>
 */
public final class Ethernet
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;

    /**
     * The MAC address WOW answers ARP with for every other host of the virtual subnet, and the
     * source of every frame it writes to the TAP: locally administered, "wow" in ASCII.
     */
    public static final byte[] VIRTUAL_MAC = {0x02, 0x77, 0x6F, 0x77, 0x00, 0x01};

    private Ethernet()
    {
    }

    public static int ethertype(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + ETHERTYPE_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Writes a header for an IPv4 frame from the virtual MAC to {@code destinationMac}. */
    public static void writeIpv4Header(final UnsafeBuffer buffer, final int offset, final byte[] destinationMac)
    {
        buffer.putBytes(offset + DESTINATION_OFFSET, destinationMac);
        buffer.putBytes(offset + SOURCE_OFFSET, VIRTUAL_MAC);
        buffer.putShort(offset + ETHERTYPE_OFFSET, (short)ETHERTYPE_IPV4, java.nio.ByteOrder.BIG_ENDIAN);
    }
}
