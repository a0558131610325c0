package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseQuorum;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Leases over the DHT: this node's signed operations sent to a key's primary, the requests it
 * decides as a primary (in quorum rounds, {@link LeaseQuorum}), the replica's side, and handing the
 * live leases it holds to its near neighbours. Owned by the node's thread.
 */
final class LeaseService
{
    private final OverlayNode node;
    private final Leases leases;
    private final LeaseQuorum quorum;

    LeaseService(final OverlayNode node)
    {
        this.node = node;
        this.leases = new Leases(node.authority);
        this.quorum = new LeaseQuorum(leases, new LeaseQuorum.Wire()
        {
            @Override
            public void send(final BigInteger to, final byte[] message)
            {
                final Connection c = node.table.get(to);
                if (c != null)
                {
                    node.sender.send(c, message);
                }
            }

            @Override
            public List<BigInteger> near()
            {
                return node.table.nearValues();
            }

            @Override
            public void answer(final Messages.LeaseOp op, final int result, final byte[] holder, final Leases.Lease held,
                final long nowMs)
            {
                node.sender.route(op.value(), OverlayNode.EXACT, Messages.leaseReply(op.token(), op.key(), result, holder,
                    held == null ? null : held.handOn(nowMs)));
            }
        });
    }

    /**
     * Sends a signed lease operation to the node closest to its key (the primary holder).
     *
     * @return the token of the answer.
     */
    int request(final Messages.LeaseOp op)
    {
        final int token = node.sender.newToken();
        node.sender.route(op.key(), OverlayNode.CLOSEST, Messages.lease(op.as(Messages.LEASE_REQUEST, token, op.ttlSeconds())));
        return token;
    }

    /**
     * @return true unless the answer is a "taken" without proof: the owner's signed operation for
     *         this key naming the owner it names, which no one but that owner can have made (and, on a
     *         secure network, whose certificate allows the address).
     */
    boolean credible(final OverlayMessage.LeaseReply reply)
    {
        final Messages.LeaseOp held = reply.held();
        return reply.result() != Messages.LEASE_TAKEN || held != null && Arrays.equals(held.key(), reply.key()) &&
            Arrays.equals(held.value(), reply.holder()) && node.leaseProblem(held) == null;
    }

    /** @return the live lease this node holds for a key, or null. */
    Leases.Lease held(final byte[] key, final long nowMs)
    {
        return leases.get(key, nowMs);
    }

    int records(final long nowMs)
    {
        return leases.live(nowMs).size() + leases.releases(nowMs).size();
    }

    long noQuorum()
    {
        return quorum.noQuorum();
    }

    void tick(final long nowMs)
    {
        quorum.expire(nowMs);
    }

    /**
     * Hands every live lease and every remembered release, with what is left of it, to the r near
     * neighbours closest to its key, where this node is near the key (within twice the reach of
     * its near neighbours on that side): whichever of them is (or becomes) the key's primary or a
     * replica learns it. A node far from the key (a primary of the wrong place while the ring was
     * in flux, a holder that many newcomers pushed away) sends one copy on toward the key over its
     * link closest to it and keeps none. Before, every node handed every record on and kept it
     * wherever it was: records spread along the ring one hop per hand-on while near sets kept
     * changing, and after a flash crowd of 3,000 nodes each node held 291 of them on average (and
     * sent them all every hand-on). Only the r closest keeping a record cost lookups now and then:
     * a pool lease's resolver asks the holders beside the key too.
     */
    void handOn(final long nowMs)
    {
        final List<Leases.Lease> all = leases.live(nowMs);
        all.addAll(leases.releases(nowMs));
        final List<Connection> near = new ArrayList<>(node.table.nearNeighbours());
        final int replicas = node.config.dhtReplicas();
        for (final Leases.Lease lease : all)
        {
            final BigInteger key = Ring.value(lease.lastOp().key());
            near.sort((a, b) -> Ring.distance(a.value, key).compareTo(Ring.distance(b.value, key)));
            final byte[] message = Messages.lease(lease.handOn(nowMs));
            if (!beyondNear(key))
            {
                for (int i = 0; i < Math.min(near.size(), replicas); i++)
                {
                    node.sender.send(near.get(i), message); // to the near neighbours closest to the key
                }
            }
            else
            {
                // far from the key: one copy on toward it, over the link that gets closest to it (a far
                // link where the key is far), and none kept — a record never spreads along the ring
                final Connection toward = node.nextHop(key, null);
                if (toward != null)
                {
                    node.sender.send(toward, message);
                }
                leases.forget(lease.lastOp().key());
            }
        }
    }

    /**
     * @return true if a key lies more than twice as far as this node's outermost near neighbour on
     *         its side of the ring (that side full): those neighbours are closer to it, and nodes it
     *         does not know surely are too, so it is not near the key.
     */
    private boolean beyondNear(final BigInteger key)
    {
        final boolean right = Ring.clockwise(node.self, key).compareTo(Ring.HALF) <= 0;
        final List<Connection> side = node.table.side(right);
        if (side.size() < node.config.nearPerSide())
        {
            return false;
        }
        final BigInteger outer = side.get(side.size() - 1).value;
        final BigInteger reach = right ? Ring.clockwise(node.self, outer) : Ring.clockwise(outer, node.self);
        final BigInteger toKey = right ? Ring.clockwise(node.self, key) : Ring.clockwise(key, node.self);
        return toKey.compareTo(reach.shiftLeft(1)) > 0;
    }

    /** A request routed to this node as the key's primary: decided in quorum rounds with the key's replicas. */
    void onRequest(final Messages.LeaseOp op, final long nowMs)
    {
        final List<BigInteger> replicas = new ArrayList<>();
        for (final Connection c : node.dht.replicaNeighbours(Ring.value(op.key())))
        {
            replicas.add(c.value);
        }
        quorum.request(op, replicas, nowMs);
    }

    /**
     * A lease message between a primary and a replica, from a linked node (directly, or routed
     * over the relayed link): a query or copy to answer, or a replica's answer.
     */
    void onFromPeer(final Connection c, final OverlayMessage m, final long nowMs)
    {
        if (c == null)
        {
            node.reject();
            return;
        }
        if (m instanceof Messages.LeaseHeld held)
        {
            quorum.held(c.value, held, nowMs);
            return;
        }
        final Messages.LeaseOp op = (Messages.LeaseOp)m;
        if (op.role() == Messages.LEASE_REQUEST)
        {
            node.reject(); // requests are routed to the primary, never sent to a link
            return;
        }
        final byte[] answer = quorum.replica(op, nowMs);
        if (answer != null)
        {
            node.sender.send(c, answer);
        }
    }
}
