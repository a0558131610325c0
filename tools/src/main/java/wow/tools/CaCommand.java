package wow.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.AtomicFile;
import wow.controlplane.security.CertificateAuthority;
import wow.controlplane.security.Keys;
import wow.controlplane.security.Pem;
import wow.controlplane.security.RevocationList;

/**
 * {@code wow ca init|sign|revoke}: the network's offline certificate authority, {@code wow cert
 * show} and {@code wow key}: what an admin runs to let hosts in. Main thread.
 */
final class CaCommand
{
    static final String HELP = String.join("\n",
        "usage: wow ca init --dir DIR --name NETWORK --subnet A.B.C.D/P [--days N]",
        "         create an offline network CA in DIR (its key never needs to be on a node)",
        "       wow ca sign --dir DIR --name HOST [--ip A.B.C.D/P | --pool A.B.C.D/P] [--groups a,b] [--relay]",
        "                   [--days N] [--public-key FILE] [--also-trust CA_CERT]... --out FILE",
        "         issue a node bundle: a new key pair (or the given public key), its certificate and the CA's;",
        "         no --ip or --pool: a router node with no virtual IP; --relay: may relay for others;",
        "         --also-trust: the node trusts that CA's members too (a CA rotation: the new CA's ca.crt)",
        "       wow ca revoke --dir DIR (--name HOST | --serial N) --out FILE",
        "         write the CA-signed revocation list (hand it to a member with wow revoke FILE)",
        "       wow revoke FILE [--state-dir DIR | --tap NAME]",
        "         hand a revocation list to a running member: it cuts off the revoked and spreads the list",
        "       wow cert show FILE      print the certificates in a bundle, certificate or revocation list",
        "       wow key --out FILE      make a node key pair (FILE, mode 600, and FILE.pub for ca sign --public-key)");

    private static final int DEFAULT_CA_DAYS = 3650;
    private static final int DEFAULT_NODE_DAYS = 365;
    private static final String PUBLIC_LABEL = "WOW PUBLIC KEY";
    private static final String RECORD_LABEL = "WOW RECORD KEY";

    private CaCommand()
    {
    }

    static int run(final String[] argv)
    {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h"))
        {
            System.out.println(HELP);
            return argv.length == 0 ? 2 : 0;
        }
        final String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        final long now = System.currentTimeMillis() / 1000;
        switch (argv[0])
        {
            case "init" -> init(rest, now);
            case "sign" -> sign(rest, now);
            case "revoke" -> revoke(rest, now);
            default -> throw new UsageException("unknown ca command '" + argv[0] + "'\n" + HELP);
        }
        return 0;
    }

    private static void init(final String[] argv, final long now)
    {
        final Args args = new Args(argv, Set.of("--dir", "--name", "--subnet", "--days"), Set.of(), Set.of());
        final Path dir = Path.of(required(args, "--dir"));
        final int[] subnet = NodeCommand.parsePrefixed(required(args, "--subnet"), "--subnet");
        final CertificateAuthority ca = CertificateAuthority.init(dir, name(required(args, "--name")), subnet[0] &
            mask(subnet[1]), subnet[1], args.getInt("--days", DEFAULT_CA_DAYS, 1, 36_500), now);
        System.out.println("wow: CA for network " + ca.certificate().name() + " (" + ca.certificate().addressText() +
            ") in " + dir + "; keep " + dir.resolve("ca.key") + " offline");
    }

    private static void sign(final String[] argv, final long now)
    {
        final Args args = new Args(argv, Set.of("--dir", "--name", "--ip", "--pool", "--groups", "--days", "--public-key",
            "--out", "--also-trust"), Set.of("--also-trust"), Set.of("--relay"));
        final CertificateAuthority ca = CertificateAuthority.open(Path.of(required(args, "--dir")));
        final Path out = Path.of(required(args, "--out"));
        if (args.has("--ip") && args.has("--pool"))
        {
            throw new UsageException("give --ip or --pool, not both");
        }
        final int kind = args.has("--ip") ? Certificate.ADDRESS_IP : args.has("--pool") ? Certificate.ADDRESS_POOL :
            Certificate.ADDRESS_NONE;
        final String option = kind == Certificate.ADDRESS_IP ? "--ip" : "--pool";
        final int[] address = kind == Certificate.ADDRESS_NONE ? new int[2] :
            NodeCommand.parsePrefixed(args.get(option, null), option);
        final List<String> groups = args.has("--groups") ? Arrays.stream(args.get("--groups", "").split(","))
            .map(String::strip).filter(g -> !g.isEmpty()).toList() : List.of();
        final byte[][] publicKey = args.has("--public-key") ? publicKey(Path.of(args.get("--public-key", null))) : null;
        final List<Certificate> alsoTrusted = new java.util.ArrayList<>();
        for (final String other : args.all("--also-trust"))
        {
            alsoTrusted.add(caCertificate(Path.of(other))); // before signing: a bad file issues nothing
        }
        final Bundle signed = ca.sign(name(required(args, "--name")), kind,
            kind == Certificate.ADDRESS_POOL ? address[0] & mask(address[1]) : address[0], address[1], groups,
            args.has("--relay"), args.getInt("--days", DEFAULT_NODE_DAYS, 1, 36_500), publicKey, now);
        final List<Certificate> trusted = new java.util.ArrayList<>(signed.trusted());
        trusted.addAll(alsoTrusted);
        final Bundle bundle = new Bundle(signed.certificate(), publicKey == null ? signed.privateKey() : null, trusted);
        write(out, bundle.encode(), publicKey == null);
        System.out.println("wow: issued " + bundle.certificate().name() + " (serial " + bundle.certificate().serial() +
            ", " + bundle.certificate().addressText() + ") to " + out + (publicKey == null ? " (holds its private key)" : ""));
    }

    private static void revoke(final String[] argv, final long now)
    {
        final Args args = new Args(argv, Set.of("--dir", "--name", "--serial", "--out"), Set.of(), Set.of());
        if (args.has("--name") == args.has("--serial"))
        {
            throw new UsageException("give --name HOST or --serial N");
        }
        final CertificateAuthority ca = CertificateAuthority.open(Path.of(required(args, "--dir")));
        final Path out = Path.of(required(args, "--out"));
        final long serial = args.has("--serial") ? parseSerial(args.get("--serial", null)) : -1;
        final RevocationList list = ca.revoke(args.get("--name", null), serial, now);
        write(out, "# WOW revocation list, version " + list.version() + "\n" +
            Pem.encode(RevocationList.PEM_LABEL, list.encoded()), false);
        System.out.println("wow: revocation list version " + list.version() + " (" + list.serials().length +
            " serials) in " + out + "; hand it to a member with: wow revoke " + out);
    }

    /** {@code wow cert show FILE}. */
    static int show(final String[] argv)
    {
        if (argv.length != 2 || !argv[0].equals("show"))
        {
            throw new UsageException("usage: wow cert show FILE");
        }
        final Path file = Path.of(argv[1]);
        final List<Pem.Block> blocks;
        try
        {
            blocks = Pem.decode(Files.readString(file));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        int shown = 0;
        for (final Pem.Block block : blocks)
        {
            try
            {
                if (block.label().equals(Certificate.PEM_LABEL))
                {
                    System.out.print(Certificate.decode(block.bytes()).describe());
                    shown++;
                }
                else if (block.label().equals(RevocationList.PEM_LABEL))
                {
                    final RevocationList list = RevocationList.decode(block.bytes());
                    System.out.println("revocation list version " + list.version() + ", revoked serials: " +
                        Arrays.toString(list.serials()));
                    shown++;
                }
                else if (block.label().equals(Bundle.KEY_LABEL))
                {
                    System.out.println("private key (not shown)");
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
            }
        }
        if (shown == 0)
        {
            throw new IllegalArgumentException(file + ": holds no certificate or revocation list");
        }
        return 0;
    }

    /**
     * {@code wow revoke FILE [--state-dir DIR | --tap NAME]}: hands a revocation list to a running
     * member, which takes it if it is newer and spreads it to every member.
     */
    static int revokeRunning(final String[] argv) throws InterruptedException
    {
        if (argv.length == 0 || argv[0].startsWith("--"))
        {
            throw new UsageException("usage: wow revoke FILE [--state-dir DIR | --tap NAME]");
        }
        final Path file = Path.of(argv[0]);
        final Args args = new Args(Arrays.copyOfRange(argv, 1, argv.length), Set.of("--state-dir", "--tap"), Set.of(), Set.of());
        final Path state = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final RevocationList list;
        try
        {
            list = RevocationStore.parse(file, Files.readString(file));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        if (!Files.isDirectory(state))
        {
            throw new IllegalArgumentException("no node state directory " + state + " (give the node's --state-dir or --tap)");
        }
        final Path dir = state.resolve(RevocationStore.DIR);
        final Path incoming = dir.resolve(RevocationStore.INCOMING + System.nanoTime() + ".crl");
        try
        {
            Files.createDirectories(dir);
            AtomicFile.write(incoming, Pem.encode(RevocationList.PEM_LABEL, list.encoded()));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(dir + ": " + ex.getMessage(), ex);
        }
        for (int i = 0; i < 50 && Files.exists(incoming); i++)
        {
            Thread.sleep(100);
        }
        if (Files.exists(incoming))
        {
            throw new IllegalStateException("the node did not pick the list up in 5 s: is it running with --cert?");
        }
        // the conductor takes it within a tick or two, and the node keeps it under its issuer's name;
        // a busy host may take longer, so wait for that file rather than for a fixed time
        final Path kept = dir.resolve(RevocationStore.fileName(list));
        for (int i = 0; i < 50; i++)
        {
            try
            {
                if (Files.exists(kept) && RevocationStore.parse(kept, Files.readString(kept)).version() >= list.version())
                {
                    System.out.println("wow: the node holds revocation list version " + list.version() +
                        "; it cuts off the revoked and passes the list on to every member");
                    return 0;
                }
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                // being written: read it again
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the node did not take " + file + ": not signed by a CA it trusts, or not newer " +
            "than the list it holds");
    }

    /** {@code wow key --out FILE}. */
    static int key(final String[] argv)
    {
        final Args args = new Args(argv, Set.of("--out"), Set.of(), Set.of());
        final Path out = Path.of(required(args, "--out"));
        final byte[] key = Keys.newAgreementKey();
        write(out, "# WOW node private key: keep it private\n" + Pem.encode(Bundle.KEY_LABEL, key), true);
        final Path pub = out.resolveSibling(out.getFileName() + ".pub");
        write(pub, Pem.encode(PUBLIC_LABEL, Keys.agreementPublic(key)) +
            Pem.encode(RECORD_LABEL, Keys.signingPublic(Keys.recordKey(key))), false);
        System.out.println("wow: key pair in " + out + "; give " + pub + " to the CA (wow ca sign --public-key " + pub + ")");
        return 0;
    }

    /** @return the CA certificate in a file (a CA directory's ca.crt). */
    private static Certificate caCertificate(final Path file)
    {
        try
        {
            for (final Pem.Block b : Pem.decode(Files.readString(file)))
            {
                if (b.label().equals(Certificate.PEM_LABEL))
                {
                    final Certificate c = Certificate.decode(b.bytes());
                    if (c.kind() == Certificate.KIND_CA && c.signedBy(c))
                    {
                        return c;
                    }
                }
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        throw new IllegalArgumentException(file + ": holds no CA certificate (a CA directory's ca.crt)");
    }

    /** @return the node's X25519 public key and its Ed25519 record key, from a {@code wow key} .pub file. */
    private static byte[][] publicKey(final Path file)
    {
        byte[] agreement = null;
        byte[] record = null;
        try
        {
            for (final Pem.Block b : Pem.decode(Files.readString(file)))
            {
                if (b.bytes().length == Keys.KEY_LENGTH && b.label().equals(PUBLIC_LABEL))
                {
                    agreement = b.bytes();
                }
                else if (b.bytes().length == Keys.KEY_LENGTH && b.label().equals(RECORD_LABEL))
                {
                    record = b.bytes();
                }
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        if (agreement == null)
        {
            throw new IllegalArgumentException(file + ": holds no " + PUBLIC_LABEL + " (make one with wow key --out FILE)");
        }
        if (record == null)
        {
            throw new IllegalArgumentException(file + ": holds no " + RECORD_LABEL + " (made by an older wow key: " +
                "run wow key --out FILE again on the host)");
        }
        return new byte[][] {agreement, record};
    }

    private static void write(final Path file, final String text, final boolean secret)
    {
        if (Files.exists(file))
        {
            throw new IllegalArgumentException(file + " exists: not overwriting it");
        }
        try
        {
            if (secret)
            {
                AtomicFile.writePrivate(file, text);
            }
            else
            {
                AtomicFile.write(file, text);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static String required(final Args args, final String name)
    {
        final String value = args.get(name, null);
        if (value == null)
        {
            throw new UsageException(name + " is required\n" + HELP);
        }
        return value;
    }

    private static String name(final String text)
    {
        if (!text.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,62}"))
        {
            throw new UsageException("bad name '" + text + "': letters, digits, dots and dashes, at most 63");
        }
        return text;
    }

    private static long parseSerial(final String text)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("bad --serial '" + text + "'");
        }
    }

    private static int mask(final int prefix)
    {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }
}
