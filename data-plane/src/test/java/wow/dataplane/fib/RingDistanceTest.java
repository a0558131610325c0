package wow.dataplane.fib;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingDistanceTest
{
    static final BigInteger RING = BigInteger.ONE.shiftLeft(160);

    static BigInteger distance(final byte[] a, final byte[] b)
    {
        final BigInteger d = new BigInteger(1, a).subtract(new BigInteger(1, b)).mod(RING);
        return d.min(RING.subtract(d).mod(RING));
    }

    static byte[] random(final Random r)
    {
        final byte[] a = new byte[20];
        r.nextBytes(a);
        // sometimes share a long prefix, so the low limbs decide
        if (r.nextInt(4) == 0)
        {
            a[0] = 0x55;
            a[1] = 0x55;
            for (int i = 2; i < 16; i++)
            {
                a[i] = 0;
            }
        }
        return a;
    }

    @Test
    void ordersDistancesExactlyAsBigIntegerArithmetic()
    {
        final Random r = new Random(3);
        final RingDistance x = new RingDistance();
        final RingDistance y = new RingDistance();
        for (int i = 0; i < 50_000; i++)
        {
            final byte[] a = random(r);
            final byte[] b = random(r);
            final byte[] c = random(r);
            x.between(new UnsafeBuffer(a), 0, new UnsafeBuffer(c), 0);
            y.between(new UnsafeBuffer(b), 0, new UnsafeBuffer(c), 0);
            assertEquals(Integer.signum(distance(a, c).compareTo(distance(b, c))), Integer.signum(x.compareTo(y)));
        }
    }

    @Test
    void wrapsAroundTheRing()
    {
        final byte[] zero = new byte[20];
        final byte[] max = new byte[20];
        java.util.Arrays.fill(max, (byte)0xFF);
        final byte[] half = new byte[20];
        half[0] = (byte)0x80;
        final RingDistance d1 = new RingDistance().between(new UnsafeBuffer(zero), 0, new UnsafeBuffer(max), 0);
        final RingDistance d2 = new RingDistance().between(new UnsafeBuffer(zero), 0, new UnsafeBuffer(half), 0);
        assertTrue(d1.compareTo(d2) < 0, "0 and 2^160-1 are neighbours");
        assertTrue(new RingDistance().between(new UnsafeBuffer(max), 0, new UnsafeBuffer(max), 0).isZero());
    }
}
