package wow.controlplane.link;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.status.CountersManager;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.transport.Endpoints;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The links of one node: allocates link ids (random, non-zero, unique) and each link's traffic
 * counters, finds links by virtual IP, and writes them into a FIB under construction. Owned by
 * the conductor thread.
 */
public final class LinkTable
{
    private final CountersManager counters;
    private final SecureRandom random = new SecureRandom();
    private final List<Link> links = new ArrayList<>();
    private final Int2ObjectHashMap<Link> byVirtualIp = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<Link> byLocalId = new Int2ObjectHashMap<>();

    public LinkTable(final CountersManager counters)
    {
        this.counters = counters;
    }

    /**
     * Adds a link to a peer and allocates its id and counters.
     *
     * @param address the peer's ring address, all zero until its first HELLO tells it.
     */
    public Link add(final int virtualIp, final byte[] address, final long endpoint)
    {
        if (byVirtualIp.containsKey(virtualIp))
        {
            throw new IllegalArgumentException("two links to " + Ipv4.toString(virtualIp));
        }
        int id;
        do
        {
            id = random.nextInt();
        }
        while (id == 0 || byLocalId.containsKey(id));
        final int localId = id;
        final int[] counterIds = new int[CounterTypes.LINK_COUNTERS.length];
        for (int i = 0; i < counterIds.length; i++)
        {
            counterIds[i] = counters.allocate(
                "link " + Endpoints.toString(endpoint) + " " + Ipv4.toString(virtualIp) + " " +
                    CounterTypes.LINK_COUNTERS[i],
                CounterTypes.LINK, key -> key.putInt(0, localId));
        }
        final Link link = new Link(localId, virtualIp, address, endpoint, counterIds);
        links.add(link);
        byVirtualIp.put(virtualIp, link);
        byLocalId.put(localId, link);
        return link;
    }

    /** @return the link to a virtual IP, or null. */
    public Link byVirtualIp(final int virtualIp)
    {
        return byVirtualIp.get(virtualIp);
    }

    /** @return every link, in the order they were added. */
    public List<Link> all()
    {
        return Collections.unmodifiableList(links);
    }

    /** Adds every link, and a route to each peer's virtual IP, to a FIB under construction. */
    public void addTo(final Fib.Builder builder)
    {
        for (final Link link : links)
        {
            final byte[] address = link.address();
            builder.link(address, link.virtualIp(), link.endpoint(), link.localId(), link.remoteId(), link.counterIds());
            if (link.virtualIp() != 0)
            {
                builder.route(link.virtualIp(), address);
            }
        }
    }
}
