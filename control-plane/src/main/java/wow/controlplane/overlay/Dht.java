package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small DHT over the ring: records stored on the r nodes closest to their key, this node's own
 * records re-put while it lives, replicas handed on to the near neighbours that should hold them
 * (also soon after the near set changed), lookups answered over the ring. Owned by the node's
 * thread.
 */
final class Dht
{
    /** Records are re-put at most this often when the near set changes. */
    static final long REPUBLISH_ON_CHANGE_MS = 2_000;

    private record Stored(byte[] value, long expiresMs)
    {
    }

    /** A record this node keeps on the ring. */
    private record Own(byte[] value, int ttlSeconds)
    {
    }

    private final OverlayNode node;
    private final Map<BigInteger, Stored> store = new HashMap<>();
    private final Map<BigInteger, Own> own = new HashMap<>();
    private List<BigInteger> lastNear = List.of();
    private long lastRepublishMs;
    private long nextRepublishMs;

    Dht(final OverlayNode node)
    {
        this.node = node;
    }

    /** @return the DHT key of a name: SHA-1 of it. */
    static byte[] key(final String name)
    {
        try
        {
            return MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    void start(final long nowMs)
    {
        nextRepublishMs = nowMs;
    }

    /** Stores a record on the r nodes closest to its key, and keeps it there while this node lives. */
    void put(final byte[] key, final byte[] value, final int ttlSeconds)
    {
        own.put(Ring.value(key), new Own(value.clone(), ttlSeconds));
        node.sender.route(key, OverlayNode.CLOSEST, Messages.dhtPut(ttlSeconds, key, node.config.dhtReplicas(), value));
    }

    /** Stops keeping a record (it expires on the replicas with its TTL). */
    void remove(final byte[] key)
    {
        own.remove(Ring.value(key));
    }

    /** Asks the ring for a record; the answer comes as {@link OverlayEvents#onDhtReply}. */
    int get(final byte[] key)
    {
        final int token = node.sender.newToken();
        node.sender.route(key, OverlayNode.CLOSEST, Messages.dhtGet(token, key, node.address));
        return token;
    }

    /** @return the value this node stores for a key, if it holds a live replica. */
    byte[] stored(final byte[] key, final long nowMs)
    {
        final Stored s = store.get(Ring.value(key));
        return s == null || s.expiresMs <= nowMs ? null : s.value.clone();
    }

    /** Re-puts and re-replicates every republish interval, and soon after the near set moved. */
    void tick(final long nowMs)
    {
        final List<BigInteger> near = node.table.nearValues();
        final boolean nearMoved = !near.equals(lastNear);
        if (nowMs >= nextRepublishMs ||
            (nearMoved && node.near.joined() && nowMs - lastRepublishMs >= REPUBLISH_ON_CHANGE_MS))
        {
            // also soon after the near set changed: records put while the ring was forming (or
            // whose holders just changed) reach the nodes that own them now, not 30 s later
            lastNear = near;
            lastRepublishMs = nowMs;
            nextRepublishMs = nowMs + node.config.dhtRepublishMs();
            republish(nowMs);
        }
    }

    private void republish(final long nowMs)
    {
        for (final Map.Entry<BigInteger, Own> e : own.entrySet())
        {
            final byte[] key = Ring.address(e.getKey());
            node.sender.route(key, OverlayNode.CLOSEST,
                Messages.dhtPut(e.getValue().ttlSeconds(), key, node.config.dhtReplicas(), e.getValue().value()));
        }
        store.values().removeIf(s -> s.expiresMs <= nowMs);
        // leases too, with what is left of them: a node that just became a key's primary (it
        // joined, a holder left) learns the live leases before it could grant a second owner
        node.leases.handOn(nowMs);
        // re-replicate: hand what this node holds to its near neighbours that should hold it too
        for (final Map.Entry<BigInteger, Stored> e : store.entrySet())
        {
            final int ttl = (int)Math.max(1, (e.getValue().expiresMs - nowMs) / 1000);
            final byte[] message = Messages.dhtPut(ttl, Ring.address(e.getKey()), 1, e.getValue().value);
            for (final Connection c : replicaNeighbours(e.getKey()))
            {
                node.sender.send(c, message);
            }
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

    /** A put: stored here (the later expiry wins); copied to the replicas when it was routed here. */
    void onPut(final OverlayMessage.DhtPut m, final boolean routedHere, final long nowMs)
    {
        final BigInteger key = Ring.value(m.key());
        final long expires = nowMs + m.ttlSeconds() * 1000L;
        final Stored old = store.get(key);
        if (old == null && store.size() >= OverlayNode.MAX_STORED)
        {
            node.reject();
            return;
        }
        if (old == null || old.expiresMs < expires)
        {
            // the later expiry wins: a holder re-replicating an older value cannot undo a fresh put
            store.put(key, new Stored(m.value().clone(), expires));
        }
        if (routedHere && m.replicas() > 1)
        {
            final byte[] copy = Messages.dhtPut(m.ttlSeconds(), m.key(), 1, m.value());
            for (final Connection c : replicaNeighbours(key))
            {
                node.sender.send(c, copy);
            }
        }
    }

    /** A lookup routed here: answered over the ring with what this node holds. */
    void onGet(final OverlayMessage.DhtGet m, final long nowMs)
    {
        final Stored s = store.get(Ring.value(m.key()));
        final boolean found = s != null && s.expiresMs > nowMs;
        node.sender.route(m.requester(), OverlayNode.EXACT, Messages.dhtReply(m.token(), m.key(), found,
            found ? (int)((s.expiresMs - nowMs) / 1000) : 0, found ? s.value : null));
    }
}
