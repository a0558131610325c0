package wow.controlplane.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The key operations membership needs, over BouncyCastle's RFC 7748/8032 code (measured 7 to 8
 * times faster than the JDK's providers here): Ed25519 key pairs and signatures for the CA,
 * X25519 key pairs and agreement for nodes, a node's Ed25519 record key derived from its X25519 key
 * (HKDF-SHA-256, RFC 5869), SHA-256 fingerprints. Stateless; any thread.
 */
public final class Keys
{
    public static final int KEY_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys()
    {
    }

    /** @return a new Ed25519 private key (its 32-byte seed). */
    public static byte[] newSigningKey()
    {
        final byte[] key = new byte[Ed25519.SECRET_KEY_SIZE];
        Ed25519.generatePrivateKey(RANDOM, key);
        return key;
    }

    /** @return the Ed25519 public key of a private key. */
    public static byte[] signingPublic(final byte[] privateKey)
    {
        final byte[] key = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(privateKey, 0, key, 0);
        return key;
    }

    public static byte[] sign(final byte[] privateKey, final byte[] message, final int length)
    {
        final byte[] signature = new byte[SIGNATURE_LENGTH];
        Ed25519.sign(privateKey, 0, message, 0, length, signature, 0);
        return signature;
    }

    /** @return true if {@code signature} over the first {@code length} bytes of {@code message} verifies. */
    public static boolean verify(final byte[] publicKey, final byte[] message, final int length, final byte[] signature)
    {
        try
        {
            return Ed25519.verify(signature, 0, publicKey, 0, message, 0, length);
        }
        catch (final RuntimeException ex)
        {
            return false; // a malformed point
        }
    }

    /**
     * @return a node's Ed25519 record key (private, the 32-byte seed) derived from its static X25519
     *         private key by HKDF-SHA-256 with its own label, so one secret in a bundle or key file
     *         gives both, and neither key tells anything about the other.
     */
    public static byte[] recordKey(final byte[] agreementPrivate)
    {
        final HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(agreementPrivate, null, "WOW record key v1".getBytes(StandardCharsets.US_ASCII)));
        final byte[] key = new byte[Ed25519.SECRET_KEY_SIZE];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /** @return a new X25519 private key. */
    public static byte[] newAgreementKey()
    {
        final byte[] key = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(RANDOM, key);
        return key;
    }

    /** @return the X25519 public key of a private key. */
    public static byte[] agreementPublic(final byte[] privateKey)
    {
        final byte[] key = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, key, 0);
        return key;
    }

    /**
     * Computes an X25519 shared secret into {@code out}.
     *
     * @return false if the peer's key is a low-order point (the result would be all zeros).
     */
    public static boolean agree(final byte[] privateKey, final byte[] peerPublic, final byte[] out)
    {
        return X25519.calculateAgreement(privateKey, 0, peerPublic, 0, out, 0);
    }

    /** @return SHA-256 of the bytes. */
    public static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("no SHA-256 in this JDK", ex);
        }
    }

    /** @return true if the arrays are equal, in time that depends only on their lengths. */
    public static boolean constantTimeEquals(final byte[] a, final byte[] b)
    {
        return MessageDigest.isEqual(a, b);
    }

    /** @return {@code n} bytes from the CSPRNG. */
    public static byte[] random(final int n)
    {
        final byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** @return a random int from the CSPRNG (session indices). */
    public static int randomInt()
    {
        return RANDOM.nextInt();
    }
}
