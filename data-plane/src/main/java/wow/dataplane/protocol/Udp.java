package wow.dataplane.protocol;

/**
 * The fields of a UDP header the data plane reads and rewrites (USO segmentation, receive
 * coalescing, checksum completion); offsets from the start of the UDP header.
 *
 * <pre>
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |
 * |            Length             |           Checksum            |
 * </pre>
 */
public final class Udp
{
    /** The IPv4 protocol number of UDP. */
    public static final int PROTOCOL = 17;
    public static final int HEADER_LENGTH = 8;
    public static final int LENGTH_OFFSET = 4;
    /** A checksum computed as 0 is sent as all ones: 0 means "no checksum" (RFC 768). */
    public static final int CHECKSUM_OFFSET = 6;

    private Udp()
    {
    }
}
