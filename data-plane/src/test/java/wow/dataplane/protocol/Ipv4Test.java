package wow.dataplane.protocol;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import wow.dataplane.port.Frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void saysWhichPacketsTheKernelMayAnswerWithinTheWrite()
    {
        assertFalse(answerable(17, 0, 0), "UDP: a process answers, later");
        assertTrue(answerable(6, 0, 0), "TCP: an ACK or more data may follow at once");
        assertTrue(answerable(1, 8, 0), "an ICMP echo request is answered by the kernel");
        assertTrue(answerable(1, 13, 0), "so is a timestamp request");
        assertFalse(answerable(1, 0, 0), "an echo reply is not answered");
        assertFalse(answerable(1, 3, 0), "nor an error");
        assertTrue(answerable(1, 0, 0x2000), "a fragment's type is not known: look");
        assertTrue(answerable(47, 0, 0), "other protocols: look");
        final byte[] bare = Frames.ipv4(1, 2, 28, 0);
        bare[9] = 1;
        bare[20] = 8;
        assertFalse(Ipv4.kernelMayAnswer(new UnsafeBuffer(bare), 0, 20), "an ICMP packet that ends with its IPv4 header");
    }

    private static boolean answerable(final int protocol, final int icmpType, final int fragmentBits)
    {
        final byte[] p = Frames.ipv4(1, 2, 28, 0);
        p[9] = (byte)protocol;
        p[20] = (byte)icmpType;
        p[6] = (byte)(fragmentBits >> 8);
        p[7] = (byte)fragmentBits;
        return Ipv4.kernelMayAnswer(new UnsafeBuffer(p), 0, 28);
    }
}
