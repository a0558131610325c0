package wow.controlplane;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
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
 * if its first re-resolution once joined finds no such record. A lease from a pool certificate
 * proves only that its signer may hold some address of the pool, not that the key's holders granted
 * it this one (another member of the pool may sign a lease for an address it does not hold, and a
 * lying holder may answer with it), so it is taken only when the holders beside the key do not
 * contradict it: two answers naming the same owner, or no other answer naming another. Conductor
 * thread only.
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
    /**
     * Lookups beside a key (alternately after and before it) after its primary's answer gave no
     * lease, or gave a pool member's lease the holders beside the key have not confirmed yet.
     */
    static final int BESIDE_LOOKUPS = 3;

    private final OverlayNode overlay;
    private final FibChanges fib;
    private final EventLog log;
    private final Map<Integer, byte[]> resolved = new HashMap<>();
    private final Map<Integer, Long> resolvedAt = new HashMap<>();
    private final Map<Integer, Long> resolving = new HashMap<>();
    private final Map<Integer, Integer> resolvingByToken = new HashMap<>();
    /** Lookups beside the key made so far for an address whose primary gave no lease. */
    private final Map<Integer, Integer> besides = new HashMap<>();
    /** Owners named by pool members' leases in the answers to an address's lookups so far. */
    private final Map<Integer, PoolVotes> votes = new HashMap<>();
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

    /** @return the token of the lookup in flight for a virtual IP, 0 if none. */
    int lookingUp(final int virtualIp)
    {
        return resolvingByToken.entrySet().stream().filter(e -> e.getValue() == virtualIp).mapToInt(Map.Entry::getKey)
            .findFirst().orElse(0);
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
        votes.remove(virtualIp);
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

    /** A DHT answer from the node at {@code responder}: to a lookup of this cache's, or not. */
    void onDhtReply(final int token, final byte[] responder, final boolean found, final byte[] value, final long now)
    {
        final Integer virtualIp = resolvingByToken.remove(token);
        if (virtualIp == null)
        {
            return;
        }
        resolving.remove(virtualIp);
        final Messages.LeaseOp lease = found ? lease(virtualIp, value, now) : null;
        if (found && lease == null)
        {
            overlay.rejectLease(); // a forged, stale or uncertified lease: the route stays as it was
        }
        final PoolVotes tally = votes.computeIfAbsent(virtualIp, ip -> new PoolVotes());
        tally.heard(responder);
        final boolean pooled = lease != null && overlay.leasePooled(lease);
        if (pooled)
        {
            tally.add(responder, lease);
        }
        else if (!found)
        {
            tally.deny(responder);
        }
        final Messages.LeaseOp taken = lease != null && !pooled ? lease : tally.agreed();
        final int asked = besides.getOrDefault(virtualIp, 0);
        if (taken == null && (asked < BESIDE_LOOKUPS || tally.responders() < 2 && asked < 2 * BESIDE_LOOKUPS))
        {
            // the key's primary may lie or withhold: ask the nodes nearest points beside the key,
            // which hold its replicas, before taking "no lease" or a pool member's word for an answer
            // (farther out while one node is nearest them all)
            final int beside = besides.getOrDefault(virtualIp, 0) + 1;
            besides.put(virtualIp, beside);
            lookup(virtualIp, now, beside);
            return;
        }
        besides.remove(virtualIp);
        votes.remove(virtualIp);
        final Messages.LeaseOp settled = taken != null ? taken : tally.settled();
        decide(virtualIp, settled, found || tally.named(), settled == null && tally.named(), now);
    }

    /** The lookups of an address are over: it goes to the lease taken, or stays as it was. */
    private void decide(final int virtualIp, final Messages.LeaseOp taken, final boolean answered, final boolean conflict,
        final long now)
    {
        if (conflict && taken == null)
        {
            overlay.rejectLease();
            log.event("resolution_conflict", "ip=" + Ipv4.toString(virtualIp) +
                " why=\"pool members' leases name different owners and none is confirmed\"");
            return;
        }
        if (taken != null)
        {
            if (taken.certificate().length > 0)
            {
                ownerKeys.accept(taken.value(), Certificate.decode(taken.certificate()).publicKey());
            }
            final byte[] address = taken.value();
            resumed.remove(virtualIp);
            resolvedAt.put(virtualIp, now);
            final byte[] before = resolved.put(virtualIp, address);
            if (!Arrays.equals(before, address))
            {
                fib.dirty("resolution");
                log.event("resolved", "ip=" + Ipv4.toString(virtualIp) + " address=" + Ring.shortHex(address));
            }
        }
        else if (!answered && overlay.isJoined() && resumed.remove(virtualIp))
        {
            // a route the previous run knew, to an address no node holds now (an answer given
            // before this node found its place on the ring proves nothing)
            resolved.remove(virtualIp);
            resolvedAt.remove(virtualIp);
            fib.dirty("resolution");
            log.event("resumed_route_gone", "ip=" + Ipv4.toString(virtualIp));
        }
    }

    /** @return the lease an answer holds the virtual IP by, or null if it does not prove one. */
    private Messages.LeaseOp lease(final int virtualIp, final byte[] value, final long now)
    {
        final Messages.LeaseOp lease = Messages.decodeLease(value, 0, value.length);
        String problem = lease == null ? "malformed" : lease.ip() != virtualIp ? "another address's lease" :
            problem(lease, now);
        if (problem == null && lease.certificate().length > 0)
        {
            try
            {
                Certificate.decode(lease.certificate());
            }
            catch (final IllegalArgumentException ex)
            {
                problem = "malformed certificate";
            }
        }
        if (problem != null)
        {
            log.event("resolution_refused", "ip=" + Ipv4.toString(virtualIp) + " why=\"" + problem + "\"");
            return null;
        }
        return lease;
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
        // a pool member's lease whose confirming lookups went unanswered: settled on what came
        for (final Integer ip : votes.keySet().stream().filter(ip -> !resolving.containsKey(ip)).toList())
        {
            final PoolVotes tally = votes.remove(ip);
            final Messages.LeaseOp settled = tally.settled();
            if (tally.named())
            {
                decide(ip, settled, true, settled == null, now);
            }
        }
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

    /**
     * The answers of one round of lookups of an address: the owners pool members' leases named, who
     * named each (one vote per holder, however many of the points asked it is nearest), and who
     * answered that it holds no lease. An owner's word for its own lease (a liar holding the key
     * answers with a lease of its own) counts only when no other holder names anyone or denies it.
     */
    private static final class PoolVotes
    {
        private final Map<String, Messages.LeaseOp> leases = new HashMap<>();
        private final Map<String, Set<String>> voters = new HashMap<>();
        private final Set<String> deniers = new HashSet<>();
        private final Set<String> responders = new HashSet<>();

        void heard(final byte[] responder)
        {
            responders.add(HexFormat.of().formatHex(responder));
        }

        /** @return how many nodes answered. */
        int responders()
        {
            return responders.size();
        }

        void add(final byte[] responder, final Messages.LeaseOp lease)
        {
            final String owner = HexFormat.of().formatHex(lease.value());
            voters.computeIfAbsent(owner, o -> new HashSet<>()).add(HexFormat.of().formatHex(responder));
            leases.merge(owner, lease, (a, b) -> b.serial() > a.serial() ? b : a);
        }

        void deny(final byte[] responder)
        {
            deniers.add(HexFormat.of().formatHex(responder));
        }

        /** @return true if some answer named an owner. */
        boolean named()
        {
            return !leases.isEmpty();
        }

        /** @return the lease of an owner two holders named, one of them another node than the owner, or null. */
        Messages.LeaseOp agreed()
        {
            return voters.entrySet().stream().filter(e -> e.getValue().size() >= 2 && vouched(e.getKey()))
                .map(e -> leases.get(e.getKey())).findFirst().orElse(null);
        }

        /**
         * @return at the end of the round, the lease of the one owner another node named; failing
         *         any, of the one owner that only named itself, if no other holder denied it; else null.
         */
        Messages.LeaseOp settled()
        {
            final List<String> vouched = leases.keySet().stream().filter(this::vouched).toList();
            if (!vouched.isEmpty())
            {
                return vouched.size() == 1 ? leases.get(vouched.get(0)) : null;
            }
            return leases.size() == 1 && deniers.isEmpty() ? leases.values().iterator().next() : null;
        }

        private boolean vouched(final String owner)
        {
            return voters.get(owner).stream().anyMatch(voter -> !voter.equals(owner));
        }
    }
}
