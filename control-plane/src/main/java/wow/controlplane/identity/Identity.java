package wow.controlplane.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import wow.controlplane.security.AtomicFile;

/**
 * A node's identity: an Ed25519 key pair created on first start and kept in
 * {@code STATE_DIR/identity} (mode 600), and the 160-bit ring address derived from it (SHA-1 of
 * the encoded public key). The address is therefore stable across restarts and moves, and can
 * later be proven by a signature. Immutable; loaded by the thread that wires the node.
 *
 * <pre>
 * # WOW node identity: keep it private, it is this node's place on the ring
 * address=40 hex digits
 * public=base64 of the X.509 public key
 * private=base64 of the PKCS#8 private key
 * </pre>
 */
public final class Identity
{
    public static final String FILE_NAME = "identity";
    public static final int ADDRESS_LENGTH = 20;
    private static final String ALGORITHM = "Ed25519";

    private final KeyPair keys;
    private final byte[] address;

    private Identity(final KeyPair keys)
    {
        this.keys = keys;
        this.address = addressOf(keys.getPublic());
    }

    /** @return a new identity that is not stored anywhere (tests, simulations). */
    public static Identity generate()
    {
        try
        {
            return new Identity(KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK cannot generate " + ALGORITHM + " keys", ex);
        }
    }

    /**
     * Loads the identity of a state directory, creating and storing one on first use.
     *
     * @throws IllegalStateException naming the file and the problem if it exists but is unusable.
     */
    public static Identity loadOrCreate(final Path stateDir)
    {
        final Path file = stateDir.resolve(FILE_NAME);
        if (Files.exists(file))
        {
            return load(file);
        }
        final Identity identity = generate();
        identity.store(file);
        return identity;
    }

    private static Identity load(final Path file)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        try
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII))
            {
                final String trimmed = line.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#"))
                {
                    continue;
                }
                final int eq = trimmed.indexOf('=');
                if (eq <= 0)
                {
                    throw new IllegalStateException("identity file " + file + " is corrupt: bad line '" + trimmed + "'");
                }
                fields.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read identity file " + file + ": " + ex.getMessage());
        }
        for (final String key : new String[] {"address", "public", "private"})
        {
            if (!fields.containsKey(key))
            {
                throw new IllegalStateException("identity file " + file + " is corrupt: no " + key + "=");
            }
        }
        final Identity identity;
        try
        {
            final KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
            final PublicKey publicKey = factory.generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(fields.get("public"))));
            final PrivateKey privateKey = factory.generatePrivate(
                new PKCS8EncodedKeySpec(Base64.getDecoder().decode(fields.get("private"))));
            identity = new Identity(new KeyPair(publicKey, privateKey));
            final byte[] probe = "wow identity check".getBytes(StandardCharsets.US_ASCII);
            if (!verify(probe, identity.sign(probe), publicKey))
            {
                throw new IllegalStateException("identity file " + file + " is corrupt: the keys do not belong together");
            }
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            throw new IllegalStateException("identity file " + file + " is corrupt: " + ex.getMessage());
        }
        if (!identity.addressHex().equals(fields.get("address")))
        {
            throw new IllegalStateException("identity file " + file + " is corrupt: address does not match the public key");
        }
        return identity;
    }

    private void store(final Path file)
    {
        final String text = "# WOW node identity: keep it private, it is this node's place on the ring\n" +
            "address=" + addressHex() + "\n" +
            "public=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()) + "\n" +
            "private=" + Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded()) + "\n";
        try
        {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFile.writePrivate(file, text);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot store identity file " + file + ": " + ex.getMessage());
        }
    }

    /** @return the SHA-1 of an encoded public key: the ring address it owns. */
    public static byte[] addressOf(final PublicKey key)
    {
        try
        {
            return MessageDigest.getInstance("SHA-1").digest(key.getEncoded());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("SHA-1 is missing from this JDK", ex);
        }
    }

    /** @return a copy of the 20-byte ring address. */
    public byte[] address()
    {
        return address.clone();
    }

    /** @return the ring address as 40 hex digits. */
    public String addressHex()
    {
        return HexFormat.of().formatHex(address);
    }

    public PublicKey publicKey()
    {
        return keys.getPublic();
    }

    /** @return the raw 32-byte Ed25519 public key (RFC 8032): the tail of its X.509 encoding. */
    public byte[] rawPublicKey()
    {
        final byte[] encoded = keys.getPublic().getEncoded();
        return java.util.Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    /** Signs data with this identity's private key. */
    public byte[] sign(final byte[] data)
    {
        try
        {
            final Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(keys.getPrivate());
            signature.update(data);
            return signature.sign();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot sign with " + ALGORITHM, ex);
        }
    }

    /** @return true if {@code signature} is {@code key}'s signature of data. */
    public static boolean verify(final byte[] data, final byte[] signature, final PublicKey key)
    {
        try
        {
            final Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        }
        catch (final GeneralSecurityException ex)
        {
            return false;
        }
    }
}
