package wow.controlplane.session;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Noise framework's SymmetricState (revision 34, section 5.2) with SHA-256 and AES-256-GCM
 * from the JDK's providers: the chaining key, the handshake hash, and the cipher state that
 * encrypts handshake payloads once a key is mixed in. Used by one {@link NoiseHandshake}, on the
 * conductor thread.
 */
final class SymmetricState
{
    static final int HASH_LENGTH = 32;
    static final int TAG_LENGTH = 16;

    private byte[] ck;
    private byte[] h;
    private byte[] k;
    private long n;

    SymmetricState(final String protocolName)
    {
        final byte[] name = protocolName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        h = name.length <= HASH_LENGTH ? Arrays.copyOf(name, HASH_LENGTH) : sha256(name);
        ck = h.clone();
    }

    void mixHash(final byte[] data)
    {
        final MessageDigest d = digest();
        d.update(h);
        d.update(data);
        h = d.digest();
    }

    void mixKey(final byte[] inputKeyMaterial)
    {
        final byte[][] out = hkdf(ck, inputKeyMaterial);
        ck = out[0];
        k = out[1];
        n = 0;
    }

    byte[] encryptAndHash(final byte[] plaintext)
    {
        try
        {
            final byte[] c = k == null ? plaintext.clone() : aead(Cipher.ENCRYPT_MODE, plaintext);
            mixHash(c);
            return c;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("AES-256-GCM failed to encrypt", ex);
        }
    }

    /** @throws GeneralSecurityException if the ciphertext does not authenticate. */
    byte[] decryptAndHash(final byte[] ciphertext) throws GeneralSecurityException
    {
        final byte[] p = k == null ? ciphertext.clone() : aead(Cipher.DECRYPT_MODE, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    /** @return the two transport keys: the initiator's sending key first. */
    byte[][] split()
    {
        return hkdf(ck, new byte[0]);
    }

    boolean hasKey()
    {
        return k != null;
    }

    byte[] handshakeHash()
    {
        return h.clone();
    }

    private byte[] aead(final int mode, final byte[] input) throws GeneralSecurityException
    {
        final byte[] nonce = new byte[12];
        for (int i = 0; i < 8; i++)
        {
            nonce[4 + i] = (byte)(n >>> (56 - 8 * i));
        }
        final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(k, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        cipher.updateAAD(h);
        final byte[] out = cipher.doFinal(input);
        n++;
        return out;
    }

    private static byte[][] hkdf(final byte[] chainingKey, final byte[] ikm)
    {
        final byte[] temp = hmac(chainingKey, ikm);
        final byte[] out1 = hmac(temp, new byte[] {1});
        final byte[] in2 = Arrays.copyOf(out1, HASH_LENGTH + 1);
        in2[HASH_LENGTH] = 2;
        final byte[] out2 = hmac(temp, in2);
        Arrays.fill(temp, (byte)0);
        return new byte[][] {out1, out2};
    }

    private static byte[] hmac(final byte[] key, final byte[] data)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("no HmacSHA256 in this JDK", ex);
        }
    }

    private static MessageDigest digest()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("no SHA-256 in this JDK", ex);
        }
    }

    private static byte[] sha256(final byte[] data)
    {
        return digest().digest(data);
    }
}
