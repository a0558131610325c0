package wow.controlplane.overlay.lease;

import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.security.Keys;
import wow.dataplane.protocol.Ipv4;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The leases a DHT node holds: atomic create-if-absent records of which node holds a virtual IP,
 * owned by a record key. A claim creates a lease only if none is alive (or the claimant already
 * owns it, or its certificate supersedes the holder's: {@link LeaseAuthority}); only the owner's
 * signature renews or releases it, and an operation older than the last one applied (by its
 * serial) is refused, so a replayed release cannot undo a later claim. The authority must admit
 * the owner of every operation (on a secure network: a certificate that allows the IP), and no
 * lease lives longer than {@link #MAX_TTL_S} past its last operation, whatever TTL it asks for,
 * and no owner holds more than {@link #MAX_PER_OWNER} here. A release leaves a record
 * of itself for the lease's TTL, so that a copy of the lease older than the release (handed on by
 * a holder the release did not reach) cannot bring it back; the records are handed on like the
 * leases. Every operation's signature is verified (Ed25519 over {@link Messages.LeaseOp#signed}).
 * Bounded: {@link #MAX_LEASES} of each. Owned by the overlay node's thread.
 */
public final class Leases
{
    public static final int MAX_LEASES = 10_000;
    /** Live leases one owner (record key) may hold at one holder: a pool member cannot take a whole pool. */
    public static final int MAX_PER_OWNER = 8;
    /** The longest a lease lives past the operation that set it. */
    public static final int MAX_TTL_S = 600;

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

    private final LeaseAuthority authority;
    private final Map<BigInteger, Lease> store = new HashMap<>();
    /** Releases, by key, until the released lease could have run out anyway. */
    private final Map<BigInteger, Lease> released = new HashMap<>();

    public Leases(final LeaseAuthority authority)
    {
        this.authority = authority;
    }

    /** @return the DHT key of the lease on a virtual IP: SHA-1 of "lease:" and its dotted form. */
    public static byte[] key(final int ip)
    {
        return sha1("lease:" + Ipv4.toString(ip));
    }

    /**
     * @return the DHT key of a host name's record (the name &rarr; its owner's virtual IP): SHA-1 of
     *         "name:" and the name in lower case. The record is a lease like an IP's, signed by its
     *         owner; on a secure network only the node whose certificate bears the name may hold it.
     */
    public static byte[] nameKey(final String name)
    {
        return sha1("name:" + name.toLowerCase(java.util.Locale.ROOT));
    }

    private static byte[] sha1(final String text)
    {
        try
        {
            return MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

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
        // a copy of the very operation this holder verified before (handed on every 30 s by the
        // key's other holders) needs no second Ed25519 check: that check is most of an idle
        // node's work
        if ((lease == null || !sameOp(lease.lastOp(), op)) && (!authority.signed(op) || authority.problem(op) != null))
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
        if (lease != null && !mine && op.op() != Messages.LEASE_RELEASE && authority.supersedes(op, lease.lastOp()))
        {
            store.remove(key); // a certificate for this address issued after the holder's: the address moves
            lease = null;
        }
        else if (lease != null && !mine)
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
                released.put(key, new Lease(op, nowMs + Math.min(MAX_TTL_S, op.ttlSeconds()) * 1000L));
            }
            return Messages.LEASE_GRANTED;
        }
        if (lease == null && (store.size() >= MAX_LEASES || held(op.publicKey(), nowMs) >= MAX_PER_OWNER))
        {
            return Messages.LEASE_REFUSED;
        }
        final long expires = nowMs + Math.min(MAX_TTL_S, Math.min(op.ttlSeconds(), op.remainingSeconds())) * 1000L;
        if (mine && op.serial() == lease.lastOp().serial() && expires <= lease.expiresMs())
        {
            return Messages.LEASE_GRANTED; // a copy of what this holder has, no fresher
        }
        store.put(key, new Lease(op, expires));
        return Messages.LEASE_GRANTED;
    }

    /** @return the live leases this owner holds here. */
    private int held(final byte[] publicKey, final long nowMs)
    {
        int n = 0;
        for (final Lease l : store.values())
        {
            n += l.expiresMs() > nowMs && l.ownedBy(publicKey) ? 1 : 0;
        }
        return n;
    }

    /** Forgets a key's lease and release record (this node is no longer one of the key's holders). */
    public void forget(final byte[] key)
    {
        final BigInteger k = Ring.value(key);
        store.remove(k);
        released.remove(k);
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
            a.ip() == b.ip() && Arrays.equals(a.publicKey(), b.publicKey()) &&
            Arrays.equals(a.signature(), b.signature()) && Arrays.equals(a.certificate(), b.certificate());
    }

    /** @return true if the operation carries its owner's valid Ed25519 signature (of {@link Messages.LeaseOp#signed}). */
    public static boolean verify(final Messages.LeaseOp op)
    {
        if (op.publicKey().length != Keys.KEY_LENGTH || op.signature().length != Keys.SIGNATURE_LENGTH)
        {
            return false;
        }
        final byte[] signed = op.signed();
        return Keys.verify(op.publicKey(), signed, signed.length, op.signature());
    }
}
