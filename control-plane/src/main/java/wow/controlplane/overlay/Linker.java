package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import wow.dataplane.transport.Endpoints;

/**
 * The linker (Brunet's {@code Linker}): links being set up, their retries with back-off over every
 * endpoint a peer advertised (TCP ones only when UDP gets nowhere), the link request/reply
 * handshake that echoes the endpoint each side was seen from, and the point where a relay is asked
 * for or UDP is given up. Owned by the node's thread.
 */
final class Linker
{
    /** Direct link attempts before a relay is asked for too (the direct attempts go on). */
    static final int RELAY_AFTER_ATTEMPTS = 3;
    /** With no answer over UDP for this long while TCP works, the node stops trying UDP. */
    static final long UDP_GIVE_UP_MS = 8_000;

    /** A link being set up: endpoints to try, the types wanted, when to try again. */
    static final class Pending
    {
        final long[] endpoints;
        final byte[] address;
        int types;
        int attempts;
        long nextMs;
        final int localId;
        /** Whether to ask the peer over the ring to link back at the same time. */
        boolean punch;

        Pending(final long[] endpoints, final byte[] address, final int types, final int localId)
        {
            this.endpoints = endpoints;
            this.address = address;
            this.types = types;
            this.localId = localId;
        }
    }

    private final OverlayNode node;
    private final List<Pending> pending = new ArrayList<>();
    private boolean heardUdp;
    private boolean heardTcp;
    private boolean udpBlocked;
    private long startedMs = -1;

    Linker(final OverlayNode node)
    {
        this.node = node;
    }

    void start(final long nowMs)
    {
        startedMs = nowMs;
    }

    boolean udpBlocked()
    {
        return udpBlocked;
    }

    boolean idle()
    {
        return pending.isEmpty();
    }

    void clear()
    {
        pending.clear();
    }

    /** Notes which transport a message came over. */
    void heardOver(final long from)
    {
        if (Endpoints.isTcp(from))
        {
            heardTcp = true;
        }
        else
        {
            heardUdp = true;
        }
    }

    /** @return the link being set up to this peer, or null. */
    Pending pendingFor(final byte[] peer)
    {
        for (final Pending p : pending)
        {
            if (p.address != null && Arrays.equals(p.address, peer))
            {
                return p;
            }
        }
        return null;
    }

    /** Starts linking to a peer (unless already linked or linking). */
    void connect(final long[] endpoints, final byte[] peer, final int types, final long nowMs)
    {
        connect(endpoints, peer, types, nowMs, false, true);
    }

    /**
     * Starts linking to a peer (unless already linked or linking).
     *
     * @param forPeer link even though this node needs it for nothing yet: the peer asked for it.
     * @param punch   also ask the peer over the ring to link back at the same time (hole punching).
     */
    void connect(final long[] endpoints, final byte[] peer, final int types, final long nowMs, final boolean forPeer,
        final boolean punch)
    {
        if ((types == 0 && !forPeer) || endpoints.length == 0)
        {
            return;
        }
        final ConnectionTable table = node.table;
        if (peer != null)
        {
            if (Arrays.equals(peer, node.address))
            {
                return;
            }
            final Connection c = table.get(Ring.value(peer));
            if (c != null && c.via != null)
            {
                c.types |= types & OverlayNode.WANTED;
                return;
            }
            if (c != null)
            {
                if ((c.types | types) != c.types)
                {
                    c.types |= types;
                    // tell the peer the new role by repeating the handshake
                    node.sender.send(c, Messages.link(Messages.LINK_REQUEST, types, c.localId, node.virtualIp, node.address,
                        c.endpoint, node.endpoints.advertised()));
                    node.sender.connectionsChanged();
                }
                return;
            }
            final Pending p = pendingFor(peer);
            if (p != null)
            {
                p.types |= types;
                return;
            }
        }
        if (pending.size() >= OverlayNode.MAX_PENDING || table.size() >= OverlayNode.MAX_CONNECTIONS)
        {
            return;
        }
        final Pending p = new Pending(endpoints.clone(), peer == null ? null : peer.clone(), types, table.newLocalId());
        p.nextMs = nowMs;
        p.punch = punch && peer != null;
        pending.add(p);
        retry(nowMs);
    }

    /** Tries a direct link to a peer reached through a relay (keeping the relayed link meanwhile). */
    void tryDirect(final Connection c, final long nowMs)
    {
        if (c.endpoints == null || c.endpoints.length == 0 || pending.size() >= OverlayNode.MAX_PENDING ||
            pendingFor(c.address) != null)
        {
            return;
        }
        // the same link id as the relayed connection, so the direct link continues it
        final Pending p = new Pending(c.endpoints.clone(), c.address.clone(), c.types, c.localId);
        p.nextMs = nowMs;
        p.punch = true;
        pending.add(p);
    }

    /** Sends the link requests that are due, gives up on those out of attempts, asks for relays. */
    void retry(final long nowMs)
    {
        for (final Iterator<Pending> it = pending.iterator(); it.hasNext();)
        {
            final Pending p = it.next();
            if (nowMs < p.nextMs)
            {
                continue;
            }
            if (p.attempts >= node.config.linkAttempts())
            {
                it.remove();
                node.table.release(p.localId);
                continue;
            }
            p.attempts++;
            p.nextMs = nowMs + (node.config.linkRetryMs() << Math.min(p.attempts - 1, 4));
            boolean sent = false;
            for (final long endpoint : p.endpoints)
            {
                // UDP always (a peer on the same LAN answers even where UDP to the internet is
                // blocked); TCP endpoints too when UDP is given up, failing, or all the peer has
                if (Endpoints.isTcp(endpoint) && !(udpBlocked || p.attempts > RELAY_AFTER_ATTEMPTS || !hasUdp(p.endpoints)))
                {
                    continue;
                }
                sent = true;
                node.sender.sendDirect(endpoint, 0, Messages.link(Messages.LINK_REQUEST, p.types, p.localId, node.virtualIp,
                    node.address, endpoint, node.endpoints.advertised()));
            }
            if (p.punch && p.address != null && (p.attempts == 1 || p.attempts == RELAY_AFTER_ATTEMPTS))
            {
                final byte[] punch = Messages.aboutPeer(Messages.PUNCH, p.types, node.sender.newToken(), node.endpoints.me());
                node.sender.route(p.address, OverlayNode.EXACT, punch);
            }
            // a node that has heard nothing over UDP yet (joined over TCP) asks for a relay at once
            if (p.attempts >= (heardUdp || !heardTcp ? RELAY_AFTER_ATTEMPTS : 1) || !sent)
            {
                node.relays.startRelay(p, nowMs);
            }
        }
    }

    /** Gives up on UDP when nothing came over it for long while TCP works. */
    void checkUdp(final long nowMs)
    {
        if (!udpBlocked && !heardUdp && heardTcp && startedMs >= 0 && nowMs - startedMs > UDP_GIVE_UP_MS)
        {
            udpBlocked = true;
            node.events.onUdpGaveUp();
        }
    }

    void onLinkRequest(final long from, final OverlayMessage.LinkHandshake m, final long nowMs)
    {
        if (Arrays.equals(m.address(), node.address) || m.linkId() == 0)
        {
            node.reject();
            return;
        }
        if (node.table.size() >= OverlayNode.MAX_CONNECTIONS && !node.table.contains(Ring.value(m.address())))
        {
            node.reject();
            return;
        }
        node.endpoints.learn(m.observed(), m.address());
        final Connection c = upsert(m.address(), from, m.linkId(), m.virtualIp(), 0, m.endpoints(), nowMs, 0);
        c.peerTypes = m.connectionTypes();
        node.sender.sendDirect(from, c.remoteId, Messages.link(Messages.LINK_REPLY, c.types, c.localId, node.virtualIp,
            node.address, from, node.endpoints.advertised()));
    }

    void onLinkReply(final long from, final OverlayMessage.LinkHandshake m, final long nowMs)
    {
        if (Arrays.equals(m.address(), node.address) || m.linkId() == 0)
        {
            node.reject();
            return;
        }
        Pending match = null;
        for (final Pending p : pending)
        {
            if (p.address != null ? Arrays.equals(p.address, m.address()) : contains(p.endpoints, from))
            {
                match = p;
                break;
            }
        }
        if (match == null && !node.table.contains(Ring.value(m.address())))
        {
            node.reject();
            return;
        }
        int types = 0;
        if (match != null)
        {
            pending.remove(match);
            types = match.types;
        }
        node.endpoints.learn(m.observed(), m.address());
        final Connection c = upsert(m.address(), from, m.linkId(), m.virtualIp(), types, m.endpoints(), nowMs,
            match == null ? 0 : match.localId);
        c.peerTypes = m.connectionTypes();
    }

    private Connection upsert(
        final byte[] peer, final long from, final int remoteId, final int peerIp, final int types, final long[] endpoints,
        final long nowMs, final int preferredLocalId)
    {
        final ConnectionTable table = node.table;
        Connection c = table.get(Ring.value(peer));
        boolean changed = false;
        final boolean created = c == null;
        if (c == null)
        {
            // keep the id this node already gave the peer in its own link request, if it sent one
            int id = preferredLocalId;
            final Pending sent = pendingFor(peer);
            if (id == 0 && sent != null)
            {
                id = sent.localId;
            }
            c = new Connection(peer.clone(), id != 0 ? id : table.newLocalId());
            c.upSinceMs = nowMs;
            c.lastSentMs = nowMs;
            table.add(c);
            changed = true;
        }
        if (c.via != null)
        {
            // a relayed pair just linked directly: leave the relay
            final Connection relay = table.live(Ring.value(c.via));
            if (relay != null)
            {
                node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, c.address));
            }
            c.via = null;
            c.relayId = 0;
            c.endpoint = 0;
            changed = true;
            node.events.onLinkPathChanged(c);
        }
        // a link that works over UDP stays there when the peer also answers over TCP
        final long endpoint = c.endpoint == 0 || c.movesTo(from) ? from : c.endpoint;
        if (c.remoteId != remoteId || c.endpoint != endpoint || (c.types | types) != c.types)
        {
            changed = true;
        }
        c.remoteId = remoteId;
        c.endpoint = endpoint;
        c.virtualIp = peerIp;
        c.types |= types & (OverlayNode.LEAF | OverlayNode.WANTED);
        c.endpoints = endpoints;
        c.lastHeardMs = nowMs;
        for (final Iterator<Pending> it = pending.iterator(); it.hasNext();)
        {
            final Pending p = it.next();
            if (p.address != null && Arrays.equals(p.address, peer))
            {
                c.types |= p.types; // a link both sides asked for at once keeps what each wanted it for
                if (p.localId != c.localId)
                {
                    table.release(p.localId);
                }
                it.remove();
            }
        }
        if (created)
        {
            node.events.onLinkUp(c);
            node.ringWatch.up(c);
        }
        if (changed)
        {
            node.sender.connectionsChanged();
        }
        node.relays.grantWaiting(c);
        return c;
    }

    private static boolean hasUdp(final long[] endpoints)
    {
        for (final long e : endpoints)
        {
            if (!Endpoints.isTcp(e))
            {
                return true;
            }
        }
        return false;
    }

    static boolean contains(final long[] values, final long value)
    {
        for (final long v : values)
        {
            if (v == value)
            {
                return true;
            }
        }
        return false;
    }
}
