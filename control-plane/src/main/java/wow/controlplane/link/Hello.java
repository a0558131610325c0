package wow.controlplane.link;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The link handshake message, carried in a CONTROL datagram after its 12-byte header. Each side
 * tells the other the link id to put in DATA headers sent to it, its virtual IP and its ring
 * address; {@link #FLAG_ACK} says the sender already knows the receiver's id, so no answer is
 * needed. It doubles as the keepalive.
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * | type = 1      | flags         |           reserved            |
 * |                 sender's link id for this link                |
 * |                 sender's virtual IP (0 if none)               |
 * |                 sender's ring address (20 bytes)              |
 * </pre>
 */
public final class Hello
{
    public static final int TYPE = 1;
    public static final int FLAG_ACK = 1;

    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int LINK_ID_OFFSET = 4;
    public static final int VIRTUAL_IP_OFFSET = 8;
    public static final int ADDRESS_OFFSET = 12;
    public static final int LENGTH = 32;

    private Hello()
    {
    }

    /** @return true if {@code length} bytes at offset hold a HELLO. */
    public static boolean isHello(final DirectBuffer buffer, final int offset, final int length)
    {
        return length >= LENGTH && (buffer.getByte(offset + TYPE_OFFSET) & 0xFF) == TYPE;
    }

    public static void write(
        final MutableDirectBuffer buffer, final int offset, final int flags, final int linkId, final int virtualIp,
        final byte[] address)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)TYPE);
        buffer.putByte(offset + FLAGS_OFFSET, (byte)flags);
        buffer.putShort(offset + 2, (short)0);
        buffer.putInt(offset + LINK_ID_OFFSET, linkId, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + VIRTUAL_IP_OFFSET, virtualIp, ByteOrder.BIG_ENDIAN);
        buffer.putBytes(offset + ADDRESS_OFFSET, address);
    }

    public static int flags(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public static int linkId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + LINK_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** Copies the sender's 20-byte ring address into {@code out}. */
    public static void address(final DirectBuffer buffer, final int offset, final byte[] out)
    {
        buffer.getBytes(offset + ADDRESS_OFFSET, out, 0, 20);
    }

    public static int virtualIp(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + VIRTUAL_IP_OFFSET, ByteOrder.BIG_ENDIAN);
    }
}
