package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireHeaderTest
{
    @Test
    void dataAndControlHeadersRoundTrip()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
        WireHeader.writeLinkHeader(b, 4, WireHeader.TYPE_DATA, 0xDEADBEEF);
        assertEquals(WireHeader.TYPE_DATA, WireHeader.validType(b, 4, WireHeader.DATA_LENGTH));
        assertEquals(0xDEADBEEF, WireHeader.linkId(b, 4));
        assertEquals(0xDE, b.getByte(4 + WireHeader.LINK_ID_OFFSET) & 0xFF, "network byte order");
        WireHeader.writeLinkHeader(b, 0, WireHeader.TYPE_CONTROL, 7);
        assertEquals(WireHeader.TYPE_CONTROL, WireHeader.validType(b, 0, 12));
    }

    @Test
    void routedHeaderRoundTripsAndCountsHops()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
        final byte[] src = new byte[20];
        final byte[] dst = new byte[20];
        src[19] = 1;
        dst[0] = (byte)0xFF;
        WireHeader.writeRouted(b, 0, new UnsafeBuffer(src), new UnsafeBuffer(dst), 0, 30, WireHeader.DELIVERY_CLOSEST,
            WireHeader.PAYLOAD_CONTROL);
        assertEquals(WireHeader.TYPE_ROUTED, WireHeader.validType(b, 0, WireHeader.ROUTED_LENGTH));
        assertEquals(30, WireHeader.ttl(b, 0));
        assertEquals(WireHeader.DELIVERY_CLOSEST, WireHeader.delivery(b, 0));
        assertEquals(WireHeader.PAYLOAD_CONTROL, WireHeader.payloadType(b, 0));
        assertEquals(1, b.getByte(WireHeader.SOURCE_OFFSET + 19));
        assertEquals((byte)0xFF, b.getByte(WireHeader.DESTINATION_OFFSET));
        WireHeader.countHop(b, 0);
        assertEquals(29, WireHeader.ttl(b, 0));
        assertEquals(1, WireHeader.hops(b, 0));
    }

    @Test
    void rejectsTruncatedAndForeignHeaders()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
        WireHeader.writeLinkHeader(b, 0, WireHeader.TYPE_DATA, 1);
        assertEquals(0, WireHeader.validType(b, 0, WireHeader.DATA_LENGTH - 1));
        assertEquals(0, WireHeader.validType(b, 0, 0));
        WireHeader.writeCommon(b, 0, WireHeader.TYPE_ROUTED, 0);
        assertEquals(0, WireHeader.validType(b, 0, WireHeader.ROUTED_LENGTH - 1));
        WireHeader.writeCommon(b, 0, 9, 0);
        assertEquals(0, WireHeader.validType(b, 0, 64));
        b.putByte(0, (byte)2);
        assertEquals(0, WireHeader.validType(b, 0, 64));
    }

    @Test
    void randomInputNeverThrows()
    {
        final Random random = new Random(7);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[2048]);
        for (int i = 0; i < 100_000; i++)
        {
            final int len = random.nextInt(100);
            for (int k = 0; k < len; k++)
            {
                b.putByte(k, (byte)random.nextInt());
            }
            final int type = WireHeader.validType(b, 0, len);
            assertTrue(type >= 0 && type <= WireHeader.TYPE_SESSION);
            Ipv4.validLength(b, 0, len);
            Arp.isRequest(b, 0, len);
        }
    }
}
