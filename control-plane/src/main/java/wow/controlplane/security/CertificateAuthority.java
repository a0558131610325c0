package wow.controlplane.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An offline network CA kept in a directory: {@code ca.key} (its Ed25519 key, mode 600),
 * {@code ca.crt}, {@code serial} (the next serial), {@code issued} (one line per certificate:
 * serial, name, expiry) and {@code revoked} (revoked serials, the list's version first). Its
 * private key never needs to be on a node. Called by the thread running a {@code wow ca} command.
 */
public final class CertificateAuthority
{
    public static final String CA_KEY_LABEL = "WOW CA PRIVATE KEY";
    private static final long DAY = 86_400;

    private final Path dir;
    private final Certificate certificate;
    private final byte[] privateKey;

    private CertificateAuthority(final Path dir, final Certificate certificate, final byte[] privateKey)
    {
        this.dir = dir;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** Creates a CA in a new or empty directory. */
    public static CertificateAuthority init(final Path dir, final String network, final int subnet, final int prefix,
        final int days, final long nowSeconds)
    {
        if (Files.exists(dir.resolve("ca.key")))
        {
            throw new IllegalArgumentException(dir + " holds a CA already (ca.key)");
        }
        final byte[] key = Keys.newSigningKey();
        final Certificate ca = Certificate.sign(new Certificate.Fields(Certificate.KIND_CA, false, 0, nowSeconds - 60,
            nowSeconds + days * DAY, Keys.signingPublic(key), null, network, network, Certificate.ADDRESS_SUBNET, subnet, prefix,
            List.of()), key);
        try
        {
            Files.createDirectories(dir);
            AtomicFile.writePrivate(dir.resolve("ca.key"), "# WOW network CA key for " + network + ": keep it offline\n" +
                Pem.encode(CA_KEY_LABEL, key));
            AtomicFile.write(dir.resolve("ca.crt"), Pem.encode(Certificate.PEM_LABEL, ca.encoded()));
            AtomicFile.write(dir.resolve("serial"), "1\n");
            AtomicFile.write(dir.resolve("issued"), "");
            AtomicFile.write(dir.resolve("revoked"), "0\n");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(dir + ": " + ex.getMessage(), ex);
        }
        return new CertificateAuthority(dir, ca, key);
    }

    /** Opens an existing CA directory. */
    public static CertificateAuthority open(final Path dir)
    {
        if (!Files.isRegularFile(dir.resolve("ca.key")))
        {
            throw new IllegalArgumentException(dir + " holds no CA (make one with: wow ca init --dir " + dir + " ...)");
        }
        Bundle.requirePrivate(dir.resolve("ca.key"));
        byte[] key = null;
        for (final Pem.Block b : Bundle.blocks(dir.resolve("ca.key")))
        {
            if (b.label().equals(CA_KEY_LABEL) && b.bytes().length == Keys.KEY_LENGTH)
            {
                key = b.bytes();
            }
        }
        if (key == null)
        {
            throw new IllegalArgumentException(dir.resolve("ca.key") + ": holds no CA private key");
        }
        Certificate ca = null;
        for (final Pem.Block b : Bundle.blocks(dir.resolve("ca.crt")))
        {
            if (b.label().equals(Certificate.PEM_LABEL))
            {
                ca = Bundle.parse(dir.resolve("ca.crt"), b.bytes());
            }
        }
        if (ca == null || !Keys.constantTimeEquals(ca.publicKey(), Keys.signingPublic(key)))
        {
            throw new IllegalArgumentException(dir.resolve("ca.crt") + ": not the certificate of ca.key");
        }
        return new CertificateAuthority(dir, ca, key);
    }

    /**
     * Issues a node certificate.
     *
     * @param publicKey the node's X25519 public key and its Ed25519 record key ({@code wow key}), or null
     *                  to make a new key pair (then the bundle holds it).
     * @param addressKind {@link Certificate#ADDRESS_IP}, {@link Certificate#ADDRESS_POOL} or {@link Certificate#ADDRESS_NONE}.
     */
    public Bundle sign(final String name, final int addressKind, final int address, final int prefix,
        final List<String> groups, final boolean relay, final int days, final byte[][] publicKey, final long nowSeconds)
    {
        if (addressKind != Certificate.ADDRESS_NONE && (prefix < certificate.prefix() || !certificate.allows(address)))
        {
            throw new IllegalArgumentException("address outside the network's subnet " + certificate.addressText());
        }
        if (days <= 0)
        {
            throw new IllegalArgumentException("--days must be positive");
        }
        final byte[] key = publicKey == null ? Keys.newAgreementKey() : null;
        final long serial = nextSerial();
        final long notAfter = Math.min(certificate.notAfter(), nowSeconds + days * DAY);
        final Certificate node = Certificate.sign(new Certificate.Fields(Certificate.KIND_NODE, relay, serial,
            nowSeconds - 60, notAfter, publicKey == null ? Keys.agreementPublic(key) : publicKey[0],
            publicKey == null ? Keys.signingPublic(Keys.recordKey(key)) : publicKey[1], certificate.network(),
            name, addressKind, address, prefix, groups), privateKey);
        append(dir.resolve("issued"), serial + " " + name + " " + notAfter + "\n");
        return new Bundle(node, key, List.of(certificate));
    }

    /**
     * Revokes the certificates issued to a name, or one serial, and returns the new signed list
     * (without the serials of certificates that have expired).
     *
     * @return the list, version one above the last.
     */
    public RevocationList revoke(final String name, final long serial, final long nowSeconds)
    {
        final List<Long> serials = new ArrayList<>();
        final List<String> revoked = lines(dir.resolve("revoked"));
        final long version = revoked.isEmpty() ? 1 : Long.parseLong(revoked.get(0).strip()) + 1;
        for (int i = 1; i < revoked.size(); i++)
        {
            serials.add(Long.parseLong(revoked.get(i).strip()));
        }
        int matched = 0;
        final java.util.Map<Long, Long> expiry = new java.util.HashMap<>();
        for (final String line : lines(dir.resolve("issued")))
        {
            final String[] f = line.strip().split(" ");
            if (f.length >= 3)
            {
                expiry.put(Long.parseLong(f[0]), Long.parseLong(f[2]));
            }
            if (f.length >= 2 && (f[1].equals(name) || Long.parseLong(f[0]) == serial))
            {
                serials.add(Long.parseLong(f[0]));
                matched++;
            }
        }
        // a certificate that expired is refused anyway: its serial need not travel any more
        serials.removeIf(s -> expiry.getOrDefault(s, Long.MAX_VALUE) < nowSeconds);
        if (matched == 0)
        {
            throw new IllegalArgumentException("this CA issued no certificate " +
                (name != null ? "named " + name : "with serial " + serial));
        }
        final RevocationList list = RevocationList.sign(version, nowSeconds,
            serials.stream().mapToLong(Long::longValue).toArray(), privateKey);
        final StringBuilder out = new StringBuilder().append(version).append('\n');
        for (final long s : list.serials())
        {
            out.append(s).append('\n');
        }
        try
        {
            AtomicFile.write(dir.resolve("revoked"), out.toString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return list;
    }

    public Certificate certificate()
    {
        return certificate;
    }

    private long nextSerial()
    {
        final Path file = dir.resolve("serial");
        final List<String> lines = lines(file);
        final long serial = lines.isEmpty() ? 1 : Long.parseLong(lines.get(0).strip());
        try
        {
            AtomicFile.write(file, (serial + 1) + "\n");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return serial;
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static void append(final Path file, final String text)
    {
        try
        {
            Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file + ": " + ex.getMessage(), ex);
        }
    }
}
