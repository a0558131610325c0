package wow.controlplane;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.security.Certificate;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.dataplane.protocol.Ipv4;

/**
 * Virtual IP &rarr; ring address resolutions through the DHT: the owner's signed lease on the
 * address, taken only if this node's own checks pass (the owner's signature, a recent operation,
 * and on a secure network a certificate that allows the address and binds the ring address), so a
 * lying holder can withhold an answer but not forge one. Lookups the data plane asks for
 * (one in flight per address, asked again after a timeout), answers trusted for a while and
 * refreshed ahead of expiry in the background, addresses pointing at a node that went away looked
 * up again at once, and the routes a restarted node resumed from its journal — each of which goes
 * if its first re-resolution once joined finds no such record. Conductor thread only.
 */
final class ResolutionCache
{
    /** How long a resolved virtual IP is trusted before it is looked up again. */
    static final long TTL_MS = 60_000;
    /** A resolved virtual IP is looked up again in the background this often (an address may move). */
    static final long REFRESH_MS = 10_000;
    /** A virtual-IP lookup not answered within this time may be asked again. */
    static final long TIMEOUT_MS = 3_000;
    private static final int REFRESHES_PER_SECOND = 32;
    /** Lookups beside a key (one each side) after its primary's answer gave no lease. */
    static final int BESIDE_LOOKUPS = 2;

    private final OverlayNode overlay;
    private final FibChanges fib;
    private final EventLog log;
    private final Map<Integer, byte[]> resolved = new HashMap<>();
    private final Map<Integer, Long> resolvedAt = new HashMap<>();
    private final Map<Integer, Long> resolving = new HashMap<>();
    private final Map<Integer, Integer> resolvingByToken = new HashMap<>();
    /** Lookups beside the key made so far for an address whose primary gave no lease. */
    private final Map<Integer, Integer> besides = new HashMap<>();
    /** Resumed from the journal and not yet confirmed by a lookup. */
    private final Set<Integer> resumed = new HashSet<>();
    private BiConsumer<byte[], byte[]> ownerKeys = (owner, key) -> { };

    ResolutionCache(final OverlayNode overlay, final FibChanges fib, final EventLog log)
    {
        this.overlay = overlay;
        this.fib = fib;
        this.log = log;
    }

    /** Told the ring address and certified static key of the owner of every lease taken (a secure network's). */
    void ownerKeys(final BiConsumer<byte[], byte[]> keys)
    {
        this.ownerKeys = keys;
    }

    /** @return virtual IP &rarr; ring address, as resolved. */
    Map<Integer, byte[]> routes()
    {
        return Collections.unmodifiableMap(resolved);
    }

    /**
     * The data plane asks where a virtual IP is: looked up unless known or being looked up.
     *
     * @return the lookup's token, 0 if none was started.
     */
    int resolve(final int virtualIp, final int localIp, final long now)
    {
        if (virtualIp == localIp || resolved.containsKey(virtualIp) || resolving.containsKey(virtualIp))
        {
            return 0;
        }
        return lookup(virtualIp, now);
    }

    /**
     * Starts from what a previous run knew: trusted like fresh lookups and renewed the same way,
     * except that one whose first re-resolution finds nothing goes at once.
     */
    void resume(final Map<Integer, byte[]> addresses, final int localIp, final long now)
    {
        for (final Map.Entry<Integer, byte[]> e : addresses.entrySet())
        {
            if (e.getKey() != localIp && e.getValue().length == Ring.ADDRESS_LENGTH)
            {
                resolved.put(e.getKey(), e.getValue().clone());
                resolvedAt.put(e.getKey(), now);
                resumed.add(e.getKey());
            }
        }
    }

    /**
     * Looks up again, at once and 2 s later, every virtual IP resolved to a ring address that went
     * away or proved unreachable (its owner may be back under a new identity); the route stays
     * until the answer differs.
     */
    void refreshPointingAt(final byte[] gone, final long now)
    {
        for (final Map.Entry<Integer, byte[]> e : resolved.entrySet())
        {
            if (Arrays.equals(e.getValue(), gone) && !resolving.containsKey(e.getKey()))
            {
                lookup(e.getKey(), now);
                resolvedAt.put(e.getKey(), now - REFRESH_MS + 2_000);
            }
        }
    }

    private int lookup(final int virtualIp, final long now)
    {
        besides.remove(virtualIp);
        return lookup(virtualIp, now, 0);
    }

    /** @param beside 0: the key's primary; else which point beside the key ({@link OverlayNode#getBeside}). */
    private int lookup(final int virtualIp, final long now, final int beside)
    {
        resolving.put(virtualIp, now);
        final int token = beside == 0 ? overlay.get(Leases.key(virtualIp)) : overlay.getBeside(Leases.key(virtualIp), beside);
        resolvingByToken.put(token, virtualIp);
        return token;
    }

    /** A DHT answer: a lookup of this cache's, or not. */
    void onDhtReply(final int token, final boolean found, final byte[] value, final long now)
    {
        final Integer virtualIp = resolvingByToken.remove(token);
        if (virtualIp == null)
        {
            return;
        }
        resolving.remove(virtualIp);
        final byte[] address = found ? owner(virtualIp, value, now) : null;
        if (found && address == null)
        {
            overlay.rejectLease(); // a forged, stale or uncertified lease: the route stays as it was
        }
        if (address == null && besides.getOrDefault(virtualIp, 0) < BESIDE_LOOKUPS)
        {
            // the key's primary may lie or withhold: ask the nodes nearest points beside the key,
            // which hold its replicas, before taking "no lease" for an answer
            final int beside = besides.getOrDefault(virtualIp, 0) + 1;
            besides.put(virtualIp, beside);
            lookup(virtualIp, now, beside);
            return;
        }
        besides.remove(virtualIp);
        if (found && address == null)
        {
            return;
        }
        if (address != null)
        {
            resumed.remove(virtualIp);
            resolvedAt.put(virtualIp, now);
            final byte[] before = resolved.put(virtualIp, address);
            if (!Arrays.equals(before, address))
            {
                fib.dirty("resolution");
                log.event("resolved", "ip=" + Ipv4.toString(virtualIp) + " address=" + Ring.shortHex(address));
            }
        }
        else if (overlay.isJoined() && resumed.remove(virtualIp))
        {
            // a route the previous run knew, to an address no node holds now (an answer given
            // before this node found its place on the ring proves nothing)
            resolved.remove(virtualIp);
            resolvedAt.remove(virtualIp);
            fib.dirty("resolution");
            log.event("resumed_route_gone", "ip=" + Ipv4.toString(virtualIp));
        }
    }

    /** @return the ring address a lease answer holds the virtual IP for, or null if it does not prove one. */
    private byte[] owner(final int virtualIp, final byte[] value, final long now)
    {
        final Messages.LeaseOp lease = Messages.decodeLease(value, 0, value.length);
        final String problem = lease == null ? "malformed" : lease.ip() != virtualIp ? "another address's lease" :
            problem(lease, now);
        if (problem != null)
        {
            log.event("resolution_refused", "ip=" + Ipv4.toString(virtualIp) + " why=\"" + problem + "\"");
            return null;
        }
        if (lease.certificate().length > 0)
        {
            try
            {
                ownerKeys.accept(lease.value(), Certificate.decode(lease.certificate()).publicKey());
            }
            catch (final IllegalArgumentException ex)
            {
                log.event("resolution_refused", "ip=" + Ipv4.toString(virtualIp) + " why=\"malformed certificate\"");
                return null;
            }
        }
        return lease.value();
    }

    /** @return why a lease proves nothing now (stale, or its owner's checks), or null. */
    private String problem(final Messages.LeaseOp lease, final long now)
    {
        // an operation older than its TTL and the longest lease (any clock skew) is a replay of a lease gone
        return now - lease.serial() > (lease.ttlSeconds() + Leases.MAX_TTL_S) * 1000L ? "a stale lease" :
            overlay.leaseProblem(lease);
    }

    /**
     * The node at {@code owner} showed the lease it holds (in its end-to-end handshake, without the
     * certificate that came with it). A signed lease proves only that its owner's certificate allows
     * the address, not that the lease's holders granted it (another member of the same pool may sign
     * one for an address it does not hold), so it routes nothing by itself: an address not resolved
     * yet is looked up at once, before the owner's packets come, and the answer decides.
     */
    void shown(final byte[] owner, final byte[] certificate, final byte[] proof, final long now)
    {
        final Messages.LeaseOp bare = Messages.decodeLease(proof, 0, proof.length);
        final Messages.LeaseOp lease = bare == null ? null : bare.withCertificate(certificate);
        final String problem = lease == null ? "malformed" : !Arrays.equals(lease.value(), owner) ? "another node's lease" :
            lease.op() == Messages.LEASE_RELEASE ? "a released lease" : problem(lease, now);
        if (problem != null)
        {
            overlay.rejectLease();
            log.event("lease_proof_refused", "owner=" + Ring.shortHex(owner) + " why=\"" + problem + "\"");
            return;
        }
        if (!resolved.containsKey(lease.ip()) && !resolving.containsKey(lease.ip()))
        {
            lookup(lease.ip(), now);
        }
    }

    /** Once a second: lost lookups may be asked again, stale answers go, fresh ones are refreshed ahead. */
    void maintain(final long now)
    {
        resolving.values().removeIf(started -> now - started > TIMEOUT_MS);
        resolvingByToken.values().removeIf(ip -> !resolving.containsKey(ip));
        besides.keySet().removeIf(ip -> !resolving.containsKey(ip));
        resolvedAt.entrySet().removeIf(e ->
        {
            final boolean stale = now - e.getValue() > TTL_MS;
            if (stale)
            {
                resolved.remove(e.getKey());
                resumed.remove(e.getKey());
                fib.dirty();
            }
            return stale;
        });
        // refresh-ahead: the route stays while the DHT is asked again, so a virtual IP whose
        // owner changed (a restarted host with a new identity) is followed within seconds
        int refreshes = 0;
        for (final Map.Entry<Integer, Long> e : resolvedAt.entrySet())
        {
            if (refreshes < REFRESHES_PER_SECOND && now - e.getValue() > REFRESH_MS && !resolving.containsKey(e.getKey()))
            {
                refreshes++;
                lookup(e.getKey(), now);
            }
        }
    }
}
