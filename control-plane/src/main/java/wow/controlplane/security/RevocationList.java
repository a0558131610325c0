package wow.controlplane.security;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A CA-signed, versioned list of revoked certificate serials: members spread the newest version
 * they know of each CA's list, and refuse sessions with certificates it names. Immutable; any
 * thread.
 *
 * <pre>
 * "WOWR" | version=1 | 0 0 0 | issuer (32) | list version (8) | issued at (8, epoch s)
 * count (4) | serials (8 each, ascending) | signature (64)
 * </pre>
 */
public final class RevocationList
{
    public static final String PEM_LABEL = "WOW REVOCATION LIST";
    /**
     * Most serials a list holds: members spread it in one datagram. The CA leaves out serials of
     * certificates that have expired anyway.
     */
    public static final int MAX_SERIALS = 150;
    private static final byte[] MAGIC = {'W', 'O', 'W', 'R'};
    private static final int HEADER = 4 + 4 + 32 + 8 + 8 + 4;

    private final byte[] issuer;
    private final long version;
    private final long issuedAt;
    private final long[] serials;
    private final byte[] encoded;

    private RevocationList(final byte[] issuer, final long version, final long issuedAt, final long[] serials,
        final byte[] encoded)
    {
        this.issuer = issuer;
        this.version = version;
        this.issuedAt = issuedAt;
        this.serials = serials;
        this.encoded = encoded;
    }

    /** Encodes and signs a list with the CA's private key. */
    public static RevocationList sign(final long version, final long issuedAt, final long[] serials, final byte[] caPrivate)
    {
        final long[] sorted = Arrays.stream(serials).distinct().sorted().toArray();
        if (sorted.length > MAX_SERIALS)
        {
            throw new IllegalArgumentException("more than " + MAX_SERIALS + " revoked serials");
        }
        final ByteBuffer out = ByteBuffer.allocate(HEADER + sorted.length * 8 + Keys.SIGNATURE_LENGTH);
        out.put(MAGIC).put((byte)1).put((byte)0).put((byte)0).put((byte)0);
        out.put(Keys.sha256(Keys.signingPublic(caPrivate))).putLong(version).putLong(issuedAt).putInt(sorted.length);
        for (final long serial : sorted)
        {
            out.putLong(serial);
        }
        final byte[] signature = Keys.sign(caPrivate, out.array(), out.position());
        out.put(signature);
        return decode(out.array());
    }

    /**
     * Parses a list (its signature is checked by {@link #signedBy}).
     *
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static RevocationList decode(final byte[] bytes)
    {
        try
        {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final byte[] magic = new byte[4];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC) || in.getInt() != 0x01000000)
            {
                throw new IllegalArgumentException("not a WOW revocation list (version 1)");
            }
            final byte[] issuer = new byte[32];
            in.get(issuer);
            final long version = in.getLong();
            final long issuedAt = in.getLong();
            final int count = in.getInt();
            if (count < 0 || count > MAX_SERIALS || bytes.length != HEADER + count * 8L + Keys.SIGNATURE_LENGTH)
            {
                throw new IllegalArgumentException("revocation list length does not match its " + count + " serials");
            }
            final long[] serials = new long[count];
            for (int i = 0; i < count; i++)
            {
                serials[i] = in.getLong();
                if (i > 0 && serials[i] <= serials[i - 1])
                {
                    throw new IllegalArgumentException("revoked serials are not in ascending order");
                }
            }
            return new RevocationList(issuer, version, issuedAt, serials, bytes.clone());
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("revocation list is truncated", ex);
        }
    }

    /** @return true if the CA issued this list and its signature verifies. */
    public boolean signedBy(final Certificate ca)
    {
        final int body = encoded.length - Keys.SIGNATURE_LENGTH;
        return ca.kind() == Certificate.KIND_CA && Keys.constantTimeEquals(issuer, ca.fingerprint()) &&
            Keys.verify(ca.publicKey(), encoded, body, Arrays.copyOfRange(encoded, body, encoded.length));
    }

    /** @return true if this list comes from the certificate's issuer and names its serial. */
    public boolean revokes(final Certificate certificate)
    {
        return Arrays.equals(issuer, certificate.issuer()) && Arrays.binarySearch(serials, certificate.serial()) >= 0;
    }

    public byte[] issuer()
    {
        return issuer.clone();
    }

    public long version()
    {
        return version;
    }

    public long issuedAt()
    {
        return issuedAt;
    }

    public long[] serials()
    {
        return serials.clone();
    }

    public byte[] encoded()
    {
        return encoded.clone();
    }
}
