package wow.controlplane.overlay;

import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;

/**
 * The connection table (Brunet's {@code ConnectionTable}): every up connection, direct or relayed,
 * ordered by ring address, and the local link ids in use (by connections and by links being set
 * up). It answers the ring questions everything else asks (the near neighbours on each side, the
 * greedy next hop, a bootstrap link) and raises link up and down events when a connection comes or
 * goes. Owned by the node's thread.
 */
final class ConnectionTable
{
    private final OverlayNode node;
    private final Random random;
    private final TreeMap<BigInteger, Connection> connections = new TreeMap<>();
    /** Local link ids in use, by connections and links being set up. */
    private final IntHashSet localIds = new IntHashSet();
    /** The connections by local link id (each has its own). */
    private final Int2ObjectHashMap<Connection> byLocalId = new Int2ObjectHashMap<>();
    /**
     * The connections in ring order, the near sides and neighbours, as of the last change of the
     * table's addresses (null: to be worked out). Walking an array costs less than walking the tree.
     */
    private List<Connection> ordered;
    /** The array {@code ordered} is a read-only view of, and the first 64 bits of each address, for binary searches. */
    private Connection[] sorted;
    private long[] prefixes;
    private List<Connection> right;
    private List<Connection> left;
    private List<Connection> near;
    /** How far the near sides reach (clockwise to the farthest on the right, from it on the left), as of the same change. */
    private BigInteger rightReach;
    private BigInteger leftReach;

    ConnectionTable(final OverlayNode node, final Random random)
    {
        this.node = node;
        this.random = random;
    }

    /**
     * @return every connection in ring order (unmodifiable; the same list until the table's
     * addresses change, so a caller may add or remove connections while walking it).
     */
    List<Connection> all()
    {
        if (ordered == null)
        {
            sorted = connections.values().toArray(new Connection[0]);
            ordered = Collections.unmodifiableList(Arrays.asList(sorted));
            prefixes = new long[sorted.length];
            for (int i = 0; i < sorted.length; i++)
            {
                prefixes[i] = prefix(sorted[i].address);
            }
        }
        return ordered;
    }

    int size()
    {
        return connections.size();
    }

    boolean isEmpty()
    {
        return connections.isEmpty();
    }

    boolean contains(final BigInteger address)
    {
        return get(address) != null;
    }

    /** @return the connection to this address, even one that must go at the next check, or null. */
    Connection get(final BigInteger address)
    {
        final int i = atOrAfter(address);
        return i < sorted.length && sorted[i].value.equals(address) ? sorted[i] : null;
    }

    /** @return the connection to exactly this address (direct or relayed) unless it must go, or null. */
    Connection live(final BigInteger address)
    {
        final Connection c = get(address);
        return c == null || c.doomed != null ? null : c;
    }

    /**
     * @return the ring-order index of the first connection at or after {@code value} (the count if
     * none): a binary search over the first 64 bits of each address, in one array, that looks at an
     * address itself only where those bits are the value's (a walk down the tree loaded a node, a
     * key and its digits at every level).
     */
    private int atOrAfter(final BigInteger value)
    {
        all();
        final long prefix = value.shiftRight(Ring.ADDRESS_LENGTH * 8 - 64).longValue();
        int low = 0;
        int high = sorted.length;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            final int order = Long.compareUnsigned(prefixes[mid], prefix);
            if (order < 0 || order == 0 && sorted[mid].value.compareTo(value) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    /** @return the first 64 bits of an address, as an unsigned number. */
    private static long prefix(final byte[] address)
    {
        long p = 0;
        for (int i = 0; i < 8; i++)
        {
            p = p << 8 | (address[i] & 0xFF);
        }
        return p;
    }

    /** @return the connection with this local link id, or null. */
    Connection byLocalId(final int localId)
    {
        return byLocalId.get(localId);
    }

    /** Adds a new connection (its owner raises the link-up event once its fields are set). */
    void add(final Connection c)
    {
        localIds.add(c.localId);
        final Connection replaced = connections.put(c.value, c);
        if (replaced != null)
        {
            byLocalId.remove(replaced.localId, replaced);
        }
        byLocalId.put(c.localId, c);
        addressesChanged();
        node.near.markChanged();
        node.keepalives.recheck();
    }

    /** Marks a connection to be removed at the next keepalive tick, for this reason. */
    void doom(final Connection c, final String reason)
    {
        c.doomed = reason;
        node.keepalives.recheck();
    }

    /** Removes the connection to this address, if any, and cleans up after it. */
    Connection remove(final BigInteger address, final String reason)
    {
        final Connection c = connections.remove(address);
        if (c != null)
        {
            byLocalId.remove(c.localId, c);
            addressesChanged();
            removed(c, reason);
        }
        return c;
    }

    private void removed(final Connection c, final String reason)
    {
        release(c.localId);
        node.relays.removed(c);
        node.ringWatch.down(c, reason);
        node.events.onLinkDown(c, reason);
        node.near.markChanged();
    }

    /** Forgets every connection (the node leaves). */
    void clear()
    {
        connections.clear();
        byLocalId.clear();
        addressesChanged();
    }

    /** The sides depend on the addresses only: worked out again when next asked for. */
    private void addressesChanged()
    {
        ordered = null;
        right = null;
        left = null;
        near = null;
        rightReach = null;
        leftReach = null;
    }

    /** @return a fresh random local link id, not 0 and not in use, reserved until released. */
    int newLocalId()
    {
        int id;
        do
        {
            id = random.nextInt();
        }
        while (id == 0 || localIds.contains(id));
        localIds.add(id);
        return id;
    }

    /** Frees a local link id unless a connection still uses it. */
    void release(final int localId)
    {
        if (byLocalId(localId) == null)
        {
            localIds.remove(localId);
        }
    }

    /**
     * @return the direct connection a datagram came from (its liveness noted), or null (counted):
     * messages that need a link are only taken from linked peers.
     */
    Connection heard(final long from, final long nowMs)
    {
        final List<Connection> all = all();
        for (int i = 0; i < all.size(); i++)
        {
            final Connection c = all.get(i);
            if (c.endpoint == from)
            {
                c.lastHeardMs = nowMs;
                return c;
            }
        }
        node.reject();
        return null;
    }

    /**
     * @return the near neighbours, {@code nearPerSide} clockwise then as many counter-clockwise
     * (unmodifiable; the same list until the table's addresses change).
     */
    List<Connection> nearNeighbours()
    {
        if (near == null)
        {
            final List<Connection> out = new ArrayList<>(side(true));
            for (final Connection c : side(false))
            {
                if (!out.contains(c))
                {
                    out.add(c);
                }
            }
            near = List.copyOf(out);
        }
        return near;
    }

    /** @return the near neighbours' ring addresses. */
    List<BigInteger> nearValues()
    {
        final List<BigInteger> out = new ArrayList<>();
        for (final Connection c : nearNeighbours())
        {
            out.add(c.value);
        }
        return out;
    }

    /**
     * @return the closest connections on one side (clockwise if {@code right}), nearest first
     * (unmodifiable; the same list until the table's addresses change).
     */
    List<Connection> side(final boolean right)
    {
        if (right)
        {
            if (this.right == null)
            {
                this.right = List.copyOf(workOutSide(true));
            }
            return this.right;
        }
        if (left == null)
        {
            left = List.copyOf(workOutSide(false));
        }
        return left;
    }

    /**
     * @return how far one near side reaches: the clockwise distance from this node to the farthest
     * of its right side's {@code nearPerSide}, or from the farthest of its left side to it; null if
     * that side has fewer (then any peer on it would be near).
     */
    BigInteger reach(final boolean right)
    {
        final List<Connection> side = side(right);
        if (side.size() < node.config.nearPerSide())
        {
            return null;
        }
        if (right)
        {
            if (rightReach == null)
            {
                rightReach = Ring.clockwise(node.self, side.get(side.size() - 1).value);
            }
            return rightReach;
        }
        if (leftReach == null)
        {
            leftReach = Ring.clockwise(side.get(side.size() - 1).value, node.self);
        }
        return leftReach;
    }

    private List<Connection> workOutSide(final boolean right)
    {
        final int wanted = node.config.nearPerSide();
        final List<Connection> out = new ArrayList<>(wanted);
        if (connections.isEmpty())
        {
            return out;
        }
        final BigInteger self = node.self;
        Map.Entry<BigInteger, Connection> e = right ? connections.higherEntry(self) : connections.lowerEntry(self);
        while (out.size() < wanted && out.size() < connections.size())
        {
            if (e == null)
            {
                e = right ? connections.firstEntry() : connections.lastEntry();
            }
            if (out.contains(e.getValue()))
            {
                break;
            }
            out.add(e.getValue());
            e = right ? connections.higherEntry(e.getKey()) : connections.lowerEntry(e.getKey());
        }
        return out;
    }

    /**
     * Greedy routing: the routable connection closest to {@code destination} if it is strictly
     * closer than this node, else null. A connection to {@code exclude} (may be null) is never chosen.
     */
    Connection nextHop(final BigInteger destination, final BigInteger exclude)
    {
        return closest(destination, exclude, Ring.distance(node.self, destination));
    }

    /**
     * @return the routable connection closest to {@code destination} other than {@code exclude},
     * strictly closer than {@code bound} if it is not null; of two as close, the lower address.
     * The closest on the ring is the first eligible connection clockwise from the destination or
     * the first counter-clockwise from it, so only those two are measured (the table is sorted by
     * address): routing costs a walk to the nearest eligible entries, not a distance per connection.
     */
    Connection closest(final BigInteger destination, final BigInteger exclude, final BigInteger bound)
    {
        final int n = size();
        final int at = atOrAfter(destination);
        Connection after = null;
        for (int k = 0; k < n && after == null; k++)
        {
            after = eligible(sorted[(at + k) % n], exclude); // clockwise from the destination, on round the ring
        }
        if (after == null)
        {
            return null; // none eligible at all
        }
        Connection before = null;
        for (int k = 1; k <= n && before == null; k++)
        {
            before = eligible(sorted[(at - k + n) % n], exclude); // counter-clockwise from just below it
        }
        Connection hop = after;
        BigInteger best = Ring.distance(after.value, destination);
        if (before != after)
        {
            final BigInteger d = Ring.distance(before.value, destination);
            final int order = d.compareTo(best);
            if (order < 0 || (order == 0 && before.value.compareTo(after.value) < 0))
            {
                hop = before;
                best = d;
            }
        }
        return bound == null || best.compareTo(bound) < 0 ? hop : null;
    }

    /** @return the connection if it is routable and not to {@code exclude}, else null. */
    private static Connection eligible(final Connection c, final BigInteger exclude)
    {
        return c.routable() && !c.value.equals(exclude) ? c : null;
    }

    boolean hasRoutable()
    {
        for (final Connection c : all())
        {
            if (c.routable())
            {
                return true;
            }
        }
        return false;
    }

    /** @return a direct bootstrap (leaf) link, else any direct one: the way out before the ring is formed. */
    Connection leaf()
    {
        Connection any = null;
        for (final Connection c : all())
        {
            if (c.via == null && c.doomed == null)
            {
                if ((c.types & OverlayNode.LEAF) != 0)
                {
                    return c;
                }
                any = any == null ? c : any;
            }
        }
        return any;
    }

    /** @return true if some relayed peer reaches this node through {@code relay}. */
    boolean carriesRelayedPeers(final Connection relay)
    {
        for (final Connection d : all())
        {
            if (d.via != null && Arrays.equals(d.via, relay.address))
            {
                return true;
            }
        }
        return false;
    }
}
