package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import wow.dataplane.transport.Endpoints;

/**
 * The near overlord (Brunet's {@code StructuredNearConnectionOverlord}): the join by
 * Connect-To-Me toward this node's own address (over the leaf links the {@link LeafOverlord}
 * made), the near neighbours on each side of the ring, neighbour lists exchanged with them (which
 * reveal closer nodes), the periodic self-check, and closing links nothing needs any more. Owned
 * by the node's thread.
 */
final class NearOverlord
{
    private static final long SELF_CHECK_MS = 10_000;
    /** A self-check comes this soon (plus up to as much again) after the near set changed. */
    static final long FLUX_CHECK_MS = 2_000;
    /**
     * Self-checks so far, taken in turn as toward the node's own address, beside it, and through a
     * random connection (see tick). The first is the last kind: a node that joined in a crowd may
     * sit in a chain of joiners that looks consistent to its members, and a check that starts next
     * to it stays in that chain. 10,000 nodes joining at 500/s: join p99 5.1 s instead of 11.7,
     * the ring correct 7 s after the last join instead of 12, 7 % fewer messages.
     */
    private int selfChecks = 2;

    private final OverlayNode node;
    private boolean joined;
    private boolean nearChanged;
    private long nextCtmMs;
    private long ctmBackoffMs;
    private long nextNeighboursMs;
    private long nextSelfCheckMs;

    NearOverlord(final OverlayNode node)
    {
        this.node = node;
    }

    /** Starts joining (with no seeds: this node starts a new ring and is joined at once). */
    void join(final boolean alone, final long nowMs)
    {
        joined = alone;
        nextCtmMs = nowMs;
        ctmBackoffMs = node.config.ctmIntervalMs();
        nextNeighboursMs = nowMs + node.config.neighbourIntervalMs();
    }

    boolean joined()
    {
        return joined;
    }

    /** The near set may have changed: neighbour lists go out at the next tick. */
    void markChanged()
    {
        nearChanged = true;
    }

    /** Asks the ring for this node's true neighbours no later than {@code atMs}. */
    void checkSelfAt(final long atMs)
    {
        nextSelfCheckMs = Math.min(nextSelfCheckMs, atMs);
    }

    /** The node lost every link and starts over through its seeds: it is not in the ring. */
    void lostRing()
    {
        joined = false;
    }

    /** The near overlord's timers: near types, joining, neighbour lists, the self-check. */
    void tick(final long nowMs)
    {
        maintain(nowMs);
        if (!joined || node.table.side(true).isEmpty())
        {
            joinStep(nowMs);
        }
        if (nearChanged && joined)
        {
            // the ring moves around this node: check its neighbours soon, not in 10-20 s (each check
            // that finds a closer node changes the near set again, so the checks go on while the
            // ring forms and stop when it stands); 3,000 nodes joining at 500/s: converged 42-50 s
            // after the last join instead of 52-53, join p99 19-25 s instead of 29-32
            nextSelfCheckMs = Math.min(nextSelfCheckMs, nowMs + FLUX_CHECK_MS + node.random.nextInt((int)FLUX_CHECK_MS));
        }
        if (nowMs >= nextNeighboursMs || nearChanged)
        {
            sendNeighbours(nowMs);
        }
        if (joined && nowMs >= nextSelfCheckMs)
        {
            // ask the node nearest our address again now and then: a node whose view went wrong
            // while the ring changed around it learns its true neighbours from the right place
            nextSelfCheckMs = nowMs + SELF_CHECK_MS + node.random.nextInt((int)SELF_CHECK_MS);
            final int kind = selfChecks++ % 3;
            if (kind == 0)
            {
                sendCtm();
            }
            else if (kind == 1)
            {
                sendCtmBeside();
            }
            else
            {
                sendCtmFromElsewhere();
            }
        }
    }

    private void joinStep(final long nowMs)
    {
        if (node.table.isEmpty() || nowMs < nextCtmMs)
        {
            return;
        }
        nextCtmMs = nowMs + ctmBackoffMs;
        ctmBackoffMs = Math.min(ctmBackoffMs * 2, 8_000);
        sendCtm();
    }

    /** Keeps the near types on exactly the closest connections each side; closes what nothing needs. */
    private void maintain(final long nowMs)
    {
        final ConnectionTable table = node.table;
        final OverlayConfig config = node.config;
        final List<Connection> near = table.nearNeighbours();
        boolean changed = false;
        final boolean ringFormed = !table.side(true).isEmpty() && !table.side(false).isEmpty();
        for (final Connection c : table.all())
        {
            final int before = c.types;
            if (near.contains(c))
            {
                c.types |= OverlayNode.NEAR;
            }
            else
            {
                c.types &= ~OverlayNode.NEAR;
            }
            final boolean relayLeg = node.relays.relayLeg(c);
            if (c.via == null && relayLeg)
            {
                c.types |= OverlayNode.RELAY; // routable: for a node behind blocked UDP it is the way to everyone
            }
            else
            {
                c.types &= ~OverlayNode.RELAY;
            }
            node.leaf.releaseIfDone(c, ringFormed && joined, nowMs);
            if (c.types == 0 && c.peerTypes == 0 && nowMs - c.upSinceMs > config.linkRetryMs() * 4 && !relayLeg)
            {
                node.sender.send(c, Messages.close(node.address));
                table.remove(c.value, "not_needed");
                changed = true;
            }
            else if (c.types != before)
            {
                changed = true;
                // tell the peer what the link is for now, so neither side drops what the other needs
                node.keepalives.announceTypes(c);
            }
        }
        if (changed)
        {
            nearChanged = true;
            node.sender.connectionsChanged();
        }
        if (joined && !table.isEmpty() && !table.side(true).isEmpty() && nowMs >= nextCtmMs && nearIncomplete())
        {
            // a side with fewer near neighbours than wanted while the ring may be larger: ask again
            nextCtmMs = nowMs + Math.max(ctmBackoffMs, config.ctmIntervalMs());
            ctmBackoffMs = Math.min(ctmBackoffMs * 2, 30_000);
            sendCtm();
        }
    }

    private boolean nearIncomplete()
    {
        final int right = node.table.side(true).size();
        return right < node.config.nearPerSide() && node.table.size() > right;
    }

    /**
     * Sends a Connect-To-Me to the node closest to this node's own address other than this one:
     * the first hop is the connection closest to it even though this node is closer, and no hop
     * hands it back.
     */
    private void sendCtm()
    {
        Connection hop = node.table.closest(node.self, null, null);
        if (hop == null)
        {
            hop = node.table.leaf();
        }
        if (hop != null)
        {
            sendCtmThrough(hop);
        }
    }

    /**
     * Sends a Connect-To-Me toward this node's own address through a random connection, so that it
     * enters the ring somewhere else: where the joins of a crowd left two interleaved chains that
     * each look consistent to their members, a route that starts in the other chain ends at the
     * true neighbour this node does not know.
     */
    private void sendCtmFromElsewhere()
    {
        final List<Connection> all = new ArrayList<>(node.table.all());
        if (all.isEmpty())
        {
            return;
        }
        sendCtmThrough(all.get(node.random.nextInt(all.size())));
    }

    /**
     * Sends a Connect-To-Me toward a point beside this node's address, on a random side, halfway to
     * its farthest near neighbour there: the node nearest that point answers with its neighbours.
     * The node nearest this one's own address may lie about its neighbours (or withhold them); an
     * honest node elsewhere in the neighbourhood names the true ones, and each check comes closer.
     */
    private void sendCtmBeside()
    {
        final boolean right = node.random.nextBoolean();
        final List<Connection> side = node.table.side(right);
        final BigInteger reach = side.isEmpty() ? Ring.HALF.shiftRight(8) :
            Ring.distance(node.self, side.get(Math.min(side.size(), node.config.nearPerSide()) - 1).value);
        final BigInteger offset = reach.shiftRight(1).max(BigInteger.ONE);
        final byte[] point = Ring.address(right ? node.self.add(offset) : node.self.subtract(offset));
        final Connection hop = node.table.closest(Ring.value(point), null, null);
        if (hop != null)
        {
            sendCtmThrough(hop, point);
        }
    }

    /**
     * Sends a Connect-To-Me toward this node's own address through one connection: it ends at the
     * node closest to this one in the ring that connection's peer is in.
     */
    void sendCtmThrough(final Connection hop)
    {
        sendCtmThrough(hop, node.address);
    }

    /** Sends a Connect-To-Me through one connection toward a point: it ends at the node nearest it. */
    private void sendCtmThrough(final Connection hop, final byte[] point)
    {
        // a hop that is no routable link gets the reply back to this node itself
        final byte[] message = Messages.ctmRequest(OverlayNode.NEAR, node.sender.newToken(), node.endpoints.me(),
            hop.routable() ? null : hop.address);
        node.sender.routeVia(hop, point, OverlayNode.CLOSEST, true, message);
    }

    private void sendNeighbours(final long nowMs)
    {
        nextNeighboursMs = nowMs + node.config.neighbourIntervalMs();
        nearChanged = false;
        final List<Connection> near = node.table.nearNeighbours();
        if (near.isEmpty())
        {
            return;
        }
        final byte[] message = neighbourList();
        for (final Connection c : near)
        {
            c.lastListSentMs = nowMs;
            node.sender.send(c, message);
        }
    }

    private byte[] neighbourList()
    {
        final List<Connection> near = node.table.nearNeighbours();
        final List<Messages.Peer> peers = new ArrayList<>(near.size() + 1);
        peers.add(node.endpoints.me());
        for (final Connection c : near)
        {
            peers.add(node.endpoints.peer(c));
        }
        return Messages.neighbours(peers);
    }

    /** A neighbour list from a linked peer: link to closer nodes it names; answer with ours now and then. */
    void onNeighbours(final Connection c, final OverlayMessage.Neighbours m, final long nowMs)
    {
        if (c == null)
        {
            return;
        }
        considerNear(m.peers(), nowMs);
        if (nowMs - c.lastListSentMs >= node.config.neighbourIntervalMs() / 2)
        {
            // answer with our own view: a node that knows the wrong neighbours learns the right ones
            c.lastListSentMs = nowMs;
            node.sender.send(c, neighbourList());
        }
    }

    /** A Connect-To-Me that ends here: answer with this node (and its near neighbours if asked) and link back. */
    void onCtmRequest(final OverlayMessage.CtmRequest m, final long nowMs)
    {
        final Messages.Peer requester = m.requester();
        if (Arrays.equals(requester.address(), node.address) || requester.endpoints().length == 0)
        {
            return;
        }
        final List<Messages.Peer> near = new ArrayList<>();
        if ((m.connectionTypes() & OverlayNode.NEAR) != 0)
        {
            for (final Connection c : node.table.nearNeighbours())
            {
                if (!Arrays.equals(c.address, requester.address()))
                {
                    near.add(node.endpoints.peer(c));
                }
            }
        }
        final byte[] reply = Messages.ctmReply(m.connectionTypes(), m.token(), node.endpoints.me(), near);
        // the requester's endpoints are only its word: each is contacted a bounded number of times
        final long[] contact = node.contacts.allowed(requester.endpoints(), nowMs);
        for (final long endpoint : contact)
        {
            if (!Endpoints.isTcp(endpoint))
            {
                node.sender.sendDirect(endpoint, 0, reply);
            }
        }
        // the direct reply does not pass a NAT the requester has not opened toward us: return it
        // over the ring too, through the node it asked when it has no routable link yet
        if (m.via() != null)
        {
            if (!Arrays.equals(m.via(), node.address))
            {
                node.sender.route(m.via(), OverlayNode.EXACT, Messages.forward(requester.address(), reply));
            }
            else
            {
                final Connection c = node.table.live(Ring.value(requester.address()));
                if (c != null)
                {
                    node.sender.send(c, reply);
                }
            }
        }
        else
        {
            node.sender.route(requester.address(), OverlayNode.EXACT, reply);
        }
        // link back at the same time (both ends sending opens NATs later); the requester says what it is for
        node.linker.connect(contact, requester.address(), m.connectionTypes() & OverlayNode.NEAR, nowMs, true, false);
    }

    /** A Connect-To-Me answer (direct, over the ring, or through the node this one asked). */
    void onCtmReply(final OverlayMessage.CtmReply m, final long nowMs)
    {
        final Messages.Peer responder = m.responder();
        if (Arrays.equals(responder.address(), node.address))
        {
            return;
        }
        node.linker.connect(responder.endpoints(), responder.address(), m.connectionTypes() & OverlayNode.WANTED, nowMs);
        if ((m.connectionTypes() & OverlayNode.NEAR) != 0)
        {
            joined = true; // the node nearest our address answered: we are in the ring
            considerNear(m.near(), nowMs);
        }
    }

    /** Links to any of these peers that would be among this node's near neighbours. */
    private void considerNear(final List<Messages.Peer> peers, final long nowMs)
    {
        for (final Messages.Peer p : peers)
        {
            if (Arrays.equals(p.address(), node.address) || p.endpoints().length == 0)
            {
                continue;
            }
            final BigInteger value = Ring.value(p.address());
            if (!node.table.contains(value) && wouldBeNear(value))
            {
                node.linker.connect(p.endpoints(), p.address(), OverlayNode.NEAR, nowMs);
            }
        }
    }

    private boolean wouldBeNear(final BigInteger candidate)
    {
        final BigInteger right = node.table.reach(true);
        final BigInteger left = node.table.reach(false);
        return right == null || left == null || Ring.clockwise(node.self, candidate).compareTo(right) < 0 ||
            Ring.clockwise(candidate, node.self).compareTo(left) < 0;
    }
}
