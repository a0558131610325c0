package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The DHT over the ring, whose records are leases (virtual IP &rarr; the ring address of the node
 * that holds it, signed by that node): the replica set of a key (the r nodes closest to it), the
 * leases handed on to the near neighbours every republish interval and soon after the near set
 * moved, and lookups answered over the ring with the owner's signed lease, which the asker checks
 * itself. There are no unsigned records: no member can write one for another. Owned by the node's
 * thread.
 */
final class Dht
{
    /** Leases are handed on at most this often when the near set changes. */
    static final long REPUBLISH_ON_CHANGE_MS = 2_000;

    private final OverlayNode node;
    private List<BigInteger> lastNear = List.of();
    private long lastRepublishMs;
    private long nextRepublishMs;

    Dht(final OverlayNode node)
    {
        this.node = node;
    }

    void start(final long nowMs)
    {
        nextRepublishMs = nowMs;
    }

    /** Asks the ring for the record of a key; the answer comes as {@link OverlayEvents#onDhtReply}. */
    int get(final byte[] key)
    {
        return get(key, key);
    }

    /** Asks the node nearest {@code point} for the record of {@code key}. */
    int get(final byte[] key, final byte[] point)
    {
        final int token = node.sender.newToken();
        node.sender.route(point, OverlayNode.CLOSEST, Messages.dhtGet(token, key, node.address));
        return token;
    }

    /** Hands the leases on every republish interval, and soon after the near set moved. */
    void tick(final long nowMs)
    {
        final List<BigInteger> near = node.table.nearValues();
        final boolean nearMoved = !near.equals(lastNear);
        if (nowMs >= nextRepublishMs ||
            (nearMoved && node.near.joined() && nowMs - lastRepublishMs >= REPUBLISH_ON_CHANGE_MS))
        {
            // also soon after the near set changed: a node that just became a key's primary (it
            // joined, a holder left) learns the live leases before it could grant a second owner
            lastNear = near;
            lastRepublishMs = nowMs;
            nextRepublishMs = nowMs + node.config.dhtRepublishMs();
            node.leases.handOn(nowMs);
        }
    }

    /** @return the near neighbours that, with this node, are the r closest it knows to a key. */
    List<Connection> replicaNeighbours(final BigInteger key)
    {
        final List<Connection> near = new ArrayList<>(node.table.nearNeighbours());
        near.sort((a, b) -> Ring.distance(a.value, key).compareTo(Ring.distance(b.value, key)));
        final List<Connection> out = new ArrayList<>();
        final BigInteger mine = Ring.distance(node.self, key);
        final int replicas = node.config.dhtReplicas();
        int rank = 0;
        for (final Connection c : near)
        {
            if (Ring.distance(c.value, key).compareTo(mine) < 0)
            {
                rank++;
            }
        }
        for (int i = 0; i < near.size() && out.size() + 1 < replicas; i++)
        {
            out.add(near.get(i));
        }
        return rank < replicas ? out : List.of();
    }

    /** A lookup routed here: answered over the ring with the owner's signed lease this node holds, if any. */
    void onGet(final OverlayMessage.DhtGet m, final long nowMs)
    {
        final Leases.Lease lease = node.leases.held(m.key(), nowMs);
        final byte[] value = lease == null ? null : Messages.lease(lease.handOn(nowMs));
        node.sender.route(m.requester(), OverlayNode.EXACT, Messages.dhtReply(m.token(), m.key(), lease != null,
            lease == null ? 0 : (int)((lease.expiresMs() - nowMs) / 1000), value));
    }
}
