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
     * Hands every live lease and every remembered release, with what is left of it, to the key's
     * other holders as this node sees them (the r nodes closest to the key among its near
     * neighbours and itself, the key within the arc its near neighbours span): whichever of them is
     * (or becomes) the key's primary or a replica learns it. A node that is not one of them (a
     * primary of the wrong place while the ring was in flux, a holder the key's new neighbours
     * pushed out) sends one copy on toward the key and keeps none. Before, every node handed every
     * record to its r near neighbours closest to the key and kept it: records spread along the ring
     * one hop per hand-on while near sets kept changing, and after a flash crowd of 3,000 nodes each
     * held 290 of them on average (and sent them all every hand-on) instead of about r.
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
            final BigInteger mine = Ring.distance(node.self, key);
            int closer = 0;
            while (closer < near.size() && Ring.distance(near.get(closer).value, key).compareTo(mine) < 0)
            {
                closer++;
            }
            final boolean holder = closer < replicas && !beyondNear(key);
            final byte[] message = Messages.lease(lease.handOn(nowMs));
            if (holder)
            {
                for (int i = 0; i < Math.min(near.size(), replicas - 1); i++)
                {
                    node.sender.send(near.get(i), message); // to the key's other holders
                }
            }
            else
            {
                // not one of its holders: one copy on toward the key, over the link that gets closest to
                // it (a far link where the key is far), and none kept — a record never spreads along the
                // ring or circles among nodes handing it to each other
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
     * @return true if a key lies beyond this node's outermost near neighbour on its side of the ring
     *         (that side full): those neighbours are closer to it, and nodes it does not know may be
     *         too, so it is no holder of the key — counting only the near neighbours closer than
     *         itself would make every node a holder of every key on the far side of the ring.
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
        return toKey.compareTo(reach) > 0;
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
