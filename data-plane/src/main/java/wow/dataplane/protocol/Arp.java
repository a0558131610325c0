package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * An Ethernet/IPv4 ARP packet (after the Ethernet header) and the in-place rewrite of a request
 * into its reply.
 *
 * <pre>
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |     hardware type = 1         |     protocol type = 0x0800    |
 * | hw len = 6    | proto len = 4 |          operation            |
 * |                sender MAC (6)         |  sender IP (4)        |
 * |                target MAC (6)         |  target IP (4)        |
 * </pre>
 */
public final class Arp
{
    public static final int LENGTH = 28;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    private Arp()
    {
    }

    /** @return true if this is a well-formed Ethernet/IPv4 ARP request. */
    public static boolean isRequest(final UnsafeBuffer buffer, final int offset, final int available)
    {
        return available >= LENGTH &&
            buffer.getShort(offset, java.nio.ByteOrder.BIG_ENDIAN) == 1 &&
            buffer.getShort(offset + 2, java.nio.ByteOrder.BIG_ENDIAN) == Ethernet.ETHERTYPE_IPV4 &&
            buffer.getByte(offset + 4) == 6 &&
            buffer.getByte(offset + 5) == 4 &&
            buffer.getShort(offset + OPERATION_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) == REQUEST;
    }

    /** @return the IP address asked for, host order. */
    public static int targetIp(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + TARGET_IP_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /**
     * Turns the request in an Ethernet frame at {@code frameOffset} into the reply "target IP is at
     * {@code mac}", addressed back to the asker. Allocates nothing.
     */
    public static void rewriteAsReply(final UnsafeBuffer buffer, final int frameOffset, final byte[] mac)
    {
        final int arp = frameOffset + Ethernet.HEADER_LENGTH;
        final int targetIp = buffer.getInt(arp + TARGET_IP_OFFSET);
        // target := asker
        buffer.putBytes(arp + TARGET_MAC_OFFSET, buffer, arp + SENDER_MAC_OFFSET, 6);
        buffer.putInt(arp + TARGET_IP_OFFSET, buffer.getInt(arp + SENDER_IP_OFFSET));
        // sender := the answer
        buffer.putBytes(arp + SENDER_MAC_OFFSET, mac);
        buffer.putInt(arp + SENDER_IP_OFFSET, targetIp);
        buffer.putShort(arp + OPERATION_OFFSET, (short)REPLY, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putBytes(frameOffset + Ethernet.DESTINATION_OFFSET, buffer, arp + TARGET_MAC_OFFSET, 6);
        buffer.putBytes(frameOffset + Ethernet.SOURCE_OFFSET, mac);
    }
}
