package wow.dataplane.fib;

import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * One immutable version of the forwarding table: virtual IP &rarr; ring address &rarr; next-hop
 * link &rarr; underlay endpoint. Built by the control plane's conductor with {@link Builder},
 * published through {@link FibPublication}, read by every data-plane agent. Lookups allocate
 * nothing. Nothing mutates an instance after {@link Builder#build}.
 *
 * <p>A route's next hop is its destination's own link when one exists, else the link whose ring
 * address is closest to the destination (greedy routing), else none.
 *
 * <p>A <em>relayed</em> link reaches its peer through a relay node both are linked to: packets
 * over it leave ROUTED with the relay flag and the relay's id of its link to the peer
 * ({@link #linkRemoteId}) to the relay's endpoint. A node acting as relay forwards relay-flagged
 * packets only between the link pairs granted to it ({@link #relayAllowed}).
 */
public final class Fib
{
    /** The answer of a lookup that found nothing. */
    public static final int NONE = -1;

    private final long version;
    private final int localIp;
    private final int subnet;
    private final int subnetMask;
    private final UnsafeBuffer localAddress;

    private final int linkCount;
    private final long[] linkEndpoint;
    private final int[] linkRemoteId;
    private final int[] linkVirtualIp;
    private final int[] linkCounterId;
    private final boolean[] linkRoutable;
    private final boolean[] linkRelayed;
    private final UnsafeBuffer linkAddress;
    private final Int2IntHashMap linkByLocalId;
    private final Long2LongHashMap linkByAddressPrefix;
    private final Long2LongHashMap linkByEndpoint;
    private final LongHashSet relayPairs;
    private final long relayBytesPerSecond;

    private final Int2IntHashMap routeByIp;
    private final int[] routeIp;
    private final int[] routeNextHop;
    private final boolean[] routeDirect;
    private final UnsafeBuffer routeAddress;

    private Fib(final Builder b, final long version)
    {
        this.version = version;
        this.localIp = b.localIp;
        this.subnetMask = b.prefix == 0 ? 0 : (int)(0xFFFF_FFFFL << (32 - b.prefix));
        this.subnet = b.localIp & subnetMask;
        this.localAddress = new UnsafeBuffer(b.localAddress.clone());

        linkCount = b.links.size();
        linkEndpoint = new long[linkCount];
        linkRemoteId = new int[linkCount];
        linkVirtualIp = new int[linkCount];
        linkCounterId = new int[linkCount * 4];
        linkRoutable = new boolean[linkCount];
        linkRelayed = new boolean[linkCount];
        linkAddress = new UnsafeBuffer(new byte[Math.max(1, linkCount) * 20]);
        linkByLocalId = new Int2IntHashMap(Math.max(8, linkCount * 2), 0.5f, NONE);
        linkByAddressPrefix = new Long2LongHashMap(Math.max(8, linkCount * 2), 0.5f, NONE);
        linkByEndpoint = new Long2LongHashMap(Math.max(8, linkCount * 2), 0.5f, NONE);
        for (int i = 0; i < linkCount; i++)
        {
            final LinkEntry l = b.links.get(i);
            linkAddress.putBytes(i * 20, l.address);
            linkByAddressPrefix.putIfAbsent(linkAddress.getLong(i * 20), i);
        }
        for (int i = 0; i < linkCount; i++)
        {
            final LinkEntry l = b.links.get(i);
            long endpoint = l.endpoint;
            if (l.via != null)
            {
                final int relay = exactLink(l.via);
                endpoint = relay == NONE || b.links.get(relay).via != null ? 0 : b.links.get(relay).endpoint;
                linkRelayed[i] = true;
            }
            else
            {
                linkByEndpoint.putIfAbsent(endpoint, i);
            }
            linkEndpoint[i] = endpoint;
            linkRemoteId[i] = l.remoteId;
            linkVirtualIp[i] = l.virtualIp;
            System.arraycopy(l.counterIds, 0, linkCounterId, i * 4, 4);
            linkRoutable[i] = l.routable && endpoint != 0;
            linkByLocalId.put(l.localId, i);
        }
        relayBytesPerSecond = b.relayBytesPerSecond;
        relayPairs = new LongHashSet(Math.max(8, b.grants.size() * 4));
        for (final byte[][] g : b.grants)
        {
            final int x = exactLink(g[0]);
            final int y = exactLink(g[1]);
            if (x != NONE && y != NONE && !linkRelayed[x] && !linkRelayed[y])
            {
                relayPairs.add(((long)x << 32) | y);
                relayPairs.add(((long)y << 32) | x);
            }
        }

        final int routeCount = b.routes.size();
        routeIp = new int[routeCount];
        routeNextHop = new int[routeCount];
        routeDirect = new boolean[routeCount];
        routeAddress = new UnsafeBuffer(new byte[Math.max(1, routeCount) * 20]);
        routeByIp = new Int2IntHashMap(Math.max(8, routeCount * 2), 0.5f, NONE);
        final RingDistance scratch = new RingDistance();
        final RingDistance best = new RingDistance();
        for (int i = 0; i < routeCount; i++)
        {
            final RouteEntry r = b.routes.get(i);
            routeIp[i] = r.virtualIp;
            routeAddress.putBytes(i * 20, r.address);
            routeByIp.put(r.virtualIp, i);
            int hop = NONE;
            for (int l = 0; l < linkCount; l++)
            {
                if (linkEndpoint[l] != 0 &&
                    (linkVirtualIp[l] == r.virtualIp || java.util.Arrays.equals(b.links.get(l).address, r.address)))
                {
                    hop = l;
                    break;
                }
            }
            routeDirect[i] = hop != NONE && !linkRelayed[hop];
            if (hop == NONE)
            {
                hop = closestLink(routeAddress, i * 20, null, 0, scratch, best);
            }
            routeNextHop[i] = hop;
        }
    }

    /** @return this table's version; versions only grow. */
    public long version()
    {
        return version;
    }

    /** @return this host's virtual IP (host order). */
    public int localIp()
    {
        return localIp;
    }

    /** @return the virtual subnet's prefix length. */
    public int prefix()
    {
        return Integer.bitCount(subnetMask);
    }

    /**
     * @return true if this host has a virtual IP of its own (not the subnet's network address, which
     * a DHCP node uses until its lease is granted).
     */
    public boolean hasLocalIp()
    {
        return localIp != subnet;
    }

    /** @return true if the address is inside the virtual subnet. */
    public boolean inSubnet(final int ip)
    {
        return (ip & subnetMask) == subnet;
    }

    /** @return true if the address is the virtual subnet's broadcast address. */
    public boolean isSubnetBroadcast(final int ip)
    {
        return subnetMask != -1 && subnetMask != -2 && (ip & subnetMask) == subnet && (ip | subnetMask) == -1;
    }

    /** @return this host's ring address. */
    public UnsafeBuffer localAddress()
    {
        return localAddress;
    }

    /** @return the route index of a virtual IP, or {@link #NONE}. */
    public int route(final int virtualIp)
    {
        return routeByIp.get(virtualIp);
    }

    /** @return the next-hop link of a route, or {@link #NONE} if nothing leads there. */
    public int routeNextHop(final int route)
    {
        return routeNextHop[route];
    }

    /** @return true if the route's next hop is its destination itself. */
    public boolean routeDirect(final int route)
    {
        return routeDirect[route];
    }

    /** @return the buffer holding route ring addresses; route r's is at {@code r * 20}. */
    public UnsafeBuffer routeAddresses()
    {
        return routeAddress;
    }

    public int routeCount()
    {
        return routeIp.length;
    }

    public int routeIp(final int route)
    {
        return routeIp[route];
    }

    public int linkCount()
    {
        return linkCount;
    }

    /** @return the link with this local id (the id peers put in DATA headers), or {@link #NONE}. */
    public int linkByLocalId(final int localId)
    {
        return linkByLocalId.get(localId);
    }

    public long linkEndpoint(final int link)
    {
        return linkEndpoint[link];
    }

    /**
     * @return the id the peer gave this link (0 while unknown): what DATA headers to it carry; for a
     * relayed link, the relay's id of its link to the peer.
     */
    public int linkRemoteId(final int link)
    {
        return linkRemoteId[link];
    }

    public int linkVirtualIp(final int link)
    {
        return linkVirtualIp[link];
    }

    /**
     * @param which one of the {@code CounterTypes.LINK_*} indexes.
     * @return the id of one of the link's traffic counters.
     */
    public int linkCounterId(final int link, final int which)
    {
        return linkCounterId[link * 4 + which];
    }

    /** @return true if the link reaches its peer through a relay (its endpoint is the relay's). */
    public boolean linkRelayed(final int link)
    {
        return linkRelayed[link];
    }

    /** @return the direct link whose peer sends from this endpoint, or {@link #NONE}. */
    public int linkByEndpoint(final long endpoint)
    {
        return (int)linkByEndpoint.get(endpoint);
    }

    /**
     * @return the link (direct or relayed) whose peer has exactly the address at
     * {@code buffer[offset]}, or {@link #NONE}.
     */
    public int linkByAddress(final UnsafeBuffer buffer, final int offset)
    {
        final int l = (int)linkByAddressPrefix.get(buffer.getLong(offset));
        if (l == NONE || linkEndpoint[l] == 0 || linkAddress.getLong(l * 20 + 8) != buffer.getLong(offset + 8) ||
            linkAddress.getInt(l * 20 + 16) != buffer.getInt(offset + 16))
        {
            return NONE;
        }
        return l;
    }

    /** @return true if this node relays between the peers of these two direct links. */
    public boolean relayAllowed(final int inLink, final int outLink)
    {
        return relayPairs.contains(((long)inLink << 32) | outLink);
    }

    /** @return the most this node relays for others, bytes per second per queue. */
    public long relayBytesPerSecond()
    {
        return relayBytesPerSecond;
    }

    private int exactLink(final byte[] address)
    {
        final UnsafeBuffer b = new UnsafeBuffer(address);
        final int l = (int)linkByAddressPrefix.get(b.getLong(0));
        return l != NONE && java.util.Arrays.equals(address, linkAddressBytes(l)) ? l : NONE;
    }

    private byte[] linkAddressBytes(final int link)
    {
        final byte[] a = new byte[20];
        linkAddress.getBytes(link * 20, a);
        return a;
    }

    /** @return the buffer holding link ring addresses; link l's is at {@code l * 20}. */
    public UnsafeBuffer linkAddresses()
    {
        return linkAddress;
    }

    /**
     * Greedy routing: the routable link closest on the ring to the address at {@code dst[dstOffset]},
     * if it is strictly closer than this host; else {@link #NONE} (this host is the closest).
     *
     * @param exclude       buffer holding an address whose link must not be chosen (the packet's
     *                      source, for messages meant for the closest node other than it), or null.
     * @param excludeOffset offset of that address.
     * @param scratch       and best: the calling thread's reusable distances.
     */
    public int closestLink(
        final UnsafeBuffer dst, final int dstOffset, final UnsafeBuffer exclude, final int excludeOffset,
        final RingDistance scratch, final RingDistance best)
    {
        best.between(localAddress, 0, dst, dstOffset);
        int hop = NONE;
        for (int l = 0; l < linkCount; l++)
        {
            if (!linkRoutable[l] || (exclude != null && linkAddress.getLong(l * 20) == exclude.getLong(excludeOffset) &&
                linkAddress.getLong(l * 20 + 8) == exclude.getLong(excludeOffset + 8) &&
                linkAddress.getInt(l * 20 + 16) == exclude.getInt(excludeOffset + 16)))
            {
                continue;
            }
            if (scratch.between(linkAddress, l * 20, dst, dstOffset).compareTo(best) < 0)
            {
                best.set(scratch);
                hop = l;
            }
        }
        return hop;
    }

    /** @return true if the address at {@code buffer[offset]} is this host's ring address. */
    public boolean isLocalAddress(final UnsafeBuffer buffer, final int offset)
    {
        return equal20(buffer, offset);
    }

    private boolean equal20(final UnsafeBuffer buffer, final int offset)
    {
        return localAddress.getLong(0) == buffer.getLong(offset) &&
            localAddress.getLong(8) == buffer.getLong(offset + 8) &&
            localAddress.getInt(16) == buffer.getInt(offset + 16);
    }

    /** Collects the entries of one version; used by the conductor thread only. */
    public static final class Builder
    {
        private final int localIp;
        private final int prefix;
        private final byte[] localAddress;
        private final List<LinkEntry> links = new ArrayList<>();
        private final List<RouteEntry> routes = new ArrayList<>();
        private final List<byte[][]> grants = new ArrayList<>();
        private long relayBytesPerSecond = 625_000_000L;

        /**
         * @param localIp      this host's virtual IP (host order).
         * @param prefix       prefix length of the virtual subnet.
         * @param localAddress this host's 20-byte ring address.
         */
        public Builder(final int localIp, final int prefix, final byte[] localAddress)
        {
            if (localAddress.length != 20)
            {
                throw new IllegalArgumentException("ring addresses are 20 bytes");
            }
            if (prefix < 0 || prefix > 32)
            {
                throw new IllegalArgumentException("bad prefix length " + prefix);
            }
            this.localIp = localIp;
            this.prefix = prefix;
            this.localAddress = localAddress.clone();
        }

        /** Adds a routable link; its index in the table is the order of addition. */
        public Builder link(
            final byte[] address, final int virtualIp, final long endpoint, final int localId, final int remoteId,
            final int[] counterIds)
        {
            return link(address, virtualIp, endpoint, localId, remoteId, counterIds, true);
        }

        /**
         * Adds a link; its index in the table is the order of addition.
         *
         * @param routable whether greedy routing may use it (a bootstrap leaf link may not).
         */
        public Builder link(
            final byte[] address, final int virtualIp, final long endpoint, final int localId, final int remoteId,
            final int[] counterIds, final boolean routable)
        {
            if (counterIds.length != 4)
            {
                throw new IllegalArgumentException("a link has 4 traffic counters");
            }
            if (address.length != 20)
            {
                throw new IllegalArgumentException("ring addresses are 20 bytes");
            }
            if (localId == 0)
            {
                throw new IllegalArgumentException("link id 0 is reserved for 'unknown'");
            }
            links.add(new LinkEntry(address.clone(), virtualIp, endpoint, localId, remoteId, counterIds.clone(), routable, null));
            return this;
        }

        /**
         * Adds a link that reaches its peer through the relay with ring address {@code via}, which
         * must be the address of a direct link of this table (else the link is inert).
         *
         * @param relayLinkId the relay's id of its link to the peer (what relayed headers carry).
         */
        public Builder relayedLink(
            final byte[] address, final int virtualIp, final byte[] via, final int localId, final int relayLinkId,
            final int[] counterIds, final boolean routable)
        {
            if (counterIds.length != 4 || address.length != 20 || via.length != 20 || localId == 0 || relayLinkId == 0)
            {
                throw new IllegalArgumentException("bad relayed link");
            }
            links.add(new LinkEntry(address.clone(), virtualIp, 0, localId, relayLinkId, counterIds.clone(), routable,
                via.clone()));
            return this;
        }

        /** Sets the most this node relays for others, bytes per second per queue (default 5 Gbit/s). */
        public Builder relayLimit(final long bytesPerSecond)
        {
            if (bytesPerSecond < 0)
            {
                throw new IllegalArgumentException("relay limit must be >= 0");
            }
            relayBytesPerSecond = bytesPerSecond;
            return this;
        }

        /** Lets this node relay packets between the peers with these two ring addresses (both ways). */
        public Builder relayGrant(final byte[] a, final byte[] b)
        {
            if (a.length != 20 || b.length != 20)
            {
                throw new IllegalArgumentException("ring addresses are 20 bytes");
            }
            grants.add(new byte[][] {a.clone(), b.clone()});
            return this;
        }

        /** Adds a route from a virtual IP to the ring address that owns it. */
        public Builder route(final int virtualIp, final byte[] address)
        {
            if (address.length != 20)
            {
                throw new IllegalArgumentException("ring addresses are 20 bytes");
            }
            routes.add(new RouteEntry(virtualIp, address.clone()));
            return this;
        }

        public Fib build(final long version)
        {
            return new Fib(this, version);
        }
    }

    private record LinkEntry(byte[] address, int virtualIp, long endpoint, int localId, int remoteId, int[] counterIds,
        boolean routable, byte[] via)
    {
    }

    private record RouteEntry(int virtualIp, byte[] address)
    {
    }
}
