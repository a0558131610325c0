package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The header every WOW datagram starts with, and the per-type headers behind it. All fields
 * are in network byte order. Static accessors over an {@link UnsafeBuffer} and an offset act as
 * the flyweight; callers check {@link #validType} (lengths first) before reading any field.
 *
 * <pre>
 * Common header (8 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |   version=1   |     type      |     flags     |   reserved    |
 *  +---------------+---------------+---------------+---------------+
 *  |               session / key index (0 = none, reserved)        |
 *  +---------------------------------------------------------------+
 *
 * DATA (type 1), 12 bytes, then one IPv4 packet; flags {@link #FLAG_CHECKSUM_PARTIAL} (its TCP or
 * UDP checksum is left to the receiver's kernel) and {@link #FLAG_TAKES_PARTIAL} (the sender takes such)
 *  | common header (8)                                              |
 *  |               link id (the receiver's id for this link)       |
 *
 * ROUTED (type 2), 52 bytes, then the payload
 *  | common header (8)                                              |
 *  |        source ring address (20 bytes)                          |
 *  |        destination ring address (20 bytes)                     |
 *  |      ttl      |     hops      |   delivery    | payload type  |
 *
 * CONTROL (type 3), 12 bytes, then an overlay protocol message
 *  | common header (8)                                              |
 *  |               link id (the receiver's id, 0 if unknown)       |
 *
 * HANDSHAKE (type 4): a Noise handshake message (wow.controlplane.session), never sealed
 *  | common header (8), session = the sender's index               |
 *
 * SESSION (type 6), 8 bytes, then a message of the session layer (a revocation list); only ever
 * inside a seal
 *  | common header (8)                                              |
 *
 * SEALED (type 5), 16 bytes, then one of the above (DATA, ROUTED, CONTROL, or nothing: a
 * keepalive) sealed with AES-256-GCM, then its 16-byte tag; the 16 bytes are the additional data
 *  | version | type=5 | 0 | 0                                        |
 *  |               receiver's session index                         |
 *  |               counter (8): the nonce, and the replay window's  |
 * </pre>
 *
 * A ROUTED packet with {@link #FLAG_RELAY} travels one relayed hop: its session field carries the
 * relay's id of its link to the next hop ({@link #relayLink}); the relay clears both before it
 * forwards, and from there the packet is routed as any other.
 *
 * Delivery is {@link #DELIVERY_EXACT} (only the node with the destination address) or
 * {@link #DELIVERY_CLOSEST} (the node nearest the destination key). Payload type is
 * {@link #PAYLOAD_IPV4} (insecure nodes), {@link #PAYLOAD_SEALED_IPV4} (secure nodes: sealed end to
 * end, in the SEALED layout) or {@link #PAYLOAD_CONTROL}.
 */
public final class WireHeader
{
    public static final int VERSION = 1;

    public static final int TYPE_DATA = 1;
    public static final int TYPE_ROUTED = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_HANDSHAKE = 4;
    public static final int TYPE_SEALED = 5;
    public static final int TYPE_SESSION = 6;

    public static final int VERSION_OFFSET = 0;
    public static final int TYPE_OFFSET = 1;
    public static final int FLAGS_OFFSET = 2;
    public static final int RESERVED_OFFSET = 3;
    public static final int SESSION_OFFSET = 4;
    public static final int COMMON_LENGTH = 8;

    public static final int LINK_ID_OFFSET = 8;
    public static final int DATA_LENGTH = 12;
    public static final int CONTROL_LENGTH = 12;

    public static final int ADDRESS_LENGTH = 20;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 28;
    public static final int TTL_OFFSET = 48;
    public static final int HOPS_OFFSET = 49;
    public static final int DELIVERY_OFFSET = 50;
    public static final int PAYLOAD_TYPE_OFFSET = 51;
    public static final int ROUTED_LENGTH = 52;

    public static final int SEALED_LENGTH = 16;
    public static final int COUNTER_OFFSET = 8;
    public static final int TAG_LENGTH = 16;
    /** Bytes sealing adds to a datagram. */
    public static final int SEALED_OVERHEAD = SEALED_LENGTH + TAG_LENGTH;

    /**
     * ROUTED flag: deliver to the node closest to the destination other than the source, so no hop
     * hands the packet back to it (Connect-To-Me toward one's own address).
     */
    public static final int FLAG_EXCLUDE_SOURCE = 1;

    /**
     * ROUTED flag: the packet travels a relayed hop; the relay it is sent to forwards it only over
     * the link the header names, and only if it was granted relaying between that link and the
     * sender's.
     */
    public static final int FLAG_RELAY = 2;

    /**
     * DATA flag: the IPv4 packet's TCP or UDP checksum field holds only the pseudo-header sum (the
     * sender's kernel left it to offload); the receiver hands the packet on as partial.
     */
    public static final int FLAG_CHECKSUM_PARTIAL = 4;

    /** DATA flag: the sender takes DATA with {@link #FLAG_CHECKSUM_PARTIAL} on this link. */
    public static final int FLAG_TAKES_PARTIAL = 8;

    public static final int DELIVERY_EXACT = 1;
    public static final int DELIVERY_CLOSEST = 2;
    public static final int PAYLOAD_IPV4 = 1;
    public static final int PAYLOAD_CONTROL = 2;
    /**
     * An IPv4 packet sealed between the two ends of an end-to-end session: a 16-byte SEALED header
     * (the receiver's end-to-end index and the counter), the packet, and the tag. Transit nodes
     * and relays read only the ROUTED header in front.
     */
    public static final int PAYLOAD_SEALED_IPV4 = 3;
    /** Bytes the end-to-end seal adds to a routed packet. */
    public static final int END_TO_END_OVERHEAD = SEALED_OVERHEAD;

    /** TTL a routed packet starts with, as the original system. */
    public static final int DEFAULT_TTL = 30;

    /** The largest header a packet can carry: the inner MTU leaves room for it. */
    public static final int MAX_HEADER_LENGTH = ROUTED_LENGTH;

    private WireHeader()
    {
    }

    /**
     * @return the type of a datagram whose lengths and version check out, or 0 if it is
     *         too short for its type, of another version, or of an unknown type.
     */
    public static int validType(final UnsafeBuffer buffer, final int offset, final int length)
    {
        if (length < COMMON_LENGTH || (buffer.getByte(offset + VERSION_OFFSET) & 0xFF) != VERSION)
        {
            return 0;
        }
        final int type = buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
        switch (type)
        {
            case TYPE_DATA:
                return length >= DATA_LENGTH ? type : 0;
            case TYPE_CONTROL:
                return length >= CONTROL_LENGTH ? type : 0;
            case TYPE_ROUTED:
                return length >= ROUTED_LENGTH ? type : 0;
            case TYPE_HANDSHAKE:
            case TYPE_SESSION:
                return type;
            case TYPE_SEALED:
                return length >= SEALED_OVERHEAD ? type : 0;
            default:
                return 0;
        }
    }

    /** Writes the common header. */
    public static void writeCommon(final UnsafeBuffer buffer, final int offset, final int type, final int flags)
    {
        buffer.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        buffer.putByte(offset + FLAGS_OFFSET, (byte)flags);
        buffer.putByte(offset + RESERVED_OFFSET, (byte)0);
        buffer.putInt(offset + SESSION_OFFSET, 0, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** Writes a DATA or CONTROL header: common header and link id. */
    public static void writeLinkHeader(final UnsafeBuffer buffer, final int offset, final int type, final int linkId)
    {
        writeLinkHeader(buffer, offset, type, 0, linkId);
    }

    /** Writes a DATA or CONTROL header with flags: common header and link id. */
    public static void writeLinkHeader(final UnsafeBuffer buffer, final int offset, final int type, final int flags,
        final int linkId)
    {
        writeCommon(buffer, offset, type, flags);
        buffer.putInt(offset + LINK_ID_OFFSET, linkId, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** Writes a SEALED header: the receiver's session index and the counter. */
    public static void writeSealed(final UnsafeBuffer buffer, final int offset, final int receiverIndex, final long counter)
    {
        writeCommon(buffer, offset, TYPE_SEALED, 0);
        buffer.putInt(offset + SESSION_OFFSET, receiverIndex, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putLong(offset + COUNTER_OFFSET, counter, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** @return the session index a SEALED or HANDSHAKE header carries. */
    public static int session(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + SESSION_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    public static long counter(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + COUNTER_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    public static int linkId(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + LINK_ID_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /**
     * Writes a ROUTED header.
     *
     * @param source      buffer holding the 20-byte source ring address at offset 0.
     * @param destination buffer holding the 20-byte destination ring address.
     * @param destOffset  offset of the destination address in that buffer.
     */
    public static void writeRouted(
        final UnsafeBuffer buffer,
        final int offset,
        final UnsafeBuffer source,
        final UnsafeBuffer destination,
        final int destOffset,
        final int ttl,
        final int delivery,
        final int payloadType)
    {
        writeCommon(buffer, offset, TYPE_ROUTED, 0);
        buffer.putBytes(offset + SOURCE_OFFSET, source, 0, ADDRESS_LENGTH);
        buffer.putBytes(offset + DESTINATION_OFFSET, destination, destOffset, ADDRESS_LENGTH);
        buffer.putByte(offset + TTL_OFFSET, (byte)ttl);
        buffer.putByte(offset + HOPS_OFFSET, (byte)0);
        buffer.putByte(offset + DELIVERY_OFFSET, (byte)delivery);
        buffer.putByte(offset + PAYLOAD_TYPE_OFFSET, (byte)payloadType);
    }

    /** Marks a ROUTED header for one relayed hop: the relay forwards it over its link {@code relayLink}. */
    public static void markRelayed(final UnsafeBuffer buffer, final int offset, final int relayLink)
    {
        addFlag(buffer, offset, FLAG_RELAY);
        buffer.putInt(offset + SESSION_OFFSET, relayLink, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** @return the relay's link id a relay-flagged ROUTED header names. */
    public static int relayLink(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + SESSION_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** Turns a relay-flagged header back into an ordinary routed one (at the relay). */
    public static void clearRelay(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putByte(offset + FLAGS_OFFSET, (byte)(buffer.getByte(offset + FLAGS_OFFSET) & ~FLAG_RELAY));
        buffer.putInt(offset + SESSION_OFFSET, 0);
    }

    /** Sets a flag of a header in place. */
    public static void addFlag(final UnsafeBuffer buffer, final int offset, final int flag)
    {
        buffer.putByte(offset + FLAGS_OFFSET, (byte)(buffer.getByte(offset + FLAGS_OFFSET) | flag));
    }

    public static int flags(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public static int ttl(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public static int hops(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + HOPS_OFFSET) & 0xFF;
    }

    public static int delivery(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + DELIVERY_OFFSET) & 0xFF;
    }

    public static int payloadType(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getByte(offset + PAYLOAD_TYPE_OFFSET) & 0xFF;
    }

    /** @return true if a ROUTED header's payload is an IPv4 packet, in clear or sealed end to end. */
    public static boolean carriesIpv4(final UnsafeBuffer buffer, final int offset)
    {
        final int type = payloadType(buffer, offset);
        return type == PAYLOAD_IPV4 || type == PAYLOAD_SEALED_IPV4;
    }

    /** Decrements TTL and increments the hop count of a ROUTED header in place. */
    public static void countHop(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putByte(offset + TTL_OFFSET, (byte)(ttl(buffer, offset) - 1));
        buffer.putByte(offset + HOPS_OFFSET, (byte)Math.min(255, hops(buffer, offset) + 1));
    }
}
