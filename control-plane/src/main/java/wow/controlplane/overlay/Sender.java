package wow.controlplane.overlay;

import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.List;
import wow.controlplane.overlay.wire.Messages;

/**
 * The narrow sender every part of the overlay sends through: to a linked peer (directly, or through
 * its relay), routed greedily over the ring, and to this node itself through its own queue, which
 * the owner drains once per duty cycle ({@link #deliverQueued}) so that no request is answered
 * inside the call that sent it. Also hands out request tokens. Owned by the node's thread.
 */
final class Sender
{
    /** Routed messages to itself a node holds at most; more are counted drops. */
    static final int MAX_SELF_QUEUED = 1024;

    private final OverlayNode node;
    private final OverlayTransport transport;
    private final ArrayDeque<byte[]> selfQueue = new ArrayDeque<>();

    Sender(final OverlayNode node, final OverlayTransport transport)
    {
        this.node = node;
        this.transport = transport;
    }

    /**
     * @return a new request token (probes, DHT lookups, leases, Connect-To-Me): drawn from the node's
     *         random source (a CSPRNG on a real node), so that no one off the path can guess the
     *         token of an answer and forge it; never 0.
     */
    int newToken()
    {
        int token;
        do
        {
            token = node.random.nextInt();
        }
        while (token == 0);
        return token;
    }

    /** @return this node's key as messages name it. */
    byte[] ownKey()
    {
        return transport.ownKey();
    }

    /** @return a directly linked peer's proved key, or {@link Messages#NO_KEY}. */
    byte[] peerKey(final long endpoint, final byte[] address)
    {
        return transport.peerKey(endpoint, address);
    }

    /** Passes on the keys a message named (see {@link OverlayTransport#keyHint}). */
    void keyHints(final List<Messages.Peer> peers)
    {
        for (final Messages.Peer p : peers)
        {
            if (p.hasKey())
            {
                transport.keyHint(p);
            }
        }
    }

    /** Sends a message to an endpoint; {@code remoteLinkId} is the peer's id for the link, 0 if none yet. */
    void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
    {
        transport.sendDirect(endpoint, remoteLinkId, message);
    }

    /** Sends a message to a linked peer: on the link, or routed through its relay. */
    void send(final Connection c, final byte[] message)
    {
        if (c.via == null)
        {
            transport.sendDirect(c.endpoint, c.remoteId, message);
            return;
        }
        routeVia(c, c.address, OverlayNode.EXACT, false, message);
    }

    /** Sends a routed message from this node; queues it for this node if this node is where it ends. */
    void route(final byte[] destination, final int delivery, final byte[] message)
    {
        final ConnectionTable table = node.table;
        final BigInteger dst = Ring.value(destination);
        Connection hop = table.live(dst);
        if (hop == null)
        {
            hop = table.nextHop(dst, null);
        }
        if (hop == null && !table.hasRoutable())
        {
            hop = table.leaf();
        }
        if (hop != null)
        {
            routeVia(hop, destination, delivery, false, message);
        }
        else if (delivery == OverlayNode.CLOSEST || dst.equals(node.self))
        {
            queueForSelf(message);
        }
    }

    /** Hands a routed message to its first hop, through that hop's relay when it is relayed. */
    void routeVia(final Connection hop, final byte[] destination, final int delivery, final boolean excludeSource,
        final byte[] message)
    {
        if (hop.via == null)
        {
            transport.sendRouted(hop.endpoint, 0, destination, delivery, excludeSource, message);
            return;
        }
        final Connection relay = node.table.get(Ring.value(hop.via));
        if (relay != null && relay.via == null)
        {
            transport.sendRouted(relay.endpoint, hop.relayId, destination, delivery, excludeSource, message);
        }
    }

    /** Tells the owner the connections changed: forwarding must be rebuilt. */
    void connectionsChanged()
    {
        transport.connectionsChanged();
    }

    private void queueForSelf(final byte[] message)
    {
        if (selfQueue.size() >= MAX_SELF_QUEUED)
        {
            node.reject();
            return;
        }
        selfQueue.add(message);
        if (selfQueue.size() == 1)
        {
            transport.selfQueued();
        }
    }

    /**
     * Handles the messages this node routed to itself before this call; those they cause wait for
     * the next call.
     *
     * @return the number handled.
     */
    int deliverQueued(final long nowMs)
    {
        final int n = selfQueue.size();
        for (int i = 0; i < n; i++)
        {
            final byte[] message = selfQueue.poll();
            node.adapter.onRouted(node.address, message, 0, message.length, nowMs);
        }
        return n;
    }
}
