package wow.dataplane.protocol;

import org.agrona.DirectBuffer;

/**
 * The fields of a TCP header the data plane reads and rewrites (TSO segmentation, receive
 * coalescing); offsets from the start of the TCP header.
 *
 * <pre>
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * | Offset| Rsvd  |     Flags     |            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * </pre>
 */
public final class Tcp
{
    /** The IPv4 protocol number of TCP. */
    public static final int PROTOCOL = 6;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int PORTS_OFFSET = 0;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;

    public static final int FIN = 0x01;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int CWR = 0x80;

    private Tcp()
    {
    }

    /** @return the TCP header's length in bytes, from its data offset field. */
    public static int headerLength(final DirectBuffer buffer, final int tcp)
    {
        return ((buffer.getByte(tcp + DATA_OFFSET_OFFSET) & 0xF0) >>> 4) * 4;
    }
}
