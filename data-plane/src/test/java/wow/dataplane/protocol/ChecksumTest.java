package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import wow.dataplane.port.Frames;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChecksumTest
{
    @Test
    void matchesTheByteWiseReferenceForEveryLengthAndAlignment()
    {
        final Random random = new Random(5);
        final byte[] bytes = new byte[3000];
        random.nextBytes(bytes);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        for (int length = 0; length < 200; length++)
        {
            for (int offset = 0; offset < 9; offset++)
            {
                final int reference = ~Frames.checksum(bytes, offset, length) & 0xFFFF;
                assertEquals(reference, Checksum.foldLittleEndian(Checksum.sumLittleEndian(buffer, offset, length)),
                    "length " + length + " offset " + offset);
            }
        }
        assertEquals(~Frames.checksum(bytes, 3, 2999 - 3) & 0xFFFF,
            Checksum.foldLittleEndian(Checksum.sumLittleEndian(buffer, 3, 2999 - 3)));
    }

    @Test
    void sumsOffHeapAndWrappedBuffersAlikeAndRefusesARangeOutside()
    {
        final Random random = new Random(7);
        final byte[] bytes = new byte[4096];
        random.nextBytes(bytes);
        final UnsafeBuffer direct = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(4096, 64));
        direct.putBytes(0, bytes);
        final UnsafeBuffer wrapped = new UnsafeBuffer(bytes, 5, 3000); // index 0 is byte 5
        for (final int length : new int[] {0, 1, 7, 15, 16, 17, 31, 33, 1388, 1399, 2997})
        {
            for (int offset = 0; offset < 3; offset++)
            {
                final int reference = ~Frames.checksum(bytes, offset, length) & 0xFFFF;
                assertEquals(reference, Checksum.foldLittleEndian(Checksum.sumLittleEndian(direct, offset, length)),
                    "direct, length " + length + " offset " + offset);
                final int shifted = ~Frames.checksum(bytes, 5 + offset, length) & 0xFFFF;
                assertEquals(shifted, Checksum.foldLittleEndian(Checksum.sumLittleEndian(wrapped, offset, length)),
                    "wrapped, length " + length + " offset " + offset);
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> Checksum.sumLittleEndian(wrapped, 2990, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> Checksum.sumLittleEndian(wrapped, -1, 4));
    }

    @Test
    void completesAPartialTcpChecksumAndWritesIpv4Ones()
    {
        final byte[] packet = Frames.tcp(Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.0.2"), 1, 2, 77, 0x18, new byte[333], 5);
        final int expected = Frames.tcpChecksum(packet);
        final UnsafeBuffer b = new UnsafeBuffer(packet);
        b.putShort(36, (short)Checksum.fold(Checksum.ipv4PseudoHeader(b, 0, 6, packet.length - 20)),
            java.nio.ByteOrder.BIG_ENDIAN);
        Checksum.complete(b, 20, packet.length - 20, 16);
        assertEquals(expected, b.getShort(36, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
        final int ipExpected = b.getShort(10, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
        Checksum.writeIpv4Header(b, 0);
        assertEquals(ipExpected, b.getShort(10, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }
}
