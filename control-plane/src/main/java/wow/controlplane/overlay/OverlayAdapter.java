package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes every overlay message that reaches this node and hands it, as its own record type, to
 * the part that owns it: direct ones (over a link, or to this node's endpoint) and routed ones
 * that end here (including those this node sent itself, from its queue). Malformed, hostile or
 * unexpected messages are counted ({@link OverlayNode#malformed}). Owned by the node's thread.
 */
final class OverlayAdapter
{
    private final OverlayNode node;

    OverlayAdapter(final OverlayNode node)
    {
        this.node = node;
    }

    /**
     * A message sent to this node directly (over a link, or to its endpoint).
     *
     * @param linkId the link id its header carried (0: none).
     */
    void onDirect(final long from, final int linkId, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        final OverlayMessage m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            node.reject();
            return;
        }
        hintKeys(m);
        node.linker.heardOver(from);
        switch (m.type())
        {
            case Messages.RELAY_REQUEST -> node.relays.onRelayRequest(from, (OverlayMessage.AboutPeer)m, nowMs);
            case Messages.RELAY_GRANT -> node.relays.onRelayGrant(from, (OverlayMessage.AboutPeer)m, nowMs);
            case Messages.RELAY_OPEN -> node.relays.onRelayOpen(from, (OverlayMessage.AboutPeer)m, nowMs);
            case Messages.RELAY_DENY -> node.table.heard(from, nowMs);
            case Messages.RELAY_END -> node.relays.onRelayEnd(from, (OverlayMessage.PairEnd)m, nowMs);
            case Messages.LINK_REQUEST -> node.linker.onLinkRequest(from, (OverlayMessage.LinkHandshake)m, nowMs);
            case Messages.LINK_REPLY -> node.linker.onLinkReply(from, (OverlayMessage.LinkHandshake)m, nowMs);
            case Messages.PING, Messages.PONG -> node.keepalives.onPing(from, linkId, (OverlayMessage.Ping)m, nowMs);
            case Messages.CLOSE ->
            {
                // only the peer itself closes its link: from the link's endpoint, naming itself
                final OverlayMessage.Close close = (OverlayMessage.Close)m;
                final Connection c = node.table.get(Ring.value(close.address()));
                if (c != null && (c.via != null || c.endpoint != from))
                {
                    node.reject();
                }
                else
                {
                    node.keepalives.onClose(close);
                }
            }
            case Messages.CTM_REPLY -> node.near.onCtmReply((OverlayMessage.CtmReply)m, nowMs);
            case Messages.NEIGHBOURS -> node.near.onNeighbours(node.table.heard(from, nowMs), (OverlayMessage.Neighbours)m,
                nowMs);
            case Messages.LEASE, Messages.LEASE_HELD -> node.leases.onFromPeer(node.table.heard(from, nowMs), m, nowMs);
            default -> node.reject();
        }
    }

    /** Hands on the keys a message names with the endpoints of the nodes they belong to. */
    private void hintKeys(final OverlayMessage m)
    {
        if (m instanceof OverlayMessage.CtmRequest request)
        {
            node.sender.keyHints(List.of(request.requester()));
        }
        else if (m instanceof OverlayMessage.CtmReply reply)
        {
            node.sender.keyHints(List.of(reply.responder()));
            node.sender.keyHints(reply.near());
        }
        else if (m instanceof OverlayMessage.Neighbours neighbours)
        {
            node.sender.keyHints(neighbours.peers());
        }
        else if (m instanceof OverlayMessage.AboutPeer about)
        {
            node.sender.keyHints(List.of(about.peer()));
        }
    }

    /** A routed message that ends at this node. */
    void onRouted(final byte[] source, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        final OverlayMessage m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            node.reject();
            return;
        }
        hintKeys(m);
        switch (m.type())
        {
            case Messages.CTM_REQUEST -> node.near.onCtmRequest((OverlayMessage.CtmRequest)m, nowMs);
            case Messages.PROBE ->
            {
                final OverlayMessage.Probe probe = (OverlayMessage.Probe)m;
                node.sender.route(probe.prober(), OverlayNode.EXACT, Messages.probe(Messages.PROBE_REPLY, probe.token(),
                    node.address));
            }
            case Messages.PROBE_REPLY ->
            {
                final OverlayMessage.Probe reply = (OverlayMessage.Probe)m;
                node.events.onProbeReply(reply.token(), reply.prober());
            }
            case Messages.DHT_GET -> node.dht.onGet((OverlayMessage.DhtGet)m, nowMs);
            case Messages.END_TO_END -> node.events.onEndToEnd(source, ((OverlayMessage.EndToEnd)m).handshake());
            case Messages.DHT_REPLY ->
            {
                final OverlayMessage.DhtReply reply = (OverlayMessage.DhtReply)m;
                node.events.onDhtReply(reply.token(), source, reply.found(), reply.value());
            }
            // returned over the ring (or through the node this one asked)
            case Messages.CTM_REPLY -> node.near.onCtmReply((OverlayMessage.CtmReply)m, nowMs);
            case Messages.PUNCH ->
            {
                final OverlayMessage.AboutPeer punch = (OverlayMessage.AboutPeer)m;
                if (!Arrays.equals(punch.peer().address(), source))
                {
                    node.reject(); // a punch speaks for the node that routed it, no other
                    return;
                }
                node.relays.onPunch(punch, nowMs);
            }
            case Messages.UNREACHABLE -> node.events.onUnreachable(((OverlayMessage.Unreachable)m).address());
            case Messages.LEASE ->
            {
                final Messages.LeaseOp op = (Messages.LeaseOp)m;
                if (op.role() == Messages.LEASE_REQUEST)
                {
                    node.leases.onRequest(op, nowMs);
                }
                else
                {
                    // a primary's query or copy over a relayed link arrives routed
                    node.leases.onFromPeer(node.table.get(Ring.value(source)), m, nowMs);
                }
            }
            case Messages.LEASE_HELD -> node.leases.onFromPeer(node.table.get(Ring.value(source)), m, nowMs);
            case Messages.LEASE_REPLY ->
            {
                final OverlayMessage.LeaseReply reply = (OverlayMessage.LeaseReply)m;
                if (!node.leases.credible(reply))
                {
                    node.reject(); // a "taken" without the owner's signed lease: anyone could have said it
                    return;
                }
                node.events.onLeaseReply(reply.token(), reply.key(), reply.result(), reply.holder());
            }
            case Messages.FORWARD -> node.relays.onForward((OverlayMessage.Forward)m, nowMs);
            case Messages.PING, Messages.PONG, Messages.CLOSE, Messages.NEIGHBOURS -> onRelayedDirect(source, m, nowMs);
            default -> node.reject();
        }
    }

    /** A link message that came through a relay (or routed): only from a peer this node has a connection to. */
    private void onRelayedDirect(final byte[] source, final OverlayMessage m, final long nowMs)
    {
        final Connection c = node.table.live(Ring.value(source));
        final byte[] claimed = m instanceof OverlayMessage.Ping p ? p.address() :
            m instanceof OverlayMessage.Close close ? close.address() : null;
        if (c == null || (claimed != null && !Arrays.equals(claimed, source)))
        {
            node.reject();
            return;
        }
        c.lastHeardMs = nowMs;
        if (m instanceof OverlayMessage.Ping ping)
        {
            node.keepalives.onRelayedPing(c, ping, nowMs);
        }
        else if (m instanceof OverlayMessage.Close close)
        {
            node.keepalives.onClose(close);
        }
        else
        {
            node.near.onNeighbours(c, (OverlayMessage.Neighbours)m, nowMs);
        }
    }
}
