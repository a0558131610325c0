package wow.controlplane.overlay.lease;

import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.identity.Identity;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The leases a DHT node holds: atomic create-if-absent records owned by a public key. A claim
 * creates a lease only if none is alive (or the claimant already owns it); only the owner's
 * signature renews or releases it, and an operation older than the last one applied (by its
 * serial) is refused, so a replayed release cannot undo a later claim. A release leaves a record
 * of itself for the lease's TTL, so that a copy of the lease older than the release (handed on by
 * a holder the release did not reach) cannot bring it back; the records are handed on like the
 * leases. Every operation's signature is verified (Ed25519 over {@link Messages#leaseSigned}).
 * Bounded: {@link #MAX_LEASES} of each. Owned by the overlay node's thread.
 */
public final class Leases
{
    public static final int MAX_LEASES = 10_000;

    /** A live lease: the last signed operation that set it (handed on to replicas) and when it ends. */
    public record Lease(Messages.LeaseOp lastOp, long expiresMs)
    {
        public byte[] value()
        {
            return lastOp.value();
        }

        boolean ownedBy(final byte[] publicKey)
        {
            return Arrays.equals(lastOp.publicKey(), publicKey);
        }

        /** @return the lease as a replica's copy with what is left of it (a copy never outlives it). */
        public Messages.LeaseOp handOn(final long nowMs)
        {
            final int remaining = (int)Math.max(1, Math.min(lastOp.ttlSeconds(), (expiresMs - nowMs) / 1000));
            return lastOp.as(Messages.LEASE_COPY, 0, remaining);
        }
    }

    private final Map<BigInteger, Lease> store = new HashMap<>();
    /** Releases, by key, until the released lease could have run out anyway. */
    private final Map<BigInteger, Lease> released = new HashMap<>();

    /**
     * Applies an operation.
     *
     * @return {@link Messages#LEASE_GRANTED}, {@link Messages#LEASE_TAKEN} (another key owns a
     *         live lease) or {@link Messages#LEASE_REFUSED} (bad signature, stale serial, full).
     */
    public int apply(final Messages.LeaseOp op, final long nowMs)
    {
        final BigInteger key = Ring.value(op.key());
        Lease lease = store.get(key);
        // a copy of the very operation this holder verified before (republished every 30 s to
        // every near neighbour) needs no second Ed25519 check: that check is most of an idle
        // node's work
        if ((lease == null || !sameOp(lease.lastOp(), op)) && !verify(op))
        {
            return Messages.LEASE_REFUSED;
        }
        if (lease != null && lease.expiresMs() <= nowMs)
        {
            store.remove(key);
            lease = null;
        }
        final Lease release = released.get(key);
        if (release != null && release.expiresMs() > nowMs && release.ownedBy(op.publicKey()) &&
            op.serial() <= release.lastOp().serial() && op.op() != Messages.LEASE_RELEASE)
        {
            return Messages.LEASE_REFUSED; // the owner released it after this operation
        }
        final boolean mine = lease != null && lease.ownedBy(op.publicKey());
        if (lease != null && !mine)
        {
            return Messages.LEASE_TAKEN;
        }
        if (mine && op.serial() < lease.lastOp().serial())
        {
            return Messages.LEASE_REFUSED; // an old operation replayed
        }
        if (op.op() == Messages.LEASE_RELEASE)
        {
            store.remove(key);
            released.values().removeIf(r -> r.expiresMs() <= nowMs);
            if (released.size() < MAX_LEASES || released.containsKey(key))
            {
                released.put(key, new Lease(op, nowMs + op.ttlSeconds() * 1000L));
            }
            return Messages.LEASE_GRANTED;
        }
        if (lease == null && store.size() >= MAX_LEASES)
        {
            return Messages.LEASE_REFUSED;
        }
        final long expires = nowMs + Math.min(op.ttlSeconds(), op.remainingSeconds()) * 1000L;
        if (mine && op.serial() == lease.lastOp().serial() && expires <= lease.expiresMs())
        {
            return Messages.LEASE_GRANTED; // a copy of what this holder has, no fresher
        }
        store.put(key, new Lease(op, expires));
        return Messages.LEASE_GRANTED;
    }

    /** @return the live lease of a key, or null. */
    public Lease get(final byte[] key, final long nowMs)
    {
        final Lease lease = store.get(Ring.value(key));
        return lease == null || lease.expiresMs() <= nowMs ? null : lease;
    }

    /**
     * @return the live leases, dropping expired ones. Holders hand them on with what is left of
     * them (a copy never outlives the owner's last renewal).
     */
    public List<Lease> live(final long nowMs)
    {
        store.values().removeIf(l -> l.expiresMs() <= nowMs);
        return new ArrayList<>(store.values());
    }

    /** @return the releases still remembered (handed on with the leases), dropping those that ran out. */
    public List<Lease> releases(final long nowMs)
    {
        released.values().removeIf(r -> r.expiresMs() <= nowMs);
        return new ArrayList<>(released.values());
    }

    /** @return true if two operations carry the same signed content, key and signature. */
    private static boolean sameOp(final Messages.LeaseOp a, final Messages.LeaseOp b)
    {
        return a.op() == b.op() && a.ttlSeconds() == b.ttlSeconds() && a.serial() == b.serial() &&
            Arrays.equals(a.key(), b.key()) && Arrays.equals(a.value(), b.value()) &&
            Arrays.equals(a.publicKey(), b.publicKey()) &&
            Arrays.equals(a.signature(), b.signature());
    }

    /** @return true if the operation carries its owner's valid signature. */
    public static boolean verify(final Messages.LeaseOp op)
    {
        final PublicKey key;
        try
        {
            key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(op.publicKey()));
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            return false;
        }
        return Identity.verify(Messages.leaseSigned(op.op(), op.key(), op.ttlSeconds(), op.serial(), op.value()),
            op.signature(), key);
    }
}
