package wow.controlplane.overlay.lease;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import wow.controlplane.identity.Identity;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Keys;

/**
 * Signs this node's lease operations with its record key and attaches the certificate that binds
 * that key (none on an insecure network). A secure node's record key is the one its certificate
 * names (derived from its bundle's key); an insecure node's is its identity key. Immutable; the
 * conductor thread calls it.
 */
public final class LeaseSigner
{
    private final byte[] publicKey;
    private final UnaryOperator<byte[]> sign;
    private final byte[] certificate;

    /**
     * @param publicKey   the raw 32-byte Ed25519 public key.
     * @param sign        makes the Ed25519 signature of a message with the matching private key.
     * @param certificate the encoded certificate binding the key (empty: none).
     */
    public LeaseSigner(final byte[] publicKey, final UnaryOperator<byte[]> sign, final byte[] certificate)
    {
        if (publicKey.length != Keys.KEY_LENGTH)
        {
            throw new IllegalArgumentException("a record key of " + publicKey.length + " bytes");
        }
        this.publicKey = publicKey.clone();
        this.sign = sign;
        this.certificate = certificate.clone();
    }

    /** @return a signer over a raw Ed25519 private key (its 32-byte seed). */
    public static LeaseSigner ofPrivateKey(final byte[] privateKey, final byte[] certificate)
    {
        final byte[] key = privateKey.clone();
        return new LeaseSigner(Keys.signingPublic(key), m -> Keys.sign(key, m, m.length), certificate);
    }

    /** @return an insecure node's signer: its identity key, no certificate. */
    public static LeaseSigner ofIdentity(final Identity identity)
    {
        return new LeaseSigner(identity.rawPublicKey(), identity::sign, new byte[0]);
    }

    /** @return the raw Ed25519 public key that verifies this signer's operations. */
    public byte[] publicKey()
    {
        return publicKey.clone();
    }

    /**
     * @return a signed operation on the lease of {@code ip}, in the role of a request (token 0) whose
     *         whole TTL is left.
     */
    public Messages.LeaseOp sign(final int op, final int ip, final int ttlSeconds, final long serial, final byte[] owner)
    {
        return sign(op, Leases.key(ip), ip, ttlSeconds, serial, owner);
    }

    /** @return a signed operation on the record of a host name ({@link Leases#nameKey}) naming the owner's IP. */
    public Messages.LeaseOp signName(final int op, final String name, final int ip, final int ttlSeconds, final long serial,
        final byte[] owner)
    {
        return sign(op, Leases.nameKey(name), ip, ttlSeconds, serial, owner);
    }

    private Messages.LeaseOp sign(final int op, final byte[] key, final int ip, final int ttlSeconds, final long serial,
        final byte[] owner)
    {
        final byte[] signature = sign.apply(Messages.leaseSigned(op, key, ttlSeconds, serial, owner, ip));
        return new Messages.LeaseOp(op, Messages.LEASE_REQUEST, 0, key, ttlSeconds, serial, Arrays.copyOf(owner, owner.length),
            ip, publicKey, certificate, signature, ttlSeconds);
    }
}
