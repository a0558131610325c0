package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * NAT traversal beyond the linker's direct attempts: hole punching (a routed PUNCH makes the peer
 * send to this node while it sends to the peer), Connect-To-Me replies forwarded to a joining node
 * over its only link, and two-hop relays for pairs that cannot link directly — asking linked nodes
 * to relay, and the relay's own role for others (grants, bounded and rate-limited in the data
 * plane). Owned by the node's thread.
 */
final class Relays
{
    /** Pairs a node relays for at most, and relay requests it holds while linking. */
    static final int MAX_RELAY_GRANTS = 256;
    static final int MAX_RELAY_WAITING = 32;
    static final long RELAY_ATTEMPT_MS = 12_000;
    /** FORWARDs a node hands on per second at most. */
    static final int MAX_FORWARDS_PER_S = 200;

    /** A pair this node relays for. */
    private record Grant(BigInteger a, BigInteger b)
    {
        boolean involves(final BigInteger x)
        {
            return a.equals(x) || b.equals(x);
        }

        BigInteger other(final BigInteger x)
        {
            return a.equals(x) ? b : a;
        }
    }

    /** A relay request this node (the relay) holds while it links to the target. */
    private record WaitingRelay(byte[] requester, Messages.Peer target, int types, long expiresMs)
    {
    }

    private final OverlayNode node;
    private final List<Grant> grants = new ArrayList<>();
    private final List<WaitingRelay> waitingRelays = new ArrayList<>();
    /** When this node last asked for a relay to each target. */
    /** Targets this node asked relays for: when, and which relays (ring values) it asked. */
    private final Map<BigInteger, RelayAttempt> relayAttempts = new HashMap<>();

    private record RelayAttempt(long startedMs, List<BigInteger> asked)
    {
    }
    private long forwardWindowMs;
    private int forwardsInWindow;

    Relays(final OverlayNode node)
    {
        this.node = node;
    }

    /** @return the pairs this node relays for, as ring addresses {a, b}. */
    List<byte[][]> grants()
    {
        final List<byte[][]> out = new ArrayList<>(grants.size());
        for (final Grant g : grants)
        {
            out.add(new byte[][] {Ring.address(g.a()), Ring.address(g.b())});
        }
        return out;
    }

    /** Asks up to three linked nodes (lowest RTT first, and the seeds) to relay to a peer this node cannot reach. */
    void startRelay(final Linker.Pending p, final long nowMs)
    {
        if (p.address == null || (p.types & OverlayNode.WANTED) == 0)
        {
            return;
        }
        final BigInteger target = Ring.value(p.address);
        final RelayAttempt attempt = relayAttempts.get(target);
        if (node.table.contains(target) || (attempt != null && nowMs - attempt.startedMs() < RELAY_ATTEMPT_MS))
        {
            return;
        }
        final List<Connection> candidates = new ArrayList<>();
        for (final Connection c : node.table.all())
        {
            if (c.via == null && c.doomed == null && c.remoteId != 0)
            {
                candidates.add(c);
            }
        }
        candidates.sort((a, b) -> Long.compare(a.rttMs < 0 ? Long.MAX_VALUE : a.rttMs, b.rttMs < 0 ? Long.MAX_VALUE : b.rttMs));
        final List<Connection> asked = new ArrayList<>(candidates.subList(0, Math.min(3, candidates.size())));
        for (final Connection c : candidates)
        {
            if (!asked.contains(c) && node.leaf.isSeed(c.endpoint))
            {
                asked.add(c);
            }
        }
        if (asked.isEmpty())
        {
            return;
        }
        relayAttempts.put(target, new RelayAttempt(nowMs, asked.stream().map(c -> c.value).toList()));
        final byte[] request = Messages.aboutPeer(Messages.RELAY_REQUEST, p.types & OverlayNode.WANTED, 0,
            new Messages.Peer(p.address, 0, p.endpoints));
        for (final Connection c : asked)
        {
            node.sender.send(c, request);
        }
    }

    /** As a relay: a linked node asks to be relayed to a target. */
    void onRelayRequest(final long from, final OverlayMessage.AboutPeer m, final long nowMs)
    {
        final Connection requester = node.table.heard(from, nowMs);
        if (requester == null)
        {
            return;
        }
        final Messages.Peer target = m.peer();
        final BigInteger t = Ring.value(target.address());
        if (t.equals(node.self) || t.equals(requester.value))
        {
            node.reject();
            return;
        }
        final Connection c = node.table.live(t);
        if (c != null && c.via == null && c.remoteId != 0)
        {
            grant(requester, c, m.connectionTypes());
            return;
        }
        if (grants.size() >= MAX_RELAY_GRANTS || waitingRelays.size() >= MAX_RELAY_WAITING || c != null ||
            target.endpoints().length == 0)
        {
            node.sender.send(requester, Messages.relayEnd(Messages.RELAY_DENY, target.address()));
            return;
        }
        // not linked to the target yet: link to it (asking it over the ring to link back), grant when up
        waitingRelays.add(new WaitingRelay(requester.address.clone(), target, m.connectionTypes(), nowMs + RELAY_ATTEMPT_MS));
        node.linker.connect(target.endpoints(), target.address(), 0, nowMs, true, true);
    }

    private void grant(final Connection requester, final Connection target, final int types)
    {
        if (!hasGrant(requester.value, target.value))
        {
            if (grants.size() >= MAX_RELAY_GRANTS)
            {
                node.sender.send(requester, Messages.relayEnd(Messages.RELAY_DENY, target.address));
                return;
            }
            grants.add(new Grant(requester.value, target.value));
            node.sender.connectionsChanged();
        }
        // each side learns this node's id of its link to the other: what its relayed headers carry
        node.sender.send(requester, Messages.aboutPeer(Messages.RELAY_GRANT, types, target.localId, node.endpoints.peer(target)));
        node.sender.send(target, Messages.aboutPeer(Messages.RELAY_OPEN, types, requester.localId,
            node.endpoints.peer(requester)));
    }

    private boolean hasGrant(final BigInteger a, final BigInteger b)
    {
        for (final Grant g : grants)
        {
            if (g.involves(a) && g.other(a).equals(b))
            {
                return true;
            }
        }
        return false;
    }

    /** A connection came up: relay requests that waited for it are granted. */
    void grantWaiting(final Connection c)
    {
        if (waitingRelays.isEmpty() || c.via != null || c.remoteId == 0)
        {
            return;
        }
        for (final Iterator<WaitingRelay> it = waitingRelays.iterator(); it.hasNext();)
        {
            final WaitingRelay w = it.next();
            if (Arrays.equals(w.target().address(), c.address))
            {
                it.remove();
                final Connection requester = node.table.live(Ring.value(w.requester()));
                if (requester != null && requester.via == null)
                {
                    grant(requester, c, w.types());
                }
            }
        }
    }

    /** Expires relay requests and attempts that got nowhere. */
    void tick(final long nowMs)
    {
        for (final Iterator<WaitingRelay> it = waitingRelays.iterator(); it.hasNext();)
        {
            final WaitingRelay w = it.next();
            if (nowMs >= w.expiresMs())
            {
                it.remove();
                final Connection requester = node.table.live(Ring.value(w.requester()));
                if (requester != null)
                {
                    node.sender.send(requester, Messages.relayEnd(Messages.RELAY_DENY, w.target().address()));
                }
            }
        }
        relayAttempts.values().removeIf(a -> nowMs - a.startedMs() >= RELAY_ATTEMPT_MS);
    }

    /**
     * @return the linked relay a RELAY_GRANT or RELAY_OPEN came from, or null (counted) if it is
     * not linked, names this node or the relay itself as the other end, or carries no link id.
     */
    private Connection relayOffering(final long from, final OverlayMessage.AboutPeer m, final long nowMs)
    {
        final Connection relay = node.table.heard(from, nowMs);
        if (relay == null)
        {
            return null;
        }
        final BigInteger other = Ring.value(m.peer().address());
        if (other.equals(node.self) || other.equals(relay.value) || m.token() == 0)
        {
            node.reject();
            return null;
        }
        return relay;
    }

    /** The relay said yes: the target is now reached through it. */
    void onRelayGrant(final long from, final OverlayMessage.AboutPeer m, final long nowMs)
    {
        final Connection relay = relayOffering(from, m, nowMs);
        if (relay == null)
        {
            return;
        }
        final Messages.Peer target = m.peer();
        final BigInteger t = Ring.value(target.address());
        final Connection c = node.table.get(t);
        final RelayAttempt attempt = relayAttempts.get(t);
        final boolean asked = attempt != null && attempt.asked().contains(relay.value);
        if (!asked && (c == null || c.via == null || !Arrays.equals(c.via, relay.address)))
        {
            // a grant this node never asked that relay for: no member makes it reach peers through
            // itself (only a relay asked, or the one already in use, may offer)
            node.reject();
            node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, target.address()));
            return;
        }
        if (c == null)
        {
            addRelayed(target, relay, m.token(), m.connectionTypes() & OverlayNode.WANTED, 0, nowMs);
        }
        else if (c.via == null)
        {
            node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, target.address())); // linked directly meanwhile
        }
        else
        {
            offeredRelay(c, relay, m.token(), target.address());
            c.types |= m.connectionTypes() & OverlayNode.WANTED;
        }
    }

    /** A relay tells this node that a peer reaches it through the relay now. */
    void onRelayOpen(final long from, final OverlayMessage.AboutPeer m, final long nowMs)
    {
        final Connection relay = relayOffering(from, m, nowMs);
        if (relay == null)
        {
            return;
        }
        final Messages.Peer peer = m.peer();
        final Connection c = node.table.get(Ring.value(peer.address()));
        if (c == null)
        {
            addRelayed(peer, relay, m.token(), 0, m.connectionTypes() & OverlayNode.WANTED, nowMs);
        }
        else if (c.via == null && nowMs - c.lastHeardMs < node.config.keepaliveMs())
        {
            node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, peer.address())); // we hear it directly
        }
        else if (c.via == null)
        {
            // the direct link went quiet and the peer chose a relay: follow it
            node.events.onLinkPathChanged(c);
            c.via = relay.address.clone();
            node.keepalives.recheck(); // relayed now: its direct path is tried again
            c.relayId = m.token();
            c.endpoint = 0;
            c.peerTypes |= m.connectionTypes() & OverlayNode.WANTED;
            c.lastHeardMs = nowMs;
            node.sender.connectionsChanged();
        }
        else
        {
            offeredRelay(c, relay, m.token(), peer.address());
            c.peerTypes |= m.connectionTypes() & OverlayNode.WANTED;
        }
    }

    /**
     * A second relay was offered for a pair already relayed: both ends keep the relay with the
     * lower ring address (the same rule on both sides, so they agree) and leave the other.
     */
    private void offeredRelay(final Connection c, final Connection relay, final int relayId, final byte[] peer)
    {
        final BigInteger current = Ring.value(c.via);
        if (current.equals(relay.value))
        {
            c.relayId = relayId;
            return;
        }
        if (relay.value.compareTo(current) < 0)
        {
            final Connection old = node.table.live(current);
            if (old != null)
            {
                node.sender.send(old, Messages.relayEnd(Messages.RELAY_END, peer));
            }
            c.via = relay.address.clone();
            c.relayId = relayId;
            node.sender.connectionsChanged();
        }
        else
        {
            node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, peer));
        }
    }

    private void addRelayed(final Messages.Peer peer, final Connection relay, final int relayId, final int types,
        final int peerTypes, final long nowMs)
    {
        if (node.table.size() >= OverlayNode.MAX_CONNECTIONS)
        {
            node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, peer.address()));
            return;
        }
        // the id of a link request already sent to the peer, so a direct link continues this one
        final Linker.Pending sent = node.linker.pendingFor(peer.address());
        final Connection c = new Connection(peer.address().clone(), sent != null ? sent.localId : node.table.newLocalId());
        c.via = relay.address.clone();
        c.relayId = relayId;
        c.virtualIp = peer.virtualIp();
        c.endpoints = peer.endpoints().clone();
        c.types = types | (sent != null ? sent.types & OverlayNode.WANTED : 0);
        c.peerTypes = peerTypes;
        c.upSinceMs = nowMs;
        c.lastHeardMs = nowMs;
        c.lastSentMs = nowMs;
        c.nextDirectTryMs = nowMs + Keepalives.DIRECT_RETRY_MS;
        node.table.add(c);
        node.events.onLinkUp(c);
        node.sender.connectionsChanged();
    }

    /** RELAY_END: from a relay (a relayed connection is over) or from a relayed node (stop relaying its pair). */
    void onRelayEnd(final long from, final OverlayMessage.PairEnd m, final long nowMs)
    {
        final Connection sender = node.table.heard(from, nowMs);
        if (sender == null)
        {
            return;
        }
        final BigInteger other = Ring.value(m.other());
        for (final Iterator<Grant> it = grants.iterator(); it.hasNext();)
        {
            final Grant g = it.next();
            if (g.involves(sender.value) && g.other(sender.value).equals(other))
            {
                it.remove();
                node.sender.connectionsChanged();
                final Connection o = node.table.live(other);
                if (o != null && o.via == null)
                {
                    node.sender.send(o, Messages.relayEnd(Messages.RELAY_END, sender.address));
                }
            }
        }
        final Connection c = node.table.get(other);
        if (c != null && c.via != null && Ring.value(c.via).equals(sender.value))
        {
            node.table.doom(c, "relay_ended");
        }
    }

    /** A peer links to this node now (routed PUNCH): send to it at the same time, so both NATs open. */
    void onPunch(final OverlayMessage.AboutPeer m, final long nowMs)
    {
        final Messages.Peer peer = m.peer();
        if (Arrays.equals(peer.address(), node.address) || peer.endpoints().length == 0)
        {
            return;
        }
        final Connection c = node.table.get(Ring.value(peer.address()));
        if (c != null && c.via == null)
        {
            return;
        }
        // the endpoints are the peer's word: each is contacted a bounded number of times
        final long[] contact = node.contacts.allowed(peer.endpoints(), nowMs);
        if (contact.length == 0)
        {
            return;
        }
        if (c == null)
        {
            node.linker.connect(contact, peer.address(), 0, nowMs, true, false);
        }
        else
        {
            c.endpoints = contact;
            node.linker.tryDirect(c, nowMs);
        }
    }

    /** Hands a Connect-To-Me reply to the linked node it is for (which has no routable link yet). */
    void onForward(final OverlayMessage.Forward m, final long nowMs)
    {
        final Connection to = node.table.live(Ring.value(m.to()));
        if (to == null || Messages.type(m.message(), 0, m.message().length) != Messages.CTM_REPLY)
        {
            node.reject();
            return;
        }
        if (nowMs - forwardWindowMs >= 1000)
        {
            forwardWindowMs = nowMs;
            forwardsInWindow = 0;
        }
        if (++forwardsInWindow > MAX_FORWARDS_PER_S)
        {
            node.reject();
            return;
        }
        node.sender.send(to, m.message());
    }

    /** Cleans up after a connection left the table: its relay grants, and what was relayed through it. */
    void removed(final Connection c)
    {
        for (final Iterator<Grant> it = grants.iterator(); it.hasNext();)
        {
            final Grant g = it.next();
            if (g.involves(c.value))
            {
                it.remove();
                final Connection o = node.table.live(g.other(c.value));
                if (o != null && o.via == null)
                {
                    node.sender.send(o, Messages.relayEnd(Messages.RELAY_END, c.address));
                }
            }
        }
        for (final Connection d : node.table.all())
        {
            if (d.via != null && Arrays.equals(d.via, c.address))
            {
                node.table.doom(d, "relay_lost");
            }
        }
        if (c.via != null)
        {
            final Connection relay = node.table.live(Ring.value(c.via));
            if (relay != null)
            {
                node.sender.send(relay, Messages.relayEnd(Messages.RELAY_END, c.address));
            }
        }
    }

    /** @return true if the connection carries relayed traffic (as this node's relay, or as a granted leg). */
    boolean relayLeg(final Connection c)
    {
        for (final Grant g : grants)
        {
            if (g.involves(c.value))
            {
                return true;
            }
        }
        return node.table.carriesRelayedPeers(c);
    }
}
