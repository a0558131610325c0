package wow.controlplane.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a node needs to be a member: its certificate, its static X25519 private key (from which its
 * Ed25519 record key is derived), and the CA
 * certificates it trusts (several during a CA rotation). Stored as one text file of armored
 * blocks, readable by its owner only when it holds the key; the key may also come from a separate
 * file ({@code wow key}, for a CA that signs a public key). Immutable; loaded by the thread that
 * wires the node.
 */
public final class Bundle
{
    public static final String KEY_LABEL = "WOW PRIVATE KEY";

    private final Certificate certificate;
    private final byte[] privateKey;
    private final List<Certificate> trusted;

    public Bundle(final Certificate certificate, final byte[] privateKey, final List<Certificate> trusted)
    {
        this.certificate = certificate;
        this.privateKey = privateKey == null ? null : privateKey.clone();
        this.trusted = List.copyOf(trusted);
    }

    /**
     * Loads and checks a bundle: the node certificate issued by a CA in it, the key matching it
     * and kept private, the certificate valid now.
     *
     * @param keyFile the private key's own file, or null if the bundle holds it.
     * @throws IllegalArgumentException one line naming the file and the problem.
     */
    public static Bundle load(final Path file, final Path keyFile, final long nowSeconds)
    {
        final List<Pem.Block> blocks = blocks(file);
        Certificate node = null;
        byte[] key = null;
        final List<Certificate> cas = new ArrayList<>();
        for (final Pem.Block block : blocks)
        {
            if (block.label().equals(KEY_LABEL))
            {
                key = keyBytes(file, block);
            }
            else if (block.label().equals(Certificate.PEM_LABEL))
            {
                final Certificate c = parse(file, block.bytes());
                if (c.kind() == Certificate.KIND_CA)
                {
                    cas.add(c);
                }
                else if (node != null)
                {
                    throw new IllegalArgumentException(file + ": holds more than one node certificate");
                }
                else
                {
                    node = c;
                }
            }
        }
        if (node == null || cas.isEmpty())
        {
            throw new IllegalArgumentException(file + ": a bundle needs a node certificate and a CA certificate" +
                " (make one with: wow ca sign --dir CA_DIR --name HOST --out FILE)");
        }
        if (keyFile != null)
        {
            if (key != null)
            {
                throw new IllegalArgumentException(file + ": holds a private key already; drop --key");
            }
            for (final Pem.Block block : blocks(keyFile))
            {
                if (block.label().equals(KEY_LABEL))
                {
                    key = keyBytes(keyFile, block);
                }
            }
        }
        if (key == null)
        {
            throw new IllegalArgumentException(file + ": holds no private key (give the key file with --key)");
        }
        requirePrivate(keyFile != null ? keyFile : file);
        if (!Keys.constantTimeEquals(Keys.agreementPublic(key), node.publicKey()) ||
            !node.hasRecordKey(Keys.signingPublic(Keys.recordKey(key))))
        {
            throw new IllegalArgumentException(file + ": the private key does not match the certificate");
        }
        final Certificate n = node;
        if (cas.stream().noneMatch(n::signedBy))
        {
            throw new IllegalArgumentException(file + ": the node certificate is not signed by any CA in the bundle");
        }
        if (nowSeconds > node.notAfter())
        {
            throw new IllegalArgumentException(file + ": the certificate expired at " + Instant.ofEpochSecond(node.notAfter()));
        }
        if (nowSeconds < node.notBefore())
        {
            throw new IllegalArgumentException(file + ": the certificate is valid only from " +
                Instant.ofEpochSecond(node.notBefore()));
        }
        return new Bundle(node, key, cas);
    }

    /** @return the certificate of the first block with that label in a file (cert show). */
    static List<Pem.Block> blocks(final Path file)
    {
        try
        {
            return Pem.decode(Files.readString(file, StandardCharsets.US_ASCII));
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException(file + ": no such file", ex);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalArgumentException(file + ": " + (ex.getMessage() == null ? "unreadable" : ex.getMessage()), ex);
        }
    }

    static Certificate parse(final Path file, final byte[] bytes)
    {
        try
        {
            return Certificate.decode(bytes);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static byte[] keyBytes(final Path file, final Pem.Block block)
    {
        if (block.bytes().length != Keys.KEY_LENGTH)
        {
            throw new IllegalArgumentException(file + ": the private key is not " + Keys.KEY_LENGTH + " bytes");
        }
        return block.bytes();
    }

    /** Refuses a key file that others than its owner may read. */
    static void requirePrivate(final Path file)
    {
        try
        {
            final Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ) ||
                p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE))
            {
                throw new IllegalArgumentException(file + ": holds a private key but others may read it (chmod 600 " +
                    file + ")");
            }
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new IllegalArgumentException(file + ": cannot read its permissions", ex);
        }
    }

    /** @return the bundle as text: the node certificate, the key if held, the CA certificates. */
    public String encode()
    {
        final StringBuilder out = new StringBuilder();
        out.append("# WOW node bundle: ").append(certificate.name()).append(" in network ").append(certificate.network())
            .append(privateKey != null ? "; holds a private key: keep it private\n" : "\n");
        out.append(Pem.encode(Certificate.PEM_LABEL, certificate.encoded()));
        if (privateKey != null)
        {
            out.append(Pem.encode(KEY_LABEL, privateKey));
        }
        trusted.forEach(ca -> out.append(Pem.encode(Certificate.PEM_LABEL, ca.encoded())));
        return out.toString();
    }

    public Certificate certificate()
    {
        return certificate;
    }

    /** @return the static X25519 private key (a copy; never log it). */
    public byte[] privateKey()
    {
        return privateKey.clone();
    }

    /** @return the Ed25519 record key's private seed, derived from the static key (never log it). */
    public byte[] recordPrivateKey()
    {
        return Keys.recordKey(privateKey);
    }

    public List<Certificate> trusted()
    {
        return trusted;
    }
}
