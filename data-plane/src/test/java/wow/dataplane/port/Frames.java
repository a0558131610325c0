package wow.dataplane.port;

import wow.dataplane.protocol.Ethernet;

import java.nio.ByteBuffer;

/**
 * Small packet builders for tests: Ethernet frames with IPv4 (UDP payload) or ARP inside, and
 * IPv4 packets. Allocates freely.
 */
public final class Frames
{
    public static final byte[] HOST_MAC = {0x0a, 0x00, 0x00, 0x00, 0x00, 0x01};

    private Frames()
    {
    }

    /** @return an IPv4/UDP packet of exactly {@code totalLength} bytes with a sequence number in its payload. */
    public static byte[] ipv4(final int source, final int destination, final int totalLength, final int sequence)
    {
        final ByteBuffer b = ByteBuffer.allocate(totalLength);
        b.put((byte)0x45).put((byte)0).putShort((short)totalLength).putShort((short)sequence).putShort((short)0x4000)
            .put((byte)64).put((byte)17).putShort((short)0).putInt(source).putInt(destination);
        b.putShort((short)1234).putShort((short)5678).putShort((short)(totalLength - 20)).putShort((short)0);
        if (totalLength >= 32)
        {
            b.putInt(sequence);
        }
        int i = b.position();
        while (i < totalLength)
        {
            b.put(i, (byte)(i * 31 + sequence));
            i++;
        }
        b.put(10, (byte)0).put(11, (byte)0);
        final int checksum = checksum(b.array(), 0, 20);
        b.putShort(10, (short)checksum);
        return b.array();
    }

    /** @return the packet inside an Ethernet frame from the host MAC to the virtual MAC. */
    public static byte[] ethernet(final byte[] ipv4)
    {
        return ethernet(ipv4, Ethernet.ETHERTYPE_IPV4);
    }

    public static byte[] ethernet(final byte[] payload, final int ethertype)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put(Ethernet.VIRTUAL_MAC).put(HOST_MAC).putShort((short)ethertype).put(payload);
        return b.array();
    }

    /** @return an ARP request frame from the host asking for {@code target}. */
    public static byte[] arpRequest(final int sender, final int target)
    {
        final ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(HOST_MAC).putShort((short)Ethernet.ETHERTYPE_ARP);
        b.putShort((short)1).putShort((short)0x0800).put((byte)6).put((byte)4).putShort((short)1);
        b.put(HOST_MAC).putInt(sender).put(new byte[6]).putInt(target);
        return b.array();
    }

    /** @return the ones'-complement checksum of a range. */
    public static int checksum(final byte[] bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int i = offset; i + 1 < offset + length; i += 2)
        {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        if ((length & 1) == 1)
        {
            sum += (bytes[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }
}
