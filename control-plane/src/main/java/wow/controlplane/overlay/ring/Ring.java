package wow.controlplane.overlay.ring;

import java.math.BigInteger;
import java.util.HexFormat;

/**
 * Arithmetic on the 160-bit ring of addresses, for the control plane (the data plane has an
 * allocation-free version for transit). Addresses are 20-byte big-endian arrays. Stateless.
 */
public final class Ring
{
    public static final int ADDRESS_LENGTH = 20;
    public static final BigInteger SIZE = BigInteger.ONE.shiftLeft(160);
    public static final BigInteger HALF = SIZE.shiftRight(1);

    private Ring()
    {
    }

    public static BigInteger value(final byte[] address)
    {
        return new BigInteger(1, address);
    }

    /** @return the address of a value taken modulo the ring size. */
    public static byte[] address(final BigInteger value)
    {
        final byte[] raw = value.mod(SIZE).toByteArray();
        final byte[] out = new byte[ADDRESS_LENGTH];
        final int copy = Math.min(raw.length, ADDRESS_LENGTH);
        System.arraycopy(raw, raw.length - copy, out, ADDRESS_LENGTH - copy, copy);
        return out;
    }

    /** @return the clockwise distance from a to b: (b - a) mod 2^160. */
    public static BigInteger clockwise(final BigInteger a, final BigInteger b)
    {
        // addresses lie in [0, 2^160): one addition wraps the difference, no division needed
        final BigInteger d = b.subtract(a);
        if (d.signum() >= 0)
        {
            return d.compareTo(SIZE) < 0 ? d : d.mod(SIZE);
        }
        final BigInteger wrapped = d.add(SIZE);
        return wrapped.signum() >= 0 ? wrapped : d.mod(SIZE);
    }

    /** @return the ring distance, the shorter way round. */
    public static BigInteger distance(final BigInteger a, final BigInteger b)
    {
        final BigInteger d = clockwise(a, b);
        return d.compareTo(HALF) > 0 ? SIZE.subtract(d) : d;
    }

    /** @return the first 8 hex digits of an address, for logs. */
    public static String shortHex(final byte[] address)
    {
        return HexFormat.of().formatHex(address, 0, 4);
    }
}
