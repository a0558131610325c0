package wow.controlplane.session;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import wow.controlplane.LruMap;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.Keys;

/**
 * A secure network's {@link LeaseAuthority}: a lease operation counts only with its owner's node
 * certificate, issued by a CA this node trusts, valid now and not revoked, naming the record key
 * that signed the operation and the ring address it holds the IP for, and allowing that IP (its
 * fixed IP, or an address of its pool); an operation on a host name's record only if the
 * certificate bears that name. A certificate for one fixed IP issued after the one whose
 * lease holds the address takes it over. Certificates whose CA signature checked out are cached
 * ({@link #CACHE}, least recently used out), so a renewal costs one Ed25519 check (its own
 * signature), not two. Owned by the conductor thread.
 */
public final class CertifiedLeases implements LeaseAuthority
{
    /** Certificates remembered as issued by a trusted CA. */
    public static final int CACHE = 1_024;

    private final List<Certificate> trusted;
    private final Revocations revocations;
    private final LongSupplier epochSeconds;
    private final Map<ByteBuffer, Certificate> issued = new LruMap<>(CACHE);

    /**
     * @param trusted      the CA certificates this node trusts.
     * @param revocations  the revocation lists it holds (may be null: none).
     * @param epochSeconds the time now.
     */
    public CertifiedLeases(final List<Certificate> trusted, final Revocations revocations, final LongSupplier epochSeconds)
    {
        this.trusted = List.copyOf(trusted);
        this.revocations = revocations;
        this.epochSeconds = epochSeconds;
    }

    @Override
    public boolean pooled(final Messages.LeaseOp op)
    {
        final Certificate c = certificate(op.certificate());
        return c != null && c.addressKind() == Certificate.ADDRESS_POOL;
    }

    @Override
    public String problem(final Messages.LeaseOp op)
    {
        final String malformed = LeaseAuthority.signedShape(op);
        if (malformed != null)
        {
            return malformed;
        }
        final Certificate c = certificate(op.certificate());
        if (c == null)
        {
            return "no certificate from a trusted CA";
        }
        if (!LeaseAuthority.onIpLease(op) && !Keys.constantTimeEquals(op.key(), Leases.nameKey(c.name())))
        {
            return "the key is neither the lease key of its IP nor the name key of certificate " + c.name();
        }
        final long now = epochSeconds.getAsLong();
        if (now < c.notBefore() || now > c.notAfter())
        {
            return "certificate " + c.name() + " expired or not yet valid";
        }
        if (revocations != null && revocations.revokes(c))
        {
            return "certificate " + c.name() + " revoked";
        }
        if (!c.hasRecordKey(op.publicKey()) || !Keys.constantTimeEquals(c.ringAddress(), op.value()))
        {
            return "certificate " + c.name() + " is not for the key or ring address of the lease";
        }
        return c.allows(op.ip()) ? null : "certificate " + c.name() + " does not allow the address";
    }

    /**
     * A newer certificate takes over: for an IP's lease, one for that fixed IP; for a name's record,
     * any certificate bearing the name (a host reinstalled with a new bundle keeps its name).
     */
    @Override
    public boolean supersedes(final Messages.LeaseOp newer, final Messages.LeaseOp held)
    {
        final Certificate n = certificate(newer.certificate());
        final Certificate h = certificate(held.certificate());
        final boolean mayTake = n != null && (LeaseAuthority.onIpLease(newer) ?
            n.addressKind() == Certificate.ADDRESS_IP && n.allows(newer.ip()) :
            Keys.constantTimeEquals(newer.key(), Leases.nameKey(n.name())));
        return mayTake && (h == null || n.notBefore() > h.notBefore() || n.notBefore() == h.notBefore() &&
            n.serial() > h.serial() && java.util.Arrays.equals(n.issuer(), h.issuer()));
    }

    /** @return the node certificate if a trusted CA issued it (cached), else null. */
    private Certificate certificate(final byte[] encoded)
    {
        if (encoded.length == 0)
        {
            return null;
        }
        final ByteBuffer key = ByteBuffer.wrap(encoded);
        final Certificate known = issued.get(key);
        if (known != null)
        {
            return known;
        }
        final Certificate c;
        try
        {
            c = Certificate.decode(encoded);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
        if (c.kind() != Certificate.KIND_NODE || trusted.stream().noneMatch(c::signedBy))
        {
            return null;
        }
        issued.put(key, c);
        return c;
    }
}
