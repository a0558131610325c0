package wow.controlplane.security;

import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import wow.dataplane.protocol.Ipv4;

/**
 * A WOW certificate: a network CA's self-signed one, or a node's, issued by a CA. It binds a
 * public key (Ed25519 for a CA, the node's static X25519 key for a node, and so its ring address)
 * and, for a node, the Ed25519 record key that signs its leases, to a name, the virtual addresses
 * allowed (a CA's subnet; a node's fixed IP, lease pool, or none for a router node), groups,
 * relay permission, a validity period and a serial. Immutable; any thread.
 *
 * <pre>
 * "WOWC" | version (1 CA, 2 node) | kind (1 CA, 2 node) | flags (1: relay) | 0
 * serial (8) | not before (8, epoch s) | not after (8)
 * public key (32) [| record key (32): a node's] | issuer: SHA-256 of the issuing CA's public key (32)
 * network (1 + UTF-8) | name (1 + UTF-8)
 * address kind (0 none, 1 IP, 2 pool, 3 subnet) [| address (4) | prefix (1)]
 * groups (1) then each (1 + UTF-8)
 * signature (64): Ed25519 by the issuer over all of the above
 * </pre>
 */
public final class Certificate
{
    public static final String PEM_LABEL = "WOW CERTIFICATE";
    public static final int KIND_CA = 1;
    public static final int KIND_NODE = 2;
    public static final int ADDRESS_NONE = 0;
    public static final int ADDRESS_IP = 1;
    public static final int ADDRESS_POOL = 2;
    public static final int ADDRESS_SUBNET = 3;
    public static final int MAX_LENGTH = 2048;
    /** A node certificate rides in each of its leases: at most this long. */
    public static final int MAX_NODE_LENGTH = 1024;
    private static final int FLAG_RELAY = 1;
    private static final byte[] MAGIC = {'W', 'O', 'W', 'C'};
    private static final int CA_VERSION = 1;
    /** Node certificates from version 2 on carry the record key. */
    private static final int NODE_VERSION = 2;
    private static final int MAX_TEXT = 64;
    private static final int MAX_GROUPS = 16;
    /** 9999-12-31T23:59:59Z: validity ends no later. */
    private static final long LAST_SECOND = 253_402_300_799L;

    private final int kind;
    private final boolean relay;
    private final long serial;
    private final long notBefore;
    private final long notAfter;
    private final byte[] publicKey;
    private final byte[] recordKey;
    private final byte[] issuer;
    private final String network;
    private final String name;
    private final int addressKind;
    private final int address;
    private final int prefix;
    private final List<String> groups;
    private final byte[] encoded;

    /** The fields of a certificate to be signed. */
    public record Fields(int kind, boolean relay, long serial, long notBefore, long notAfter, byte[] publicKey,
        byte[] recordKey, String network, String name, int addressKind, int address, int prefix, List<String> groups)
    {
    }

    private Certificate(final ByteBuffer in, final byte[] encoded)
    {
        final byte[] magic = new byte[4];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC))
        {
            throw new IllegalArgumentException("not a WOW certificate");
        }
        final int version = in.get();
        this.kind = in.get();
        if (kind != KIND_CA && kind != KIND_NODE)
        {
            throw new IllegalArgumentException("unknown certificate kind " + kind);
        }
        if (version != (kind == KIND_CA ? CA_VERSION : NODE_VERSION))
        {
            throw new IllegalArgumentException(kind == KIND_NODE && version == 1 ?
                "a node certificate from before record keys (version 1): issue it again with wow ca sign" :
                "certificate version " + version + " is not one this wow reads");
        }
        this.relay = (in.get() & FLAG_RELAY) != 0;
        in.get();
        this.serial = in.getLong();
        this.notBefore = in.getLong();
        this.notAfter = in.getLong();
        this.publicKey = bytes(in, Keys.KEY_LENGTH);
        this.recordKey = kind == KIND_NODE ? bytes(in, Keys.KEY_LENGTH) : publicKey;
        this.issuer = bytes(in, Keys.KEY_LENGTH);
        this.network = text(in, "network");
        this.name = text(in, "name");
        this.addressKind = in.get();
        if (addressKind < ADDRESS_NONE || addressKind > ADDRESS_SUBNET ||
            (addressKind == ADDRESS_SUBNET) != (kind == KIND_CA))
        {
            throw new IllegalArgumentException("address kind " + addressKind + " does not fit a certificate of kind " + kind);
        }
        this.address = addressKind == ADDRESS_NONE ? 0 : in.getInt();
        this.prefix = addressKind == ADDRESS_NONE ? 0 : in.get();
        if (prefix < 0 || prefix > 32 || (addressKind != ADDRESS_NONE && addressKind != ADDRESS_IP && prefix == 0))
        {
            throw new IllegalArgumentException("prefix length " + prefix + " out of range");
        }
        final int groupCount = in.get();
        if (groupCount < 0 || groupCount > MAX_GROUPS)
        {
            throw new IllegalArgumentException("more than " + MAX_GROUPS + " groups");
        }
        final List<String> g = new ArrayList<>();
        for (int i = 0; i < groupCount; i++)
        {
            g.add(text(in, "group"));
        }
        this.groups = List.copyOf(g);
        if (in.remaining() < Keys.SIGNATURE_LENGTH)
        {
            throw new IllegalArgumentException("certificate is truncated");
        }
        in.position(in.position() + Keys.SIGNATURE_LENGTH);
        if (in.hasRemaining())
        {
            throw new IllegalArgumentException(in.remaining() + " bytes after the signature");
        }
        if (notAfter < notBefore || notBefore < 0 || notAfter > LAST_SECOND)
        {
            throw new IllegalArgumentException("validity out of range");
        }
        this.encoded = encoded;
    }

    /**
     * Parses a certificate (its signature is checked by {@link #signedBy}).
     *
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static Certificate decode(final byte[] bytes)
    {
        if (bytes.length > MAX_LENGTH || bytes.length < Keys.SIGNATURE_LENGTH)
        {
            throw new IllegalArgumentException("a certificate of " + bytes.length + " bytes");
        }
        try
        {
            return new Certificate(ByteBuffer.wrap(bytes), bytes.clone());
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("certificate is truncated", ex);
        }
    }

    /** Encodes and signs a certificate with the issuer's Ed25519 private key. */
    public static Certificate sign(final Fields f, final byte[] issuerPrivate)
    {
        final ByteBuffer out = ByteBuffer.allocate(MAX_LENGTH);
        final boolean node = f.kind() == KIND_NODE;
        out.put(MAGIC).put((byte)(node ? NODE_VERSION : CA_VERSION)).put((byte)f.kind())
            .put((byte)(f.relay() ? FLAG_RELAY : 0)).put((byte)0);
        out.putLong(f.serial()).putLong(f.notBefore()).putLong(f.notAfter());
        if (f.publicKey().length != Keys.KEY_LENGTH || node && (f.recordKey() == null || f.recordKey().length != Keys.KEY_LENGTH))
        {
            throw new IllegalArgumentException("a node certificate needs a 32-byte public key and a 32-byte record key");
        }
        out.put(f.publicKey());
        if (node)
        {
            out.put(f.recordKey());
        }
        out.put(Keys.sha256(Keys.signingPublic(issuerPrivate)));
        putText(out, f.network());
        putText(out, f.name());
        out.put((byte)f.addressKind());
        if (f.addressKind() != ADDRESS_NONE)
        {
            out.putInt(f.address()).put((byte)f.prefix());
        }
        if (f.groups().size() > MAX_GROUPS)
        {
            throw new IllegalArgumentException("more than " + MAX_GROUPS + " groups");
        }
        out.put((byte)f.groups().size());
        f.groups().forEach(g -> putText(out, g));
        final byte[] body = Arrays.copyOf(out.array(), out.position());
        if (node && body.length + Keys.SIGNATURE_LENGTH > MAX_NODE_LENGTH)
        {
            throw new IllegalArgumentException("the certificate would be " + (body.length + Keys.SIGNATURE_LENGTH) +
                " bytes, a node's may be at most " + MAX_NODE_LENGTH + " (fewer or shorter groups)");
        }
        final byte[] signed = Arrays.copyOf(body, body.length + Keys.SIGNATURE_LENGTH);
        System.arraycopy(Keys.sign(issuerPrivate, body, body.length), 0, signed, body.length, Keys.SIGNATURE_LENGTH);
        return decode(signed);
    }

    private static void putText(final ByteBuffer out, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_TEXT)
        {
            throw new IllegalArgumentException("'" + text + "' is longer than " + MAX_TEXT + " bytes");
        }
        out.put((byte)bytes.length).put(bytes);
    }

    private static byte[] bytes(final ByteBuffer in, final int n)
    {
        final byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static String text(final ByteBuffer in, final String what)
    {
        final int n = in.get() & 0xFF;
        if (n > MAX_TEXT)
        {
            throw new IllegalArgumentException(what + " longer than " + MAX_TEXT + " bytes");
        }
        return new String(bytes(in, n), StandardCharsets.UTF_8);
    }

    /** @return true if the issuer fingerprint matches {@code ca} and the signature verifies with its key. */
    public boolean signedBy(final Certificate ca)
    {
        return ca.kind == KIND_CA && Keys.constantTimeEquals(issuer, ca.fingerprint()) &&
            Keys.verify(ca.publicKey, encoded, encoded.length - Keys.SIGNATURE_LENGTH,
                Arrays.copyOfRange(encoded, encoded.length - Keys.SIGNATURE_LENGTH, encoded.length));
    }

    /**
     * Checks a peer's node certificate.
     *
     * @param trusted the CA certificates this node trusts.
     * @param nowSeconds the time now, epoch seconds.
     * @param revoked the revocation lists known (may be empty).
     * @return null if it is valid, else why not (for counters and logs, never for the peer).
     */
    public String problem(final List<Certificate> trusted, final long nowSeconds, final List<RevocationList> revoked)
    {
        if (kind != KIND_NODE)
        {
            return "not a node certificate";
        }
        if (nowSeconds < notBefore || nowSeconds > notAfter)
        {
            return "expired or not yet valid";
        }
        for (final Certificate ca : trusted)
        {
            if (signedBy(ca))
            {
                if (nowSeconds > ca.notAfter)
                {
                    return "its CA expired";
                }
                for (final RevocationList list : revoked)
                {
                    if (list.revokes(this))
                    {
                        return "revoked";
                    }
                }
                return null;
            }
        }
        return "not issued by a trusted CA";
    }

    /** @return SHA-256 of the public key: how certificates and revocation lists name their CA. */
    public byte[] fingerprint()
    {
        return Keys.sha256(publicKey);
    }

    /**
     * @return the 20-byte ring address the certified key owns: the first 20 bytes of SHA-256 of a
     *         label and the key, so a node's place on the ring is bound to its certificate.
     */
    public byte[] ringAddress()
    {
        return ringAddressOf(publicKey);
    }

    /** @return the ring address a node with this X25519 public key owns (see {@link #ringAddress()}). */
    public static byte[] ringAddressOf(final byte[] publicKey)
    {
        final byte[] label = "WOW ring address".getBytes(StandardCharsets.US_ASCII);
        final byte[] input = Arrays.copyOf(label, label.length + publicKey.length);
        System.arraycopy(publicKey, 0, input, label.length, publicKey.length);
        return Arrays.copyOf(Keys.sha256(input), 20);
    }

    /** @return true if the certificate's allowed addresses include the virtual IP. */
    public boolean allows(final int ip)
    {
        if (addressKind == ADDRESS_NONE)
        {
            return false;
        }
        if (addressKind == ADDRESS_IP)
        {
            return ip == address;
        }
        final int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return (ip & mask) == (address & mask);
    }

    public int kind()
    {
        return kind;
    }

    public boolean relay()
    {
        return relay;
    }

    public long serial()
    {
        return serial;
    }

    public long notBefore()
    {
        return notBefore;
    }

    public long notAfter()
    {
        return notAfter;
    }

    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    /**
     * @return the Ed25519 key the certified node signs its leases and records with (a CA's: its
     *         public key).
     */
    public byte[] recordKey()
    {
        return recordKey.clone();
    }

    /** @return true if {@code key} is this certificate's record key (constant time). */
    public boolean hasRecordKey(final byte[] key)
    {
        return Keys.constantTimeEquals(recordKey, key);
    }

    public byte[] issuer()
    {
        return issuer.clone();
    }

    public String network()
    {
        return network;
    }

    public String name()
    {
        return name;
    }

    public int addressKind()
    {
        return addressKind;
    }

    public int address()
    {
        return address;
    }

    public int prefix()
    {
        return prefix;
    }

    public List<String> groups()
    {
        return groups;
    }

    public byte[] encoded()
    {
        return encoded.clone();
    }

    /** @return the addresses allowed as text: "10.1.0.5/16", "pool 10.1.0.0/16", or "none". */
    public String addressText()
    {
        final String a = Ipv4.toString(address) + "/" + prefix;
        return switch (addressKind)
        {
            case ADDRESS_IP, ADDRESS_SUBNET -> a;
            case ADDRESS_POOL -> "pool " + a;
            default -> "none";
        };
    }

    /** @return a multi-line description for {@code wow cert show}. */
    public String describe()
    {
        return (kind == KIND_CA ? "CA certificate" : "node certificate") + "\n" +
            "  name:        " + name + "\n" +
            "  network:     " + network + "\n" +
            "  serial:      " + serial + "\n" +
            "  " + (kind == KIND_CA ? "subnet:      " : "addresses:   ") + addressText() + "\n" +
            (kind == KIND_NODE ? "  groups:      " + (groups.isEmpty() ? "-" : String.join(",", groups)) + "\n" +
                "  relay:       " + (relay ? "yes" : "no") + "\n" : "") +
            "  valid:       " + Instant.ofEpochSecond(notBefore) + " to " + Instant.ofEpochSecond(notAfter) + "\n" +
            "  public key:  " + HexFormat.of().formatHex(publicKey) + "\n" +
            (kind == KIND_NODE ? "  record key:  " + HexFormat.of().formatHex(recordKey) + "\n" : "") +
            "  issuer:      " + HexFormat.of().formatHex(issuer, 0, 8) + "\n";
    }
}
