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

    /**
     * @return an IPv4/TCP segment (valid IPv4 and TCP checksums) with a 12-byte timestamp option
     *         when {@code tsval} is not 0.
     */
    public static byte[] tcp(
        final int source, final int destination, final int sourcePort, final int destinationPort, final long seq,
        final int flags, final byte[] payload, final int tsval)
    {
        final int tcpHeader = tsval != 0 ? 32 : 20;
        final int total = 20 + tcpHeader + payload.length;
        final ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte)0x45).put((byte)0).putShort((short)total).putShort((short)(seq & 0xFFFF)).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(source).putInt(destination);
        b.putShort((short)sourcePort).putShort((short)destinationPort).putInt((int)seq).putInt(12345)
            .put((byte)((tcpHeader / 4) << 4)).put((byte)flags).putShort((short)501).putShort((short)0).putShort((short)0);
        if (tsval != 0)
        {
            b.put((byte)1).put((byte)1).put((byte)8).put((byte)10).putInt(tsval).putInt(777);
        }
        b.put(payload);
        final byte[] p = b.array();
        final int ipSum = checksum(p, 0, 20);
        p[10] = (byte)(ipSum >>> 8);
        p[11] = (byte)ipSum;
        final int tcpSum = tcpChecksum(p);
        p[36] = (byte)(tcpSum >>> 8);
        p[37] = (byte)tcpSum;
        return p;
    }

    /** @return the TCP checksum of an IPv4/TCP packet whose checksum field is taken as zero. */
    public static int tcpChecksum(final byte[] ipv4)
    {
        final int tcpLength = ipv4.length - 20;
        final byte[] pseudo = new byte[12 + tcpLength];
        System.arraycopy(ipv4, 12, pseudo, 0, 8);
        pseudo[9] = 6;
        pseudo[10] = (byte)(tcpLength >>> 8);
        pseudo[11] = (byte)tcpLength;
        System.arraycopy(ipv4, 20, pseudo, 12, tcpLength);
        pseudo[12 + 16] = 0;
        pseudo[12 + 17] = 0;
        return checksum(pseudo, 0, pseudo.length);
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
