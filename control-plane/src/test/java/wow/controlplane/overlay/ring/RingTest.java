package wow.controlplane.overlay.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Ring arithmetic: the clockwise distance is (b − a) mod 2^160 for any two values, on the ring or off it. */
class RingTest
{
    @Test
    void clockwiseIsTheDifferenceModuloTheRing()
    {
        final Random random = new Random(7);
        final BigInteger[] edges = {BigInteger.ZERO, BigInteger.ONE, Ring.HALF, Ring.HALF.subtract(BigInteger.ONE),
            Ring.SIZE.subtract(BigInteger.ONE), Ring.SIZE, Ring.SIZE.add(BigInteger.TEN), BigInteger.valueOf(-3),
            Ring.SIZE.negate().subtract(BigInteger.TWO)};
        for (final BigInteger a : edges)
        {
            for (final BigInteger b : edges)
            {
                assertEquals(b.subtract(a).mod(Ring.SIZE), Ring.clockwise(a, b), a + " -> " + b);
            }
        }
        for (int i = 0; i < 100_000; i++)
        {
            final BigInteger a = new BigInteger(160, random);
            final BigInteger b = random.nextInt(10) == 0 ? a : new BigInteger(160, random);
            final BigInteger cw = b.subtract(a).mod(Ring.SIZE);
            assertEquals(cw, Ring.clockwise(a, b));
            assertEquals(cw.min(Ring.SIZE.subtract(cw)), Ring.distance(a, b));
        }
    }
}
