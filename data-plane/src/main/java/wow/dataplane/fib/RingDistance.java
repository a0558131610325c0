package wow.dataplane.fib;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Distances on the 160-bit ring (both ways round, the shorter counts), computed without
 * allocation into the fields of a reusable instance. An instance belongs to one thread.
 * Addresses are 20 bytes, big-endian, read as three limbs: 64 + 64 + 32 bits.
 */
public final class RingDistance
{
    private long hi;
    private long mid;
    private long lo;

    /** Sets this to the ring distance between the addresses at {@code a[aOff]} and {@code b[bOff]}. */
    public RingDistance between(final UnsafeBuffer a, final int aOff, final UnsafeBuffer b, final int bOff)
    {
        final long ah = a.getLong(aOff, ByteOrder.BIG_ENDIAN);
        final long am = a.getLong(aOff + 8, ByteOrder.BIG_ENDIAN);
        final long al = a.getInt(aOff + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long bh = b.getLong(bOff, ByteOrder.BIG_ENDIAN);
        final long bm = b.getLong(bOff + 8, ByteOrder.BIG_ENDIAN);
        final long bl = b.getInt(bOff + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;

        // d1 = a - b (mod 2^160)
        long l1 = al - bl;
        long borrow = l1 < 0 ? 1 : 0;
        l1 &= 0xFFFF_FFFFL;
        final long m1 = am - bm - borrow;
        borrow = Long.compareUnsigned(am, bm) < 0 || (borrow == 1 && am == bm) ? 1 : 0;
        final long h1 = ah - bh - borrow;

        // d2 = b - a = 2^160 - d1 (or 0 when d1 is 0): negate the three limbs.
        long l2 = (-l1) & 0xFFFF_FFFFL;
        borrow = l1 != 0 ? 1 : 0;
        final long m2 = -m1 - borrow;
        borrow = m1 != 0 || borrow == 1 ? 1 : 0;
        final long h2 = -h1 - borrow;

        if (compare(h1, m1, l1, h2, m2, l2) <= 0)
        {
            hi = h1;
            mid = m1;
            lo = l1;
        }
        else
        {
            hi = h2;
            mid = m2;
            lo = l2;
        }
        return this;
    }

    /** @return negative, zero or positive as this distance is less than, equal to or more than other. */
    public int compareTo(final RingDistance other)
    {
        return compare(hi, mid, lo, other.hi, other.mid, other.lo);
    }

    /** Copies another distance into this one. */
    public void set(final RingDistance other)
    {
        hi = other.hi;
        mid = other.mid;
        lo = other.lo;
    }

    /** @return true if the distance is zero (the two addresses are equal). */
    public boolean isZero()
    {
        return hi == 0 && mid == 0 && lo == 0;
    }

    private static int compare(final long h1, final long m1, final long l1, final long h2, final long m2, final long l2)
    {
        int c = Long.compareUnsigned(h1, h2);
        if (c == 0)
        {
            c = Long.compareUnsigned(m1, m2);
            if (c == 0)
            {
                c = Long.compare(l1, l2);
            }
        }
        return c;
    }
}
