package wow.controlplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.journal.FibListener;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.ring.Ring;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CounterTypes;

/**
 * Builds FIB versions from the overlay's connections, its relay grants and the resolved virtual
 * IPs, publishes them to the data plane and the journal, and owns the per-link counters they
 * name (allocated when a link first appears, freed when it goes). Versions are numbered on from
 * the version the data plane started with, which continues the journal's. Conductor thread only.
 */
final class FibPublisher implements FibChanges
{
    private final DataPlaneProxy dataPlane;
    private final CountersManager counters;
    private final FibListener listener;
    private final AtomicCounter published;
    private final Map<Integer, int[]> linkCounters = new HashMap<>();
    private long version;
    private long relayBytesPerSecond;
    private boolean dirty = true;
    private String reason = "start";

    FibPublisher(final DataPlaneProxy dataPlane, final CountersManager counters, final FibListener listener,
        final long relayBytesPerSecond)
    {
        this.dataPlane = dataPlane;
        this.counters = counters;
        this.listener = listener;
        this.relayBytesPerSecond = relayBytesPerSecond;
        this.published = counters.newCounter("fib_published", CounterTypes.FIB_PUBLISHED);
        this.version = dataPlane.current().version();
    }

    @Override
    public void dirty()
    {
        dirty = true;
    }

    @Override
    public void reason(final String why)
    {
        reason = why;
    }

    boolean isDirty()
    {
        return dirty;
    }

    /**
     * @return the value of one of a link's counters ({@link CounterTypes#LINK_COUNTERS} index), or
     * -1 if the link has none (yet).
     */
    long linkCounter(final int localId, final int index)
    {
        final int[] ids = linkCounters.get(localId);
        return ids == null ? -1 : counters.getCounterValue(ids[index]);
    }

    /**
     * Builds and publishes the next version.
     *
     * @param overlay      whose connections and relay grants it is built from.
     * @param localIp      this host's virtual IP (or the DHCP subnet's address while leasing one).
     * @param prefix       the virtual subnet's prefix length.
     * @param localAddress this node's ring address.
     * @param resolved     virtual IP &rarr; ring address of nodes this node has no link to.
     * @param dataEndpoint the endpoint the data plane sends to for an overlay endpoint, 0 if none yet.
     * @param certified    true if a connection's virtual IP is the one its peer's certificate fixes (always
     *                     on an insecure network). Otherwise (a pool member, or an IP a relay grant named)
     *                     the link's IP — its route and the only source its DATA may carry — is the one a
     *                     lease lookup resolved to that peer, whatever it declared: a pool member cannot
     *                     claim another's address by linking, and one that leased after it linked is known.
     */
    Fib publish(final OverlayNode overlay, final int localIp, final int prefix, final byte[] localAddress,
        final Map<Integer, byte[]> resolved, final LongUnaryOperator dataEndpoint, final Predicate<Connection> certified)
    {
        dirty = false;
        final Fib.Builder builder = new Fib.Builder(localIp, prefix, localAddress);
        final List<String> linkTypes = new ArrayList<>();
        final Map<Integer, Boolean> routed = new HashMap<>();
        builder.relayLimit(relayBytesPerSecond);
        for (final byte[][] pair : overlay.relayGrants())
        {
            builder.relayGrant(pair[0], pair[1]);
        }
        // what lease lookups resolved, by the ring address of the node that holds it
        final Map<String, Integer> resolvedTo = new HashMap<>();
        resolved.forEach((resolvedIp, owner) -> resolvedTo.put(HexFormat.of().formatHex(owner), resolvedIp));
        for (final Connection c : overlay.connections())
        {
            final int ip = c.virtualIp() != 0 && certified.test(c) ? c.virtualIp() :
                resolvedTo.getOrDefault(HexFormat.of().formatHex(c.address()), 0);
            if (c.via() != null && c.relayId() != 0)
            {
                builder.relayedLink(c.address(), ip, c.via(), c.localId(), c.relayId(), countersFor(c), c.routable());
            }
            else if (c.remoteId() != 0 && dataEndpoint.applyAsLong(c.endpoint()) != 0)
            {
                builder.link(c.address(), ip, dataEndpoint.applyAsLong(c.endpoint()), c.localId(), c.remoteId(),
                    countersFor(c), c.routable());
            }
            else
            {
                continue;
            }
            linkTypes.add(OverlayNode.typeNames(c.types() | c.peerTypes()));
            if (ip != 0)
            {
                builder.route(ip, c.address());
                routed.put(ip, true);
            }
        }
        for (final Map.Entry<Integer, byte[]> e : resolved.entrySet())
        {
            if (!routed.containsKey(e.getKey()))
            {
                builder.route(e.getKey(), e.getValue());
            }
        }
        freeGoneLinks(overlay);
        final Fib fib = builder.build(++version);
        dataPlane.publish(fib);
        published.setRelease(fib.version());
        listener.published(fib, reason, linkTypes.toArray(new String[0]));
        reason = "links_changed";
        return fib;
    }

    private void freeGoneLinks(final OverlayNode overlay)
    {
        linkCounters.keySet().removeIf(id ->
        {
            final boolean gone = overlay.connectionByLocalId(id) == null;
            if (gone)
            {
                for (final int counter : linkCounters.get(id))
                {
                    counters.free(counter);
                }
            }
            return gone;
        });
    }

    private int[] countersFor(final Connection c)
    {
        return linkCounters.computeIfAbsent(c.localId(), id ->
        {
            final int[] ids = new int[CounterTypes.LINK_COUNTERS.length];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = counters.allocate("link " + Ring.shortHex(c.address()) + " " +
                    (c.virtualIp() == 0 ? "-" : Ipv4.toString(c.virtualIp())) + " " + CounterTypes.LINK_COUNTERS[i],
                    CounterTypes.LINK, key -> key.putInt(0, id));
            }
            return ids;
        });
    }
}
