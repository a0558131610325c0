package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.util.Arrays;

/**
 * Liveness of every connection: keepalives (PING/PONG, which also measure the RTT and carry what
 * each side uses the link for), removal after silence or a CLOSE, following a peer to a new
 * endpoint (migration, NAT rebinding) and pinging everyone when this host's own addresses change.
 * Owned by the node's thread.
 */
final class Keepalives
{
    /** A keepalive goes out at least this often on every link, so its RTT stays known. */
    static final long RTT_PROBE_MS = 10_000;
    static final long DIRECT_RETRY_MS = 15_000;

    private final OverlayNode node;
    /** No connection needs the tick's walk before this time. */
    private long nextDueMs;

    Keepalives(final OverlayNode node)
    {
        this.node = node;
    }

    /**
     * Drops connections that went silent or must go, pings those due, retries direct paths of
     * relayed ones. The walk runs only once the earliest of those is due (or after {@link #recheck}):
     * most ticks of a quiet node find nothing to do and touch no connection.
     */
    void tick(final long nowMs)
    {
        if (nowMs < nextDueMs)
        {
            return;
        }
        final OverlayConfig config = node.config;
        boolean changed = false;
        nextDueMs = Long.MAX_VALUE; // lowered by every connection kept, and by a recheck asked for during the walk
        for (final Connection c : node.table.all())
        {
            final boolean gone = c.doomed != null || nowMs - c.lastHeardMs > config.deadMs();
            if (gone)
            {
                node.table.remove(c.value, c.doomed != null ? c.doomed : "timeout");
                changed = true;
                if ((c.types & OverlayNode.NEAR) != 0)
                {
                    node.near.checkSelfAt(nowMs); // a neighbour died: ask the ring for our true neighbours now
                }
            }
            else if ((nowMs - c.lastHeardMs >= config.keepaliveMs() && nowMs - c.lastSentMs >= config.keepaliveMs() / 2) ||
                nowMs - c.pingSentMs >= RTT_PROBE_MS)
            {
                ping(c, nowMs);
            }
            if (c.via != null && nowMs >= c.nextDirectTryMs)
            {
                // a relayed pair tries a direct link now and then: NATs and paths change
                c.nextDirectTryMs = nowMs + DIRECT_RETRY_MS + node.random.nextInt((int)DIRECT_RETRY_MS);
                node.linker.tryDirect(c, nowMs);
            }
            if (!gone)
            {
                nextDueMs = Math.min(nextDueMs, dueMs(c, config));
            }
        }
        if (changed)
        {
            node.sender.connectionsChanged();
        }
    }

    /** @return the earliest time at which {@link #tick} has something to do for this connection (unless it is doomed). */
    private static long dueMs(final Connection c, final OverlayConfig config)
    {
        long due = Math.min(c.lastHeardMs + config.deadMs() + 1,
            Math.min(Math.max(c.lastHeardMs + config.keepaliveMs(), c.lastSentMs + config.keepaliveMs() / 2),
                c.pingSentMs + RTT_PROBE_MS));
        if (c.via != null)
        {
            due = Math.min(due, c.nextDirectTryMs);
        }
        return due;
    }

    /**
     * Makes the next tick walk every connection. Called for what can bring a due time closer: a
     * connection added, doomed, or newly reached through a relay (hearing from or sending to a
     * peer only pushes its due time out).
     */
    void recheck()
    {
        nextDueMs = 0;
    }

    /** A keepalive: the peer answers with a PONG, which also measures the link's RTT. */
    void ping(final Connection c, final long nowMs)
    {
        c.lastSentMs = nowMs;
        c.pingSentMs = nowMs;
        node.sender.send(c, Messages.ping(Messages.PING, c.types, node.address, c.endpoint));
    }

    /** Tells the peer what this node uses the link for now (a PING carrying the types). */
    void announceTypes(final Connection c)
    {
        node.sender.send(c, Messages.ping(Messages.PING, c.types, node.address, c.endpoint));
    }

    /**
     * A PING or PONG over a link.
     *
     * @param linkId the link id its header carried: this node's id for the link, known only to the
     *               two ends, so a keepalive from a new endpoint that carries it is the peer's.
     */
    void onPing(final long from, final int linkId, final OverlayMessage.Ping m, final long nowMs)
    {
        final Connection c = linked(linkId, m.address());
        if (c == null)
        {
            // the peer thinks we are linked and we are not: tell it, so it stops using the link
            node.sender.sendDirect(from, 0, Messages.close(node.address));
            return;
        }
        c.lastHeardMs = nowMs;
        if (c.via != null)
        {
            return; // the peer thinks the link is direct; its link request will say so
        }
        final boolean moved = c.movesTo(from);
        if (moved && linkId != c.localId)
        {
            // a keepalive naming a known peer from elsewhere, without the link's id: not the peer
            node.reject();
            return;
        }
        if (moved || c.peerTypes != m.connectionTypes())
        {
            c.endpoint = moved ? from : c.endpoint; // the peer's NAT mapping moved: follow it
            c.peerTypes = m.connectionTypes();
            node.sender.connectionsChanged();
        }
        node.endpoints.learn(m.observed(), m.address());
        if (m.type() == Messages.PONG && c.pingSentMs != 0 && c.rttMs != nowMs - c.pingSentMs)
        {
            c.rttMs = nowMs - c.pingSentMs;
        }
        if (m.type() == Messages.PING)
        {
            node.sender.sendDirect(from, c.remoteId, Messages.ping(Messages.PONG, c.types, node.address, from));
        }
    }

    /**
     * @return the connection to this address: found by the link id the datagram carried when that
     * is the peer's (one lookup instead of a walk down the ring-ordered table), else by address.
     */
    private Connection linked(final int linkId, final byte[] address)
    {
        final Connection c = linkId == 0 ? null : node.table.byLocalId(linkId);
        return c != null && Arrays.equals(c.address, address) ? c : node.table.get(Ring.value(address));
    }

    /** A PING or PONG that came through a relay, from a peer this node has a connection to. */
    void onRelayedPing(final Connection c, final OverlayMessage.Ping m, final long nowMs)
    {
        if (c.peerTypes != m.connectionTypes())
        {
            c.peerTypes = m.connectionTypes();
            node.sender.connectionsChanged();
        }
        if (m.type() == Messages.PONG && c.pingSentMs != 0)
        {
            c.rttMs = nowMs - c.pingSentMs;
        }
        else if (m.type() == Messages.PING)
        {
            node.sender.send(c, Messages.ping(Messages.PONG, c.types, node.address, 0));
        }
    }

    void onClose(final OverlayMessage.Close m)
    {
        final Connection c = node.table.remove(Ring.value(m.address()), "closed_by_peer");
        if (c != null)
        {
            if ((c.types & OverlayNode.NEAR) != 0)
            {
                node.near.checkSelfAt(0); // a neighbour left: ask the ring for our true neighbours at the next tick
            }
            node.sender.connectionsChanged();
        }
    }

    /**
     * The data plane saw DATA carrying this node's id for a link arrive from another endpoint:
     * the peer moved. The link follows it at once and a keepalive confirms the new path.
     */
    void peerMoved(final int localId, final long endpoint, final long nowMs)
    {
        final Connection c = node.table.byLocalId(localId);
        if (c == null || c.via != null || endpoint == 0 || !c.movesTo(endpoint))
        {
            return;
        }
        c.endpoint = endpoint;
        c.lastHeardMs = nowMs;
        ping(c, nowMs);
        node.events.onPeerMoved(c);
        node.sender.connectionsChanged();
    }

    /**
     * This host's own addresses changed: the endpoints learned through the old NAT are forgotten,
     * every link is pinged at once from the new address (so peers follow it) and the ring is asked
     * for this node's neighbours again.
     */
    void localEndpointsChanged(final long[] endpoints, final long nowMs)
    {
        if (!node.endpoints.replace(endpoints))
        {
            return;
        }
        for (final Connection c : node.table.all())
        {
            ping(c, nowMs);
            if (c.via != null)
            {
                c.nextDirectTryMs = nowMs; // the new network may allow what the old did not
            }
        }
        recheck();
        node.near.checkSelfAt(nowMs);
    }
}
