package wow.controlplane;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.ring.Ring;
import wow.dataplane.protocol.Ipv4;

/**
 * Virtual IP &rarr; ring address resolutions through the DHT: lookups the data plane asks for
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

    private final OverlayNode overlay;
    private final FibChanges fib;
    private final EventLog log;
    private final Map<Integer, byte[]> resolved = new HashMap<>();
    private final Map<Integer, Long> resolvedAt = new HashMap<>();
    private final Map<Integer, Long> resolving = new HashMap<>();
    private final Map<Integer, Integer> resolvingByToken = new HashMap<>();
    /** Resumed from the journal and not yet confirmed by a lookup. */
    private final Set<Integer> resumed = new HashSet<>();

    ResolutionCache(final OverlayNode overlay, final FibChanges fib, final EventLog log)
    {
        this.overlay = overlay;
        this.fib = fib;
        this.log = log;
    }

    /** @return the DHT key under which a virtual IP's ring address is registered. */
    static byte[] ipKey(final int virtualIp)
    {
        return OverlayNode.key("ip:" + Ipv4.toString(virtualIp));
    }

    /** @return virtual IP &rarr; ring address, as resolved. */
    Map<Integer, byte[]> routes()
    {
        return Collections.unmodifiableMap(resolved);
    }

    /** The data plane asks where a virtual IP is: looked up unless known or being looked up. */
    void resolve(final int virtualIp, final int localIp, final long now)
    {
        if (virtualIp == localIp || resolved.containsKey(virtualIp) || resolving.containsKey(virtualIp))
        {
            return;
        }
        lookup(virtualIp, now);
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

    private void lookup(final int virtualIp, final long now)
    {
        resolving.put(virtualIp, now);
        resolvingByToken.put(overlay.get(ipKey(virtualIp)), virtualIp);
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
        if (found && value.length == Ring.ADDRESS_LENGTH)
        {
            resumed.remove(virtualIp);
            resolvedAt.put(virtualIp, now);
            final byte[] before = resolved.put(virtualIp, value);
            if (!Arrays.equals(before, value))
            {
                fib.dirty("resolution");
                log.event("resolved", "ip=" + Ipv4.toString(virtualIp) + " address=" + Ring.shortHex(value));
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

    /** Once a second: lost lookups may be asked again, stale answers go, fresh ones are refreshed ahead. */
    void maintain(final long now)
    {
        resolving.values().removeIf(started -> now - started > TIMEOUT_MS);
        resolvingByToken.values().removeIf(ip -> !resolving.containsKey(ip));
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
