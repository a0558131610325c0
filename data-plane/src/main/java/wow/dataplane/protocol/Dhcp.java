package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The DHCP server on the TAP (RFC 2131, the parts a host needs): a DISCOVER gets an OFFER and a
 * REQUEST an ACK (or a NAK if it asks for another address), with the node's leased virtual IP,
 * the subnet mask, the interface MTU, a classless static route to the virtual subnet (option
 * 121), the lease time, the server identifier and, where the node answers DNS, the DNS server
 * (option 6) and the domain (option 15). The reply is written in place over the request
 * frame (Ethernet + IPv4 + UDP + BOOTP, broadcast, UDP checksum 0). Requests from another
 * hardware address than the TAP's host, malformed ones and other message types are refused
 * (the caller counts them). Static; allocation-free; the queue agent's thread.
 */
public final class Dhcp
{
    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;
    /** The longest domain a reply carries. */
    public static final int MAX_DOMAIN = 63;
    /** The reply needs this much room from the frame's start. */
    public static final int MAX_REPLY = Ethernet.HEADER_LENGTH + 20 + 8 + 300 + 8 + MAX_DOMAIN;
    /** Refusals (negative results of {@link #reply}). */
    public static final int MALFORMED = -1;
    public static final int OTHER_HOST = -2;
    public static final int NOT_ANSWERED = -3;

    private static final int BOOTP = 20 + 8; // from the IP header (without options) in the reply
    private static final int MAGIC = 0x63825363;
    private static final int OPTIONS = 240;
    private static final int DISCOVER = 1;
    private static final int OFFER = 2;
    private static final int REQUEST = 3;
    private static final int ACK = 5;
    private static final int NAK = 6;

    private Dhcp()
    {
    }

    /** @return true if the IPv4 packet at {@code ip} is UDP to the DHCP server port. */
    public static boolean isRequest(final UnsafeBuffer buffer, final int ip, final int length)
    {
        final int ihl = (buffer.getByte(ip) & 0x0F) * 4;
        return length >= ihl + 8 && (buffer.getByte(ip + Ipv4.PROTOCOL_OFFSET) & 0xFF) == 17 &&
            (buffer.getShort(ip + ihl + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) == SERVER_PORT;
    }

    /**
     * Answers the request in the frame at {@code frame} (Ethernet header first) in place.
     *
     * @param hostMac  the TAP host's hardware address (6 bytes): only its requests are answered.
     * @param offered  the virtual IP to hand out (host order).
     * @param prefix   the virtual subnet's prefix length.
     * @param serverIp the server identifier (host order).
     * @param dns      the DNS server to name (host order), 0 for none.
     * @param domain   the DNS domain to name (ASCII, at most {@link #MAX_DOMAIN} bytes; empty: none).
     * @return the reply frame's length, or {@link #MALFORMED}, {@link #OTHER_HOST},
     *         {@link #NOT_ANSWERED} (a message type a server does not answer).
     */
    public static int reply(final UnsafeBuffer buffer, final int frame, final int length, final byte[] hostMac, final int offered,
        final int prefix, final int serverIp, final int mtu, final int leaseSeconds, final int dns, final byte[] domain)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        final int ipLength = length - Ethernet.HEADER_LENGTH;
        if (ipLength < 20)
        {
            return MALFORMED;
        }
        final int ihl = (buffer.getByte(ip) & 0x0F) * 4;
        final int bootp = ip + ihl + 8;
        final int bootpLength = ipLength - ihl - 8;
        if (ihl < 20 || bootpLength < OPTIONS + 3 || buffer.getByte(bootp) != 1 || buffer.getByte(bootp + 1) != 1 ||
            buffer.getByte(bootp + 2) != 6 || buffer.getInt(bootp + 236, ByteOrder.BIG_ENDIAN) != MAGIC)
        {
            return MALFORMED;
        }
        for (int i = 0; i < 6; i++)
        {
            if (buffer.getByte(bootp + 28 + i) != hostMac[i])
            {
                return OTHER_HOST;
            }
        }
        int type = 0;
        int requested = 0;
        int at = bootp + OPTIONS;
        final int end = bootp + bootpLength;
        while (at < end)
        {
            final int code = buffer.getByte(at) & 0xFF;
            if (code == 255)
            {
                break;
            }
            if (code == 0)
            {
                at++;
                continue;
            }
            if (at + 1 >= end)
            {
                return MALFORMED;
            }
            final int len = buffer.getByte(at + 1) & 0xFF;
            if (at + 2 + len > end)
            {
                return MALFORMED;
            }
            if (code == 53 && len == 1)
            {
                type = buffer.getByte(at + 2) & 0xFF;
            }
            else if (code == 50 && len == 4)
            {
                requested = buffer.getInt(at + 2, ByteOrder.BIG_ENDIAN);
            }
            at += 2 + len;
        }
        if (type != DISCOVER && type != REQUEST)
        {
            return type == 0 ? MALFORMED : NOT_ANSWERED;
        }
        if (requested == 0)
        {
            requested = buffer.getInt(bootp + 12, ByteOrder.BIG_ENDIAN); // ciaddr, when renewing
        }
        final int answer = type == DISCOVER ? OFFER : requested == 0 || requested == offered ? ACK : NAK;
        final int xid = buffer.getInt(bootp + 4, ByteOrder.BIG_ENDIAN);
        final short flags = buffer.getShort(bootp + 10, ByteOrder.BIG_ENDIAN);

        // the reply, from the frame's start
        final int rip = frame + Ethernet.HEADER_LENGTH;
        final int rb = rip + BOOTP;
        buffer.setMemory(rb, 300 + 8 + MAX_DOMAIN, (byte)0);
        buffer.putByte(rb, (byte)2);
        buffer.putByte(rb + 1, (byte)1);
        buffer.putByte(rb + 2, (byte)6);
        buffer.putInt(rb + 4, xid, ByteOrder.BIG_ENDIAN);
        buffer.putShort(rb + 10, flags, ByteOrder.BIG_ENDIAN);
        if (answer != NAK)
        {
            buffer.putInt(rb + 16, offered, ByteOrder.BIG_ENDIAN);
        }
        buffer.putBytes(rb + 28, hostMac);
        buffer.putInt(rb + 236, MAGIC, ByteOrder.BIG_ENDIAN);
        int o = rb + OPTIONS;
        o = option(buffer, o, 53, 1, answer);
        o = option(buffer, o, 54, 4, serverIp);
        if (answer != NAK)
        {
            final int mask = (int)(0xFFFF_FFFFL << (32 - prefix));
            o = option(buffer, o, 51, 4, leaseSeconds);
            o = option(buffer, o, 1, 4, mask);
            o = option(buffer, o, 26, 2, mtu);
            // classless static route (RFC 3442): the virtual subnet, on link
            final int significant = (prefix + 7) / 8;
            buffer.putByte(o, (byte)121);
            buffer.putByte(o + 1, (byte)(1 + significant + 4));
            buffer.putByte(o + 2, (byte)prefix);
            final int subnet = offered & mask;
            for (int i = 0; i < significant; i++)
            {
                buffer.putByte(o + 3 + i, (byte)(subnet >>> (24 - 8 * i)));
            }
            buffer.putInt(o + 3 + significant, 0);
            o += 3 + significant + 4;
            if (dns != 0)
            {
                o = option(buffer, o, 6, 4, dns);
            }
            if (domain.length > 0 && domain.length <= MAX_DOMAIN)
            {
                buffer.putByte(o, (byte)15);
                buffer.putByte(o + 1, (byte)domain.length);
                buffer.putBytes(o + 2, domain);
                o += 2 + domain.length;
            }
        }
        buffer.putByte(o, (byte)255);
        final int bootpReply = Math.max(300, o + 1 - rb); // padded to BOOTP's minimum

        final int udp = rip + 20;
        buffer.putShort(udp, (short)SERVER_PORT, ByteOrder.BIG_ENDIAN);
        buffer.putShort(udp + 2, (short)CLIENT_PORT, ByteOrder.BIG_ENDIAN);
        buffer.putShort(udp + 4, (short)(8 + bootpReply), ByteOrder.BIG_ENDIAN);
        buffer.putShort(udp + 6, (short)0);

        buffer.putByte(rip, (byte)0x45);
        buffer.putByte(rip + 1, (byte)0);
        buffer.putShort(rip + Ipv4.TOTAL_LENGTH_OFFSET, (short)(20 + 8 + bootpReply), ByteOrder.BIG_ENDIAN);
        buffer.putInt(rip + 4, 0);
        buffer.putByte(rip + 8, (byte)64);
        buffer.putByte(rip + Ipv4.PROTOCOL_OFFSET, (byte)17);
        buffer.putInt(rip + Ipv4.SOURCE_OFFSET, serverIp, ByteOrder.BIG_ENDIAN);
        buffer.putInt(rip + Ipv4.DESTINATION_OFFSET, -1);
        Checksum.writeIpv4Header(buffer, rip);

        for (int i = 0; i < 6; i++)
        {
            buffer.putByte(frame + Ethernet.DESTINATION_OFFSET + i, (byte)0xFF);
        }
        buffer.putBytes(frame + Ethernet.SOURCE_OFFSET, Ethernet.VIRTUAL_MAC);
        buffer.putShort(frame + Ethernet.ETHERTYPE_OFFSET, (short)Ethernet.ETHERTYPE_IPV4, ByteOrder.BIG_ENDIAN);
        return Ethernet.HEADER_LENGTH + 20 + 8 + bootpReply;
    }

    private static int option(final UnsafeBuffer buffer, final int at, final int code, final int length, final int value)
    {
        buffer.putByte(at, (byte)code);
        buffer.putByte(at + 1, (byte)length);
        if (length == 1)
        {
            buffer.putByte(at + 2, (byte)value);
        }
        else if (length == 2)
        {
            buffer.putShort(at + 2, (short)value, ByteOrder.BIG_ENDIAN);
        }
        else
        {
            buffer.putInt(at + 2, value, ByteOrder.BIG_ENDIAN);
        }
        return at + 2 + length;
    }
}
