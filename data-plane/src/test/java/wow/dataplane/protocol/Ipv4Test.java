package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import wow.dataplane.port.Frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Ipv4Test
{
    @Test
    void parsesAndPrintsAddresses()
    {
        assertEquals(0x0A000102, Ipv4.parse("10.0.1.2"));
        assertEquals("255.0.1.2", Ipv4.toString(Ipv4.parse("255.0.1.2")));
        for (final String bad : new String[] {"10.0.1", "10.0.1.256", "a.b.c.d", "10..1.2", "1.2.3.4.5", "", "1.2.3.-1"})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(bad));
            assertEquals("bad IPv4 address '" + bad + "'", ex.getMessage());
        }
    }

    @Test
    void validatesHeaders()
    {
        final byte[] p = Frames.ipv4(1, 2, 60, 0);
        final UnsafeBuffer b = new UnsafeBuffer(p);
        assertEquals(60, Ipv4.validLength(b, 0, 60));
        assertEquals(60, Ipv4.validLength(b, 0, 100), "trailing padding is allowed");
        assertEquals(-1, Ipv4.validLength(b, 0, 59), "total length beyond the data");
        assertEquals(-1, Ipv4.validLength(b, 0, 19));
        p[0] = 0x44;
        assertEquals(-1, Ipv4.validLength(b, 0, 60), "IHL below 5");
        p[0] = 0x45;
        p[2] = 0;
        p[3] = 10;
        assertEquals(-1, Ipv4.validLength(b, 0, 60), "total length below the header");
        assertEquals(1, Ipv4.source(new UnsafeBuffer(Frames.ipv4(1, 2, 28, 0)), 0));
        assertEquals(2, Ipv4.destination(new UnsafeBuffer(Frames.ipv4(1, 2, 28, 0)), 0));
    }
}
