package wow.controlplane.overlay;

import java.util.Arrays;

/**
 * Decodes every overlay message that reaches this node and hands it to the part that owns it:
 * direct ones (over a link, or to this node's endpoint) and routed ones that end here (including
 * those this node sent itself, from its queue). Malformed, hostile or unexpected messages are
 * counted ({@link OverlayNode#malformed}). Owned by the node's thread.
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
        final Messages.Message m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            node.reject();
            return;
        }
        node.linker.heardOver(from);
        switch (m.type())
        {
            case Messages.RELAY_REQUEST -> node.relays.onRelayRequest(from, m, nowMs);
            case Messages.RELAY_GRANT -> node.relays.onRelayGrant(from, m, nowMs);
            case Messages.RELAY_OPEN -> node.relays.onRelayOpen(from, m, nowMs);
            case Messages.RELAY_DENY -> node.table.heard(from, nowMs);
            case Messages.RELAY_END -> node.relays.onRelayEnd(from, m, nowMs);
            case Messages.LINK_REQUEST -> node.linker.onLinkRequest(from, m, nowMs);
            case Messages.LINK_REPLY -> node.linker.onLinkReply(from, m, nowMs);
            case Messages.PING, Messages.PONG -> node.keepalives.onPing(from, linkId, m, nowMs);
            case Messages.CLOSE -> node.keepalives.onClose(m);
            case Messages.CTM_REPLY -> node.near.onCtmReply(m, nowMs);
            case Messages.NEIGHBOURS -> node.near.onNeighbours(node.table.heard(from, nowMs), m, nowMs);
            case Messages.DHT_PUT ->
            {
                if (node.table.heard(from, nowMs) != null)
                {
                    node.dht.onPut(m, false, nowMs);
                }
            }
            case Messages.LEASE, Messages.LEASE_HELD ->
                node.leases.onFromPeer(node.table.heard(from, nowMs), bytes, offset, length, nowMs);
            default -> node.reject();
        }
    }

    /** A routed message that ends at this node. */
    void onRouted(final byte[] source, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        final Messages.Message m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            node.reject();
            return;
        }
        switch (m.type())
        {
            case Messages.CTM_REQUEST -> node.near.onCtmRequest(m, nowMs);
            case Messages.PROBE ->
                node.sender.route(m.address(), OverlayNode.EXACT, Messages.probe(Messages.PROBE_REPLY, m.token(), node.address));
            case Messages.PROBE_REPLY -> node.events.onProbeReply(m.token(), m.address());
            case Messages.DHT_PUT -> node.dht.onPut(m, true, nowMs);
            case Messages.DHT_GET -> node.dht.onGet(m, nowMs);
            case Messages.DHT_REPLY -> node.events.onDhtReply(m.token(), m.found(), m.value());
            // returned over the ring (or through the node this one asked)
            case Messages.CTM_REPLY -> node.near.onCtmReply(m, nowMs);
            case Messages.PUNCH -> node.relays.onPunch(m, nowMs);
            case Messages.UNREACHABLE -> node.events.onUnreachable(m.address());
            case Messages.LEASE ->
            {
                final Messages.LeaseOp op = Messages.decodeLease(bytes, offset, length);
                if (op.role() == Messages.LEASE_REQUEST)
                {
                    node.leases.onRequest(op, nowMs);
                }
                else
                {
                    // a primary's query or copy over a relayed link arrives routed
                    node.leases.onFromPeer(node.table.get(Ring.value(source)), bytes, offset, length, nowMs);
                }
            }
            case Messages.LEASE_HELD -> node.leases.onFromPeer(node.table.get(Ring.value(source)), bytes, offset, length, nowMs);
            case Messages.LEASE_REPLY -> node.events.onLeaseReply(m.token(), m.key(), m.connectionTypes(), m.value());
            case Messages.FORWARD -> node.relays.onForward(m, nowMs);
            case Messages.PING, Messages.PONG, Messages.CLOSE, Messages.NEIGHBOURS -> onRelayedDirect(source, m, nowMs);
            default -> node.reject();
        }
    }

    /** A link message that came through a relay (or routed): only from a peer this node has a connection to. */
    private void onRelayedDirect(final byte[] source, final Messages.Message m, final long nowMs)
    {
        final Connection c = node.table.live(Ring.value(source));
        if (c == null || (m.address() != null && !Arrays.equals(m.address(), source)))
        {
            node.reject();
            return;
        }
        c.lastHeardMs = nowMs;
        switch (m.type())
        {
            case Messages.PING, Messages.PONG -> node.keepalives.onRelayedPing(c, m, nowMs);
            case Messages.CLOSE -> node.keepalives.onClose(m);
            default -> node.near.onNeighbours(c, m, nowMs);
        }
    }
}
