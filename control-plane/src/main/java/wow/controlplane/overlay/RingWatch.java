package wow.controlplane.overlay;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import wow.controlplane.overlay.wire.Messages;

/**
 * Keeps the ring whole after a partition heals or a seed comes back: a node remembers the peers
 * whose links timed out, and the seeds that closed theirs (they are restarted; other peers that
 * say goodbye leave for good), for {@link #MEMORY_MS}, and while it remembers any, every
 * {@link #CHECK_MS} to twice that it takes the next one it is not linked to, links to it as a leaf
 * and sends a Connect-To-Me toward its own address through it. If that peer sits in another ring
 * (the two sides of a cut each formed their own), the Connect-To-Me ends at the node of that ring
 * closest to this one, whose answer names its near neighbours; this node links to those that are
 * closer than its own, and neighbour lists carry the merge on. A peer linked again is forgotten.
 * Costs nothing while no link times out. Owned by the node's thread.
 */
final class RingWatch
{
    /** How long a peer whose link timed out is remembered: longer than the cuts the ring must heal from. */
    static final long MEMORY_MS = 15 * 60_000L;
    /** A remembered peer is checked every this long to twice this long (one at a time). */
    static final long CHECK_MS = 10_000;
    /** Peers remembered at most (the oldest is forgotten first). */
    static final int MAX_REMEMBERED = 16;

    /** A peer whose link timed out, and when. */
    private record Lost(Messages.Peer peer, long sinceMs)
    {
    }

    private final OverlayNode node;
    private final LinkedHashMap<BigInteger, Lost> lost = new LinkedHashMap<>();
    /** Peers being linked to for a check: when the check began. */
    private final Map<BigInteger, Long> checking = new HashMap<>();
    private long nextCheckMs;
    private long nowMs;
    private long checks;

    RingWatch(final OverlayNode node)
    {
        this.node = node;
    }

    /** @return checks started (a link to a remembered peer and a Connect-To-Me through it). */
    long checks()
    {
        return checks;
    }

    /** @return the peers remembered now. */
    int remembered()
    {
        return lost.size();
    }

    /** A connection went: a direct one that timed out, or a seed's that the seed closed, is remembered. */
    void down(final Connection c, final String reason)
    {
        final boolean remembered = "timeout".equals(reason) || ("closed_by_peer".equals(reason) && node.leaf.isSeed(c.endpoint));
        if (!remembered || c.via != null)
        {
            return;
        }
        final Messages.Peer peer = node.endpoints.peer(c);
        if (peer.endpoints().length == 0)
        {
            return;
        }
        lost.remove(c.value);
        if (lost.size() >= MAX_REMEMBERED)
        {
            final Iterator<BigInteger> oldest = lost.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        lost.put(c.value, new Lost(peer, nowMs));
        if (nextCheckMs == 0)
        {
            nextCheckMs = nowMs + CHECK_MS + node.random.nextInt((int)CHECK_MS);
        }
    }

    /** A connection came up: if it was made for a check, the Connect-To-Me goes through it now. */
    void up(final Connection c)
    {
        if (checking.remove(c.value) != null)
        {
            lost.remove(c.value);
            node.near.sendCtmThrough(c);
        }
    }

    /** Forgets what is too old, and checks the next remembered peer when it is time. */
    void tick(final long nowMs)
    {
        this.nowMs = nowMs;
        if (!lost.isEmpty()) // almost always empty: removeIf would make an iterator every tick
        {
            lost.values().removeIf(l -> nowMs - l.sinceMs() > MEMORY_MS);
        }
        if (!checking.isEmpty())
        {
            checking.values().removeIf(started -> nowMs - started > MEMORY_MS);
        }
        if (lost.isEmpty() || nowMs < nextCheckMs)
        {
            return;
        }
        nextCheckMs = nowMs + CHECK_MS + node.random.nextInt((int)CHECK_MS);
        final List<BigInteger> order = new ArrayList<>(lost.keySet());
        for (final BigInteger peer : order)
        {
            final Lost l = lost.remove(peer);
            if (node.table.contains(peer))
            {
                continue; // linked again: in this node's ring
            }
            lost.put(peer, l); // to the back of the rotation
            checking.put(peer, nowMs);
            checks++;
            node.linker.connect(l.peer().endpoints(), l.peer().address(), OverlayNode.LEAF, nowMs, false, false);
            return;
        }
    }
}
