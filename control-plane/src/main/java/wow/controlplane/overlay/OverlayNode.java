package wow.controlplane.overlay;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.HashSet;
import java.util.TreeMap;
import wow.dataplane.transport.Endpoints;

/**
 * One node of the structured overlay (Brunet/Symphony): its connection table (leaf, near, far),
 * the join by Connect-To-Me, the linking handshake that echoes the endpoint each side was seen
 * from, keepalives and failure detection, near-ring repair from neighbour lists, far links drawn
 * from the harmonic distribution, greedy routing decisions, probes and a small DHT; and NAT
 * traversal: endpoints learned from peers' echoes, hole punching (a routed PUNCH makes the peer
 * send to this node while it sends to the peer), replies returned through a joining node's only
 * link, two-hop relays for pairs that cannot link directly (and the relay role for others,
 * bounded), and giving up on UDP when it gets nowhere while TCP works. Pure logic:
 * time comes in as arguments and messages leave through a {@link Transport}, so the conductor
 * and the simulator run the same code. Not thread-safe: one thread (the conductor's, or the
 * simulator's) calls everything.
 */
public final class OverlayNode
{
    public static final int LEAF = 1;
    public static final int NEAR = 2;
    public static final int FAR = 4;
    public static final int SHORTCUT = 8;
    /** A direct link that carries relayed pairs (this node's relay, or a leg this node relays over). */
    public static final int RELAY = 16;
    private static final int STRUCTURED = NEAR | FAR | SHORTCUT | RELAY;
    /** What a node links to a peer for (relaying is a consequence, never a wish). */
    private static final int WANTED = NEAR | FAR | SHORTCUT;

    /** Bounds on what peers can make a node hold, so no peer can make it grow without limit. */
    public static final int MAX_CONNECTIONS = 512;
    public static final int MAX_PENDING = 128;
    public static final int MAX_STORED = 10_000;

    public static final int EXACT = 1;
    public static final int CLOSEST = 2;

    /** Where the node's messages go: the conductor's data-plane proxy, or the simulated network. */
    public interface Transport
    {
        /** Sends a message to an endpoint; {@code remoteLinkId} is the peer's id for the link, 0 if none yet. */
        void sendDirect(long endpoint, int remoteLinkId, byte[] message);

        /**
         * Sends a routed message whose first hop this node chose.
         *
         * @param firstHop      the first hop's endpoint, or its relay's when the first hop is relayed.
         * @param relayLinkId   0 for a direct first hop; else the relay's id of its link to the first hop.
         * @param excludeSource the message is for the node closest to the destination other than
         *                      this one (Connect-To-Me toward one's own address).
         */
        void sendRouted(long firstHop, int relayLinkId, byte[] destination, int delivery, boolean excludeSource, byte[] message);

        /** The set of connections or their ids changed: forwarding must be rebuilt. */
        void connectionsChanged();

        /**
         * The node queued a message for itself: its owner should call {@link #deliverQueued} in its
         * next duty cycle (a conductor that does so every cycle needs nothing here).
         */
        default void selfQueued()
        {
        }
    }

    /** What a node reports upward: probe answers, DHT answers, link events. All optional. */
    public interface Events
    {
        default void probeReplied(int token, byte[] from)
        {
        }

        default void dhtReplied(int token, boolean found, byte[] value)
        {
        }

        default void linkUp(Connection connection)
        {
        }

        default void linkDown(Connection connection, String reason)
        {
        }

        default void endpointLearned(long endpoint)
        {
        }

        /** A connection switched between direct and relayed. */
        default void linkPathChanged(Connection connection)
        {
        }

        /** UDP got no answer for long while TCP works: the node now links over TCP and relays only. */
        default void udpGaveUp()
        {
        }

        /** The primary holder of a lease answered this node's operation. */
        default void leaseReplied(int token, byte[] key, int result, byte[] value)
        {
        }

        /** A peer's datagrams come from a new endpoint now, and the link followed it. */
        default void peerMoved(Connection connection)
        {
        }

        /** A data packet this node sent could not reach {@code address}: no such node (any more). */
        default void unreachable(byte[] address)
        {
        }
    }

    /** A connection to a peer. Mutable, owned by the node's thread. */
    public static final class Connection
    {
        final byte[] address;
        final BigInteger value;
        final int localId;
        long endpoint;
        int virtualIp;
        int types;
        int peerTypes;
        int remoteId;
        long lastHeardMs;
        long lastSentMs;
        long upSinceMs;
        long lastListSentMs;
        long pingSentMs;
        long rttMs = -1;
        long[] endpoints;
        /** The relay's address when the peer is reached through one; null for a direct link. */
        byte[] via;
        /** The relay's id of its link to the peer (what relayed headers carry). */
        int relayId;
        /** Why the connection must go at the next check (its relay went), or null. */
        String doomed;
        long nextDirectTryMs;

        Connection(final byte[] address, final int localId)
        {
            this.address = address;
            this.value = Ring.value(address);
            this.localId = localId;
        }

        public byte[] address()
        {
            return address.clone();
        }

        public BigInteger value()
        {
            return value;
        }

        public long endpoint()
        {
            return endpoint;
        }

        public int virtualIp()
        {
            return virtualIp;
        }

        /** @return what this node uses the connection for. */
        public int types()
        {
            return types;
        }

        /** @return what the peer uses the connection for (it is kept while either side needs it). */
        public int peerTypes()
        {
            return peerTypes;
        }

        public int localId()
        {
            return localId;
        }

        public int remoteId()
        {
            return remoteId;
        }

        public long upSinceMs()
        {
            return upSinceMs;
        }

        public long lastHeardMs()
        {
            return lastHeardMs;
        }

        /** @return the round trip of the last answered keepalive, -1 before one was answered. */
        public long rttMs()
        {
            return rttMs;
        }

        /** @return true if greedy routing may use it (leaf links only bootstrap). */
        public boolean routable()
        {
            return ((types | peerTypes) & STRUCTURED) != 0;
        }

        /** @return the relay's id of its link to the peer (0 when direct). */
        public int relayId()
        {
            return relayId;
        }

        /** @return the ring address of the relay this peer is reached through, or null if direct. */
        public byte[] via()
        {
            return via == null ? null : via.clone();
        }

        @Override
        public String toString()
        {
            return Ring.shortHex(address) + typeNames(types);
        }
    }

    /** A link being set up: endpoints to try, the types wanted, when to try again. */
    private static final class Pending
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

    private record Stored(byte[] value, long expiresMs)
    {
    }

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

    /** A relay this node asked for. */
    private static final class RelayAttempt
    {
        final long startedMs;

        RelayAttempt(final long startedMs)
        {
            this.startedMs = startedMs;
        }
    }

    /** Pairs a node relays for at most, and relay requests it holds while linking. */
    public static final int MAX_RELAY_GRANTS = 256;
    public static final int MAX_RELAY_WAITING = 32;
    /** Direct link attempts before a relay is asked for too (the direct attempts go on). */
    static final int RELAY_AFTER_ATTEMPTS = 3;
    static final long RELAY_ATTEMPT_MS = 12_000;
    static final long DIRECT_RETRY_MS = 15_000;
    /** With no answer over UDP for this long while TCP works, the node stops trying UDP. */
    static final long UDP_GIVE_UP_MS = 8_000;
    /** FORWARDs a node hands on per second at most. */
    static final int MAX_FORWARDS_PER_S = 200;

    private final byte[] address;
    private final BigInteger self;
    private final int virtualIp;
    private final OverlayConfig config;
    private final Transport transport;
    private final Events events;
    private final Random random;
    private long[] localEndpoints;
    private final List<Long> learnedEndpoints = new ArrayList<>();
    private final java.util.LinkedHashMap<Long, Set<BigInteger>> echoes = new java.util.LinkedHashMap<>();
    private static final int MAX_ECHOED = 16;

    private final TreeMap<BigInteger, Connection> connections = new TreeMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<BigInteger, Stored> store = new HashMap<>();
    private final Leases leases = new Leases();
    private final LeaseQuorum leaseQuorum = new LeaseQuorum(leases, new LeaseQuorum.Wire()
    {
        @Override
        public void send(final BigInteger to, final byte[] message)
        {
            final Connection c = connections.get(to);
            if (c != null)
            {
                OverlayNode.this.send(c, message);
            }
        }

        @Override
        public List<BigInteger> near()
        {
            final List<BigInteger> out = new ArrayList<>();
            for (final Connection c : nearNeighbours())
            {
                out.add(c.value);
            }
            return out;
        }

        @Override
        public void answer(final Messages.LeaseOp op, final int result, final byte[] holder, final long nowMs)
        {
            route(op.value(), EXACT, Messages.leaseReply(op.token(), op.key(), result, holder), nowMs);
        }
    });
    private final Map<BigInteger, byte[]> ownRecords = new HashMap<>();
    private final Map<BigInteger, Integer> ownRecordTtl = new HashMap<>();
    private final java.util.Set<Integer> localIds = new java.util.HashSet<>();
    private final List<Grant> grants = new ArrayList<>();
    private final List<WaitingRelay> waitingRelays = new ArrayList<>();
    private final Map<BigInteger, RelayAttempt> relayAttempts = new HashMap<>();
    private boolean heardUdp;
    private boolean heardTcp;
    private boolean udpBlocked;
    private long startedMs = -1;
    private long forwardWindowMs;
    /** The link id the header of the direct message being handled carried (0: none). */
    private int headerLinkId;
    private List<BigInteger> lastNear = List.of();
    private long lastRepublishMs;
    /** Records are re-put at most this often when the near set changes. */
    static final long REPUBLISH_ON_CHANGE_MS = 2_000;
    private int forwardsInWindow;

    private long[] seeds = new long[0];
    private boolean joined;
    private boolean left;
    private long nextCtmMs;
    private long ctmBackoffMs;
    private long nextNeighboursMs;
    private long nextFarMs;
    private long nextRepublishMs;
    private long nextSeedRetryMs;
    private long nextSelfCheckMs;
    private static final long SELF_CHECK_MS = 10_000;
    /** A keepalive goes out at least this often on every link, so its RTT stays known. */
    private static final long RTT_PROBE_MS = 10_000;
    private boolean nearChanged;
    private int nextToken = 1;
    /** Routed messages this node sent to itself, handled in its next duty cycle. */
    private final java.util.ArrayDeque<byte[]> selfQueue = new java.util.ArrayDeque<>();
    static final int MAX_SELF_QUEUED = 1024;
    private long malformed;

    public OverlayNode(
        final byte[] address,
        final int virtualIp,
        final long[] localEndpoints,
        final OverlayConfig config,
        final Transport transport,
        final Events events,
        final Random random)
    {
        this.address = address.clone();
        this.self = Ring.value(address);
        this.virtualIp = virtualIp;
        this.localEndpoints = localEndpoints.clone();
        this.config = config;
        this.transport = transport;
        this.events = events;
        this.random = random;
    }

    // ------------------------------------------------------------------ accessors

    public byte[] address()
    {
        return address.clone();
    }

    public BigInteger value()
    {
        return self;
    }

    public int virtualIp()
    {
        return virtualIp;
    }

    /** @return the up connections, ordered by address. */
    public Collection<Connection> connections()
    {
        return Collections.unmodifiableCollection(connections.values());
    }

    /** @return the connection with this local link id, or null. */
    public Connection connectionByLocalId(final int localId)
    {
        for (final Connection c : connections.values())
        {
            if (c.localId == localId)
            {
                return c;
            }
        }
        return null;
    }

    /** @return endpoints peers told this node they saw it from (its NAT-translated endpoints). */
    public List<Long> learnedEndpoints()
    {
        return Collections.unmodifiableList(learnedEndpoints);
    }

    /** @return messages dropped because they were malformed, hostile or unexpected. */
    /** @return the endpoints this node listens on (advertised with the learned ones). */
    public long[] localEndpoints()
    {
        return localEndpoints.clone();
    }

    /** @return true once the node found its place on the ring (the node nearest its address answered). */
    public boolean isJoined()
    {
        return joined && !left && !side(true).isEmpty();
    }

    public boolean udpBlocked()
    {
        return udpBlocked;
    }

    /** @return the pairs this node relays for, as ring addresses {a, b}. */
    public List<byte[][]> relayGrants()
    {
        final List<byte[][]> out = new ArrayList<>(grants.size());
        for (final Grant g : grants)
        {
            out.add(new byte[][] {Ring.address(g.a()), Ring.address(g.b())});
        }
        return out;
    }

    /** @return the connection to exactly this address (direct or relayed), or null. */
    public Connection connection(final BigInteger address)
    {
        final Connection c = connections.get(address);
        return c == null || c.doomed != null ? null : c;
    }

    public long malformed()
    {
        return malformed;
    }

    /** @return the near neighbours, {@code nearPerSide} clockwise then as many counter-clockwise. */
    public List<Connection> nearNeighbours()
    {
        final List<Connection> out = new ArrayList<>(side(true));
        for (final Connection c : side(false))
        {
            if (!out.contains(c))
            {
                out.add(c);
            }
        }
        return out;
    }

    /** @return the closest connections on one side (clockwise if {@code right}), nearest first. */
    public List<Connection> side(final boolean right)
    {
        final List<Connection> out = new ArrayList<>(config.nearPerSide());
        if (connections.isEmpty())
        {
            return out;
        }
        Map.Entry<BigInteger, Connection> e = right ? connections.higherEntry(self) : connections.lowerEntry(self);
        while (out.size() < config.nearPerSide() && out.size() < connections.size())
        {
            if (e == null)
            {
                e = right ? connections.firstEntry() : connections.lastEntry();
            }
            if (out.contains(e.getValue()))
            {
                break;
            }
            out.add(e.getValue());
            e = right ? connections.higherEntry(e.getKey()) : connections.lowerEntry(e.getKey());
        }
        return out;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts joining through the seeds' endpoints (none: this node starts a new ring). */
    public void join(final long[] seedEndpoints, final long nowMs)
    {
        seeds = seedEndpoints.clone();
        joined = seeds.length == 0;
        startedMs = nowMs;
        for (final long seed : seeds)
        {
            connect(new long[] {seed}, null, LEAF, nowMs);
        }
        nextSeedRetryMs = nowMs + config.deadMs();
        nextCtmMs = nowMs;
        ctmBackoffMs = config.ctmIntervalMs();
        nextFarMs = nowMs + config.farIntervalMs();
        nextNeighboursMs = nowMs + config.neighbourIntervalMs();
        nextRepublishMs = nowMs;
    }

    /** Leaves gracefully: every connection is told, so peers repair at once. */
    public void leave()
    {
        left = true;
        for (final Connection c : connections.values())
        {
            send(c, Messages.close(address));
        }
        connections.clear();
        pending.clear();
    }

    // ------------------------------------------------------------------ routing

    /**
     * Greedy routing: the routable connection closest to {@code destination} if it is strictly
     * closer than this node, else null (this node is the closest it knows of). A connection to
     * {@code exclude} (may be null) is never chosen: messages that must reach the closest node
     * other than their source are not handed back to it.
     */
    public Connection nextHop(final BigInteger destination, final BigInteger exclude)
    {
        BigInteger best = Ring.distance(self, destination);
        Connection hop = null;
        for (final Connection c : connections.values())
        {
            if (c.routable() && !c.value.equals(exclude))
            {
                final BigInteger d = Ring.distance(c.value, destination);
                if (d.compareTo(best) < 0)
                {
                    best = d;
                    hop = c;
                }
            }
        }
        return hop;
    }

    /** Sends a routed message from this node; handles it here if this node is where it ends. */
    public void route(final byte[] destination, final int delivery, final byte[] message, final long nowMs)
    {
        final BigInteger dst = Ring.value(destination);
        Connection hop = connection(dst);
        if (hop == null)
        {
            hop = nextHop(dst, null);
        }
        if (hop == null && !hasRoutable())
        {
            hop = leaf();
        }
        if (hop != null)
        {
            routeVia(hop, destination, delivery, false, message);
        }
        else if (delivery == CLOSEST || dst.equals(self))
        {
            queueForSelf(message);
        }
    }

    /**
     * Queues a routed message that ends at this node: it is handled by {@link #deliverQueued} in
     * the owner's next duty cycle, never inside the call that sent it (a caller learns the token of
     * its request before any answer can arrive).
     */
    private void queueForSelf(final byte[] message)
    {
        if (selfQueue.size() >= MAX_SELF_QUEUED)
        {
            malformed++;
            return;
        }
        selfQueue.add(message);
        if (selfQueue.size() == 1)
        {
            transport.selfQueued();
        }
    }

    /**
     * Handles the messages this node routed to itself before this call (those they cause wait for
     * the next call). Call once per duty cycle; {@link #tick} calls it too.
     *
     * @return the number handled.
     */
    public int deliverQueued(final long nowMs)
    {
        final int n = selfQueue.size();
        for (int i = 0; i < n; i++)
        {
            final byte[] message = selfQueue.poll();
            onRouted(address, message, 0, message.length, nowMs);
        }
        return n;
    }

    /**
     * Sends a message to the node closest to {@code destination} other than this one: the first
     * hop is the connection closest to it even if this node is closer (Connect-To-Me toward one's
     * own address), and no hop hands it back.
     */
    private void sendNearCtm()
    {
        final BigInteger dst = self;
        Connection hop = null;
        BigInteger best = null;
        for (final Connection c : connections.values())
        {
            if (c.routable())
            {
                final BigInteger d = Ring.distance(c.value, dst);
                if (best == null || d.compareTo(best) < 0)
                {
                    best = d;
                    hop = c;
                }
            }
        }
        if (hop == null)
        {
            hop = leaf();
        }
        if (hop != null)
        {
            // a node with no routable link yet gets the reply back through the node it asked
            final byte[] message = Messages.ctmRequest(NEAR, nextToken++, me(), hop.routable() ? null : hop.address);
            routeVia(hop, address, CLOSEST, true, message);
        }
    }

    /** Hands a routed message to its first hop, through that hop's relay when it is relayed. */
    private void routeVia(final Connection hop, final byte[] destination, final int delivery, final boolean excludeSource,
        final byte[] message)
    {
        if (hop.via == null)
        {
            transport.sendRouted(hop.endpoint, 0, destination, delivery, excludeSource, message);
            return;
        }
        final Connection relay = connections.get(Ring.value(hop.via));
        if (relay != null && relay.via == null)
        {
            transport.sendRouted(relay.endpoint, hop.relayId, destination, delivery, excludeSource, message);
        }
    }

    private boolean hasRoutable()
    {
        for (final Connection c : connections.values())
        {
            if (c.routable())
            {
                return true;
            }
        }
        return false;
    }

    private Connection leaf()
    {
        Connection any = null;
        for (final Connection c : connections.values())
        {
            if (c.via == null && c.doomed == null)
            {
                if ((c.types & LEAF) != 0)
                {
                    return c;
                }
                any = any == null ? c : any;
            }
        }
        return any;
    }

    // ------------------------------------------------------------------ leases

    /**
     * Sends a signed lease operation to the node closest to its key (the primary holder), which
     * decides it atomically, copies it to its replica neighbours and answers with
     * {@link Events#leaseReplied}.
     *
     * @return the token of the answer.
     */
    public int lease(final int op, final byte[] key, final int ttlSeconds, final long serial, final byte[] publicKey,
        final byte[] signature, final long nowMs)
    {
        final int token = nextToken++;
        route(key, CLOSEST, Messages.lease(new Messages.LeaseOp(op, Messages.LEASE_REQUEST, token, key, ttlSeconds, serial, address,
            publicKey, signature, ttlSeconds)), nowMs);
        return token;
    }

    /** @return the live lease this node holds for a key, or null (tests, status). */
    public Leases.Lease heldLease(final byte[] key, final long nowMs)
    {
        return leases.get(key, nowMs);
    }

    /** A request routed to this node as the key's primary: decided in quorum rounds with the key's replicas ({@link LeaseQuorum}). */
    private void onLease(final Messages.LeaseOp op, final long nowMs)
    {
        final List<BigInteger> replicas = new ArrayList<>();
        for (final Connection c : replicaNeighbours(Ring.value(op.key())))
        {
            replicas.add(c.value);
        }
        leaseQuorum.request(op, replicas, nowMs);
    }

    /**
     * A lease message between a primary and a replica, from a linked node (directly, or routed
     * over the relayed link): a query or copy to answer, or a replica's answer.
     */
    private void onLeaseFromPeer(final Connection c, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        if (c == null)
        {
            malformed++;
            return;
        }
        if (Messages.type(bytes, offset, length) == Messages.LEASE_HELD)
        {
            leaseQuorum.held(c.value, Messages.decodeLeaseHeld(bytes, offset, length), nowMs);
            return;
        }
        final Messages.LeaseOp op = Messages.decodeLease(bytes, offset, length);
        if (op.role() == Messages.LEASE_REQUEST)
        {
            malformed++; // requests are routed to the primary, never sent to a link
            return;
        }
        final byte[] answer = leaseQuorum.replica(op, nowMs);
        if (answer != null)
        {
            send(c, answer);
        }
    }

    /**
     * Sends a keepalive on a link at once (the conductor saw the peer's data stop): if this
     * node's NAT lost its mapping, sending makes it anew, and the peer follows the new endpoint.
     */
    public void keepaliveNow(final Connection c, final long nowMs)
    {
        if (connections.get(c.value) == c)
        {
            ping(c, nowMs);
        }
    }

    /** A keepalive: the peer answers with a PONG, which also measures the link's RTT. */
    private void ping(final Connection c, final long nowMs)
    {
        c.lastSentMs = nowMs;
        c.pingSentMs = nowMs;
        send(c, Messages.ping(Messages.PING, c.types, address, c.endpoint));
    }

    /** @return lease requests answered refused for want of a quorum of the key's replicas. */
    public long leaseNoQuorum()
    {
        return leaseQuorum.noQuorum();
    }

    // ------------------------------------------------------------------ migration

    /**
     * The data plane saw DATA carrying this node's id for a link arrive from another endpoint:
     * the peer moved (new address, or its NAT rebound the mapping). The link follows it at once,
     * without waiting for a keepalive, and a keepalive confirms the new path.
     */
    public void peerMoved(final int localId, final long endpoint, final long nowMs)
    {
        final Connection c = connectionByLocalId(localId);
        if (c == null || c.via != null || endpoint == 0 || !movesTo(c, endpoint))
        {
            return;
        }
        c.endpoint = endpoint;
        c.lastHeardMs = nowMs;
        ping(c, nowMs);
        events.peerMoved(c);
        transport.connectionsChanged();
    }

    /**
     * This host's own addresses changed (it moved to another network, or got a new address): the
     * endpoints learned through the old NAT are forgotten, every link is pinged at once from the
     * new address (so peers follow it) and the ring is asked for this node's neighbours again.
     */
    public void localEndpointsChanged(final long[] endpoints, final long nowMs)
    {
        if (Arrays.equals(endpoints, localEndpoints))
        {
            return;
        }
        localEndpoints = endpoints.clone();
        echoes.clear();
        learnedEndpoints.clear();
        for (final Connection c : connections.values())
        {
            ping(c, nowMs);
            if (c.via != null)
            {
                c.nextDirectTryMs = nowMs; // the new network may allow what the old did not
            }
        }
        nextSelfCheckMs = nowMs;
    }

    // ------------------------------------------------------------------ shortcuts

    /**
     * Links directly to a node this host sends much traffic to: an existing connection takes the
     * shortcut role; else a Connect-To-Me goes to exactly that address, whose answer starts the
     * usual linking (hole punching, a relay if need be).
     */
    public void requestShortcut(final byte[] destination, final long nowMs)
    {
        if (Arrays.equals(destination, address) || left)
        {
            return;
        }
        final Connection c = connections.get(Ring.value(destination));
        if (c != null)
        {
            if ((c.types & SHORTCUT) == 0)
            {
                c.types |= SHORTCUT;
                send(c, Messages.ping(Messages.PING, c.types, address, c.endpoint));
                transport.connectionsChanged();
            }
            return;
        }
        route(destination, EXACT, Messages.ctmRequest(SHORTCUT, nextToken++, me()), nowMs);
    }

    /** Gives up the shortcut role of a connection; it closes unless something else needs it. */
    public void dropShortcut(final byte[] destination)
    {
        final Connection c = connections.get(Ring.value(destination));
        if (c != null && (c.types & SHORTCUT) != 0)
        {
            c.types &= ~SHORTCUT;
            send(c, Messages.ping(Messages.PING, c.types, address, c.endpoint));
            transport.connectionsChanged();
        }
    }

    /** Sends an exact-delivery probe to an address; the answer comes as {@link Events#probeReplied}. */
    public int probe(final byte[] destination, final long nowMs)
    {
        final int token = nextToken++;
        route(destination, EXACT, Messages.probe(Messages.PROBE, token, address), nowMs);
        return token;
    }

    // ------------------------------------------------------------------ DHT

    /** @return the DHT key of a name: SHA-1 of it. */
    public static byte[] key(final String name)
    {
        try
        {
            return java.security.MessageDigest.getInstance("SHA-1").digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Stores a record on the r nodes closest to its key, and keeps it there while this node lives. */
    public void put(final byte[] key, final byte[] value, final int ttlSeconds, final long nowMs)
    {
        ownRecords.put(Ring.value(key), value.clone());
        ownRecordTtl.put(Ring.value(key), ttlSeconds);
        route(key, CLOSEST, Messages.dhtPut(ttlSeconds, key, config.dhtReplicas(), value), nowMs);
    }

    /** Stops keeping a record (it expires on the replicas with its TTL). */
    public void remove(final byte[] key)
    {
        ownRecords.remove(Ring.value(key));
        ownRecordTtl.remove(Ring.value(key));
    }

    /** Asks the ring for a record; the answer comes as {@link Events#dhtReplied}. */
    public int get(final byte[] key, final long nowMs)
    {
        final int token = nextToken++;
        route(key, CLOSEST, Messages.dhtGet(token, key, address), nowMs);
        return token;
    }

    /** @return the value this node stores for a key, if it holds a live replica. */
    public byte[] stored(final byte[] key, final long nowMs)
    {
        final Stored s = store.get(Ring.value(key));
        return s == null || s.expiresMs <= nowMs ? null : s.value.clone();
    }

    // ------------------------------------------------------------------ timers

    /** Runs the node's timers: call about every 250 ms (more often does no harm). */
    public void tick(final long nowMs)
    {
        if (left)
        {
            return;
        }
        deliverQueued(nowMs);
        retryPending(nowMs);
        leaseQuorum.expire(nowMs);
        keepalive(nowMs);
        maintainNear(nowMs);
        maintainRelays(nowMs);
        if (!joined || side(true).isEmpty())
        {
            joinStep(nowMs);
        }
        if (nowMs >= nextNeighboursMs || nearChanged)
        {
            sendNeighbours(nowMs);
        }
        if (joined && nowMs >= nextSelfCheckMs)
        {
            // ask the node nearest our address again now and then: a node whose view went wrong
            // while the ring changed around it learns its true neighbours from the right place
            nextSelfCheckMs = nowMs + SELF_CHECK_MS + random.nextInt((int)SELF_CHECK_MS);
            sendNearCtm();
        }
        if (joined && nowMs >= nextFarMs)
        {
            nextFarMs = nowMs + config.farIntervalMs();
            requestFar(nowMs);
        }
        final List<BigInteger> near = new ArrayList<>();
        for (final Connection c : nearNeighbours())
        {
            near.add(c.value);
        }
        final boolean nearMoved = !near.equals(lastNear);
        if (nowMs >= nextRepublishMs || (nearMoved && joined && nowMs - lastRepublishMs >= REPUBLISH_ON_CHANGE_MS))
        {
            // also soon after the near set changed: records put while the ring was forming (or
            // whose holders just changed) reach the nodes that own them now, not 30 s later
            lastNear = near;
            lastRepublishMs = nowMs;
            nextRepublishMs = nowMs + config.dhtRepublishMs();
            republish(nowMs);
        }
    }

    private void retryPending(final long nowMs)
    {
        for (final Iterator<Pending> it = pending.iterator(); it.hasNext();)
        {
            final Pending p = it.next();
            if (nowMs < p.nextMs)
            {
                continue;
            }
            if (p.attempts >= config.linkAttempts())
            {
                it.remove();
                if (connectionByLocalId(p.localId) == null)
                {
                    localIds.remove(p.localId);
                }
                continue;
            }
            p.attempts++;
            p.nextMs = nowMs + (config.linkRetryMs() << Math.min(p.attempts - 1, 4));
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
                transport.sendDirect(endpoint, 0, Messages.link(Messages.LINK_REQUEST, p.types, p.localId, virtualIp,
                    address, endpoint, advertised()));
            }
            if (p.punch && p.address != null && (p.attempts == 1 || p.attempts == RELAY_AFTER_ATTEMPTS))
            {
                route(p.address, EXACT, Messages.aboutPeer(Messages.PUNCH, p.types, nextToken++, me()), nowMs);
            }
            // a node that has heard nothing over UDP yet (joined over TCP) asks for a relay at once
            if (p.attempts >= (heardUdp || !heardTcp ? RELAY_AFTER_ATTEMPTS : 1) || !sent)
            {
                startRelay(p, nowMs);
            }
        }
        if (seeds.length > 0 && connections.isEmpty() && pending.isEmpty() && nowMs >= nextSeedRetryMs)
        {
            // lost everything (or never got in): start over through the seeds
            nextSeedRetryMs = nowMs + config.deadMs();
            joined = false;
            for (final long seed : seeds)
            {
                connect(new long[] {seed}, null, LEAF, nowMs);
            }
        }
    }

    private void keepalive(final long nowMs)
    {
        boolean changed = false;
        for (final Iterator<Connection> it = connections.values().iterator(); it.hasNext();)
        {
            final Connection c = it.next();
            if (c.doomed != null || nowMs - c.lastHeardMs > config.deadMs())
            {
                it.remove();
                removed(c);
                events.linkDown(c, c.doomed != null ? c.doomed : "timeout");
                changed = true;
                if ((c.types & NEAR) != 0)
                {
                    nextSelfCheckMs = nowMs; // a neighbour died: ask the ring for our true neighbours now
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
                c.nextDirectTryMs = nowMs + DIRECT_RETRY_MS + random.nextInt((int)DIRECT_RETRY_MS);
                tryDirect(c, nowMs);
            }
        }
        if (!udpBlocked && !heardUdp && heardTcp && startedMs >= 0 && nowMs - startedMs > UDP_GIVE_UP_MS)
        {
            udpBlocked = true;
            events.udpGaveUp();
        }
        if (changed)
        {
            nearChanged = true;
            transport.connectionsChanged();
        }
    }

    private void joinStep(final long nowMs)
    {
        if (connections.isEmpty() || nowMs < nextCtmMs)
        {
            return;
        }
        nextCtmMs = nowMs + ctmBackoffMs;
        ctmBackoffMs = Math.min(ctmBackoffMs * 2, 8_000);
        sendNearCtm();
    }

    /** Keeps the near types on exactly the closest connections each side; closes what nothing needs. */
    private void maintainNear(final long nowMs)
    {
        final List<Connection> near = nearNeighbours();
        boolean changed = false;
        final boolean ringFormed = !side(true).isEmpty() && !side(false).isEmpty();
        for (final Iterator<Connection> it = connections.values().iterator(); it.hasNext();)
        {
            final Connection c = it.next();
            final int before = c.types;
            if (near.contains(c))
            {
                c.types |= NEAR;
            }
            else
            {
                c.types &= ~NEAR;
            }
            if (c.via == null && relayLeg(c))
            {
                c.types |= RELAY; // routable: for a node behind blocked UDP it is the way to everyone
            }
            else
            {
                c.types &= ~RELAY;
            }
            if (ringFormed && joined && (c.types & LEAF) != 0 && nowMs - c.upSinceMs > config.keepaliveMs())
            {
                c.types &= ~LEAF; // bootstrap done: no node stays special
            }
            if (c.types == 0 && c.peerTypes == 0 && nowMs - c.upSinceMs > config.linkRetryMs() * 4 && !relayLeg(c))
            {
                send(c, Messages.close(address));
                it.remove();
                removed(c);
                events.linkDown(c, "not_needed");
                changed = true;
            }
            else if (c.types != before)
            {
                changed = true;
                // tell the peer what the link is for now, so neither side drops what the other needs
                send(c, Messages.ping(Messages.PING, c.types, address, c.endpoint));
            }
        }
        if (changed)
        {
            nearChanged = true;
            transport.connectionsChanged();
        }
        if (joined && connections.size() > 0 && side(true).isEmpty() == false && nowMs >= nextCtmMs && nearIncomplete())
        {
            // a side with fewer near neighbours than wanted while the ring may be larger: ask again
            nextCtmMs = nowMs + Math.max(ctmBackoffMs, config.ctmIntervalMs());
            ctmBackoffMs = Math.min(ctmBackoffMs * 2, 30_000);
            sendNearCtm();
        }
    }

    private boolean nearIncomplete()
    {
        return side(true).size() < config.nearPerSide() && connections.size() > side(true).size();
    }

    private void sendNeighbours(final long nowMs)
    {
        nextNeighboursMs = nowMs + config.neighbourIntervalMs();
        nearChanged = false;
        final List<Connection> near = nearNeighbours();
        if (near.isEmpty())
        {
            return;
        }
        final byte[] message = neighbourList();
        for (final Connection c : near)
        {
            c.lastListSentMs = nowMs;
            send(c, message);
        }
    }

    private byte[] neighbourList()
    {
        final List<Connection> near = nearNeighbours();
        final List<Messages.Peer> peers = new ArrayList<>(near.size() + 1);
        peers.add(me());
        for (final Connection c : near)
        {
            peers.add(peer(c));
        }
        return Messages.neighbours(peers);
    }

    /** Symphony: a far link at ring distance d with P(d) proportional to 1/d over [ring/N, ring/2]. */
    private void requestFar(final long nowMs)
    {
        final int far = (int)connections.values().stream().filter(c -> (c.types & FAR) != 0).count();
        final double n = estimateSize();
        final int wanted = Math.max(1, (int)Math.ceil(0.5 * Math.log(n) / Math.log(2)));
        if (far >= wanted || n < 8)
        {
            return;
        }
        final BigInteger target = self.add(farDistance(n, random)).mod(Ring.SIZE);
        route(Ring.address(target), CLOSEST, Messages.ctmRequest(FAR, nextToken++, me()), nowMs);
    }

    /** @return a ring distance drawn with density proportional to 1/d on [ring/n, ring/2]. */
    public static BigInteger farDistance(final double n, final Random random)
    {
        final double lo = 160 * Math.log(2) - Math.log(Math.max(n, 2));
        final double hi = 159 * Math.log(2);
        final double ln = lo + random.nextDouble() * (hi - lo);
        return new java.math.BigDecimal(Math.exp(ln)).toBigInteger();
    }

    /** @return the ring size estimated from the spread of the near neighbours. */
    public double estimateSize()
    {
        final List<Connection> right = side(true);
        final List<Connection> left = side(false);
        if (right.isEmpty() || left.isEmpty())
        {
            return connections.size() + 1;
        }
        final BigInteger span = Ring.clockwise(left.get(left.size() - 1).value, right.get(right.size() - 1).value);
        final int gaps = right.size() + left.size();
        if (span.signum() == 0)
        {
            return connections.size() + 1;
        }
        return Ring.SIZE.doubleValue() / (span.doubleValue() / gaps);
    }

    private void republish(final long nowMs)
    {
        for (final Map.Entry<BigInteger, byte[]> e : ownRecords.entrySet())
        {
            final byte[] key = Ring.address(e.getKey());
            route(key, CLOSEST, Messages.dhtPut(ownRecordTtl.get(e.getKey()), key, config.dhtReplicas(), e.getValue()), nowMs);
        }
        store.values().removeIf(s -> s.expiresMs <= nowMs);
        // leases too, with what is left of them: a node that just became a key's primary (it
        // joined, a holder left) learns the live leases before it could grant a second owner
        for (final Leases.Lease lease : leases.live(nowMs))
        {
            final byte[] message = Messages.lease(lease.handOn(nowMs));
            for (final Connection c : nearNeighbours())
            {
                send(c, message);
            }
        }
        // re-replicate: hand what this node holds to its near neighbours that should hold it too
        for (final Map.Entry<BigInteger, Stored> e : store.entrySet())
        {
            final int ttl = (int)Math.max(1, (e.getValue().expiresMs - nowMs) / 1000);
            final byte[] message = Messages.dhtPut(ttl, Ring.address(e.getKey()), 1, e.getValue().value);
            for (final Connection c : replicaNeighbours(e.getKey()))
            {
                send(c, message);
            }
        }
    }

    /** @return the near neighbours that, with this node, are the r closest it knows to a key. */
    private List<Connection> replicaNeighbours(final BigInteger key)
    {
        final List<Connection> near = new ArrayList<>(nearNeighbours());
        near.sort((a, b) -> Ring.distance(a.value, key).compareTo(Ring.distance(b.value, key)));
        final List<Connection> out = new ArrayList<>();
        final BigInteger mine = Ring.distance(self, key);
        int rank = 0;
        for (final Connection c : near)
        {
            if (Ring.distance(c.value, key).compareTo(mine) < 0)
            {
                rank++;
            }
        }
        for (int i = 0; i < near.size() && out.size() + 1 < config.dhtReplicas(); i++)
        {
            out.add(near.get(i));
        }
        return rank < config.dhtReplicas() ? out : List.of();
    }

    // ------------------------------------------------------------------ messages in

    /** A message sent to this node directly, without a link id (to its endpoint). */
    public void onDirect(final long from, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        onDirect(from, 0, bytes, offset, length, nowMs);
    }

    /**
     * A message sent to this node directly (over a link, or to its endpoint).
     *
     * @param linkId the link id its header carried: this node's id for the link, known only to the
     *               two ends, so a keepalive from a new endpoint that carries it is the peer's.
     */
    public void onDirect(final long from, final int linkId, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        headerLinkId = linkId;
        if (left)
        {
            return;
        }
        final Messages.Message m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            malformed++;
            return;
        }
        if (Endpoints.isTcp(from))
        {
            heardTcp = true;
        }
        else
        {
            heardUdp = true;
        }
        switch (m.type())
        {
            case Messages.RELAY_REQUEST:
                onRelayRequest(from, m, nowMs);
                break;
            case Messages.RELAY_GRANT:
                onRelayGrant(from, m, nowMs);
                break;
            case Messages.RELAY_OPEN:
                onRelayOpen(from, m, nowMs);
                break;
            case Messages.RELAY_DENY:
                heard(from, nowMs);
                break;
            case Messages.RELAY_END:
                onRelayEnd(from, m, nowMs);
                break;
            case Messages.LINK_REQUEST:
                onLinkRequest(from, m, nowMs);
                break;
            case Messages.LINK_REPLY:
                onLinkReply(from, m, nowMs);
                break;
            case Messages.PING:
            case Messages.PONG:
                onPing(from, m, nowMs);
                break;
            case Messages.CLOSE:
                onClose(m);
                break;
            case Messages.CTM_REPLY:
                onCtmReply(m, nowMs);
                break;
            case Messages.NEIGHBOURS:
            {
                final Connection c = heard(from, nowMs);
                onNeighbours(c, m, nowMs);
                break;
            }
            case Messages.DHT_PUT:
                if (heard(from, nowMs) != null)
                {
                    onDhtPut(m, false, nowMs);
                }
                break;
            case Messages.LEASE:
            case Messages.LEASE_HELD:
                onLeaseFromPeer(heard(from, nowMs), bytes, offset, length, nowMs);
                break;
            default:
                malformed++;
        }
    }

    /** A routed message that ends at this node. */
    public void onRouted(final byte[] source, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        if (left)
        {
            return;
        }
        final Messages.Message m = Messages.decode(bytes, offset, length);
        if (m == null)
        {
            malformed++;
            return;
        }
        switch (m.type())
        {
            case Messages.CTM_REQUEST:
                onCtmRequest(m, nowMs);
                break;
            case Messages.PROBE:
                route(m.address(), EXACT, Messages.probe(Messages.PROBE_REPLY, m.token(), address), nowMs);
                break;
            case Messages.PROBE_REPLY:
                events.probeReplied(m.token(), m.address());
                break;
            case Messages.DHT_PUT:
                onDhtPut(m, true, nowMs);
                break;
            case Messages.DHT_GET:
                onDhtGet(m, nowMs);
                break;
            case Messages.DHT_REPLY:
                events.dhtReplied(m.token(), m.found(), m.value());
                break;
            case Messages.CTM_REPLY:
                onCtmReply(m, nowMs); // returned over the ring (or through the node this one asked)
                break;
            case Messages.PUNCH:
                onPunch(m, nowMs);
                break;
            case Messages.UNREACHABLE:
                events.unreachable(m.address());
                break;
            case Messages.LEASE:
            {
                final Messages.LeaseOp op = Messages.decodeLease(bytes, offset, length);
                if (op.role() == Messages.LEASE_REQUEST)
                {
                    onLease(op, nowMs);
                    break;
                }
                // a primary's query or copy over a relayed link arrives routed
                onLeaseFromPeer(connections.get(Ring.value(source)), bytes, offset, length, nowMs);
                break;
            }
            case Messages.LEASE_HELD:
                onLeaseFromPeer(connections.get(Ring.value(source)), bytes, offset, length, nowMs);
                break;
            case Messages.LEASE_REPLY:
                events.leaseReplied(m.token(), m.key(), m.connectionTypes(), m.value());
                break;
            case Messages.FORWARD:
                onForward(m, nowMs);
                break;
            case Messages.PING:
            case Messages.PONG:
            case Messages.CLOSE:
            case Messages.NEIGHBOURS:
                onRelayedDirect(source, m, nowMs);
                break;
            default:
                malformed++;
        }
    }

    /** A link message that came through a relay (or routed): only from a peer this node has a connection to. */
    private void onRelayedDirect(final byte[] source, final Messages.Message m, final long nowMs)
    {
        final Connection c = connection(Ring.value(source));
        if (c == null || (m.address() != null && !Arrays.equals(m.address(), source)))
        {
            malformed++;
            return;
        }
        c.lastHeardMs = nowMs;
        switch (m.type())
        {
            case Messages.PING:
            case Messages.PONG:
                if (c.peerTypes != m.connectionTypes())
                {
                    c.peerTypes = m.connectionTypes();
                    transport.connectionsChanged();
                }
                if (m.type() == Messages.PONG && c.pingSentMs != 0)
                {
                    c.rttMs = nowMs - c.pingSentMs;
                }
                else if (m.type() == Messages.PING)
                {
                    send(c, Messages.ping(Messages.PONG, c.types, address, 0));
                }
                break;
            case Messages.CLOSE:
                onClose(m);
                break;
            default:
                onNeighbours(c, m, nowMs);
        }
    }

    private void onNeighbours(final Connection c, final Messages.Message m, final long nowMs)
    {
        if (c == null)
        {
            return;
        }
        considerNear(m.peers(), nowMs);
        if (nowMs - c.lastListSentMs >= config.neighbourIntervalMs() / 2)
        {
            // answer with our own view: a node that knows the wrong neighbours learns the right ones
            c.lastListSentMs = nowMs;
            send(c, neighbourList());
        }
    }

    private void onLinkRequest(final long from, final Messages.Message m, final long nowMs)
    {
        if (Arrays.equals(m.address(), address) || m.linkId() == 0)
        {
            malformed++;
            return;
        }
        if (connections.size() >= MAX_CONNECTIONS && !connections.containsKey(Ring.value(m.address())))
        {
            malformed++;
            return;
        }
        learn(m.observed(), m.address());
        final Connection c = upsert(m.address(), from, m.linkId(), m.virtualIp(), 0, m.endpoints(), nowMs);
        c.peerTypes = m.connectionTypes();
        transport.sendDirect(from, c.remoteId, Messages.link(Messages.LINK_REPLY, c.types, c.localId, virtualIp,
            address, from, advertised()));
    }

    private void onLinkReply(final long from, final Messages.Message m, final long nowMs)
    {
        if (Arrays.equals(m.address(), address) || m.linkId() == 0)
        {
            malformed++;
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
        if (match == null && !connections.containsKey(Ring.value(m.address())))
        {
            malformed++;
            return;
        }
        int types = 0;
        if (match != null)
        {
            pending.remove(match);
            types = match.types;
        }
        learn(m.observed(), m.address());
        final Connection c = upsert(m.address(), from, m.linkId(), m.virtualIp(), types, m.endpoints(), nowMs,
            match == null ? 0 : match.localId);
        c.peerTypes = m.connectionTypes();
    }

    private Connection upsert(
        final byte[] peer, final long from, final int remoteId, final int peerIp, final int types, final long[] endpoints,
        final long nowMs)
    {
        return upsert(peer, from, remoteId, peerIp, types, endpoints, nowMs, 0);
    }

    private Connection upsert(
        final byte[] peer, final long from, final int remoteId, final int peerIp, final int types, final long[] endpoints,
        final long nowMs, final int preferredLocalId)
    {
        final BigInteger key = Ring.value(peer);
        Connection c = connections.get(key);
        boolean changed = false;
        final boolean created = c == null;
        if (c == null)
        {
            // keep the id this node already gave the peer in its own link request, if it sent one
            int id = preferredLocalId;
            for (final Pending p : pending)
            {
                if (id == 0 && p.address != null && Arrays.equals(p.address, peer))
                {
                    id = p.localId;
                }
            }
            c = new Connection(peer.clone(), id != 0 ? id : newLocalId());
            localIds.add(c.localId);
            c.upSinceMs = nowMs;
            c.lastSentMs = nowMs;
            connections.put(key, c);
            changed = true;
            nearChanged = true;
        }
        if (c.via != null)
        {
            // a relayed pair just linked directly: leave the relay
            final Connection relay = connection(Ring.value(c.via));
            if (relay != null)
            {
                send(relay, Messages.relayEnd(Messages.RELAY_END, c.address));
            }
            c.via = null;
            c.relayId = 0;
            c.endpoint = 0;
            changed = true;
            events.linkPathChanged(c);
        }
        // a link that works over UDP stays there when the peer also answers over TCP
        final long endpoint = c.endpoint == 0 || movesTo(c, from) ? from : c.endpoint;
        if (c.remoteId != remoteId || c.endpoint != endpoint || (c.types | types) != c.types)
        {
            changed = true;
        }
        c.remoteId = remoteId;
        c.endpoint = endpoint;
        c.virtualIp = peerIp;
        c.types |= types & (LEAF | NEAR | FAR | SHORTCUT);
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
                    localIds.remove(p.localId);
                }
                it.remove();
            }
        }
        if (created)
        {
            events.linkUp(c);
        }
        if (changed)
        {
            transport.connectionsChanged();
        }
        grantWaiting(c);
        return c;
    }

    private void onPing(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection c = connections.get(Ring.value(m.address()));
        if (c == null)
        {
            // the peer thinks we are linked and we are not: tell it, so it stops using the link
            transport.sendDirect(from, 0, Messages.close(address));
            return;
        }
        c.lastHeardMs = nowMs;
        if (c.via != null)
        {
            return; // the peer thinks the link is direct; its link request will say so
        }
        final boolean moved = movesTo(c, from);
        if (moved && headerLinkId != c.localId)
        {
            // a keepalive naming a known peer from elsewhere, without the link's id: not the peer
            malformed++;
            return;
        }
        if (moved || c.peerTypes != m.connectionTypes())
        {
            c.endpoint = moved ? from : c.endpoint; // the peer's NAT mapping moved: follow it
            c.peerTypes = m.connectionTypes();
            transport.connectionsChanged();
        }
        learn(m.observed(), m.address());
        if (m.type() == Messages.PONG && c.pingSentMs != 0 && c.rttMs != nowMs - c.pingSentMs)
        {
            c.rttMs = nowMs - c.pingSentMs;
        }
        if (m.type() == Messages.PING)
        {
            transport.sendDirect(from, c.remoteId, Messages.ping(Messages.PONG, c.types, address, from));
        }
    }

    private void onClose(final Messages.Message m)
    {
        final Connection c = connections.remove(Ring.value(m.address()));
        if (c != null)
        {
            if ((c.types & NEAR) != 0)
            {
                nextSelfCheckMs = 0; // a neighbour left: ask the ring for our true neighbours at the next tick
            }
            removed(c);
            events.linkDown(c, "closed_by_peer");
            nearChanged = true;
            transport.connectionsChanged();
        }
    }

    private Connection heard(final long from, final long nowMs)
    {
        for (final Connection c : connections.values())
        {
            if (c.endpoint == from)
            {
                c.lastHeardMs = nowMs;
                return c;
            }
        }
        malformed++;
        return null;
    }

    private void onCtmRequest(final Messages.Message m, final long nowMs)
    {
        final Messages.Peer requester = m.peer();
        if (Arrays.equals(requester.address(), address) || requester.endpoints().length == 0)
        {
            return;
        }
        final List<Messages.Peer> near = new ArrayList<>();
        if ((m.connectionTypes() & NEAR) != 0)
        {
            for (final Connection c : nearNeighbours())
            {
                if (!Arrays.equals(c.address, requester.address()))
                {
                    near.add(peer(c));
                }
            }
        }
        final byte[] reply = Messages.ctmReply(m.connectionTypes(), m.token(), me(), near);
        for (final long endpoint : requester.endpoints())
        {
            if (!Endpoints.isTcp(endpoint))
            {
                transport.sendDirect(endpoint, 0, reply);
            }
        }
        // the direct reply does not pass a NAT the requester has not opened toward us: return it
        // over the ring too, through the node it asked when it has no routable link yet
        if (m.address() != null)
        {
            if (!Arrays.equals(m.address(), address))
            {
                route(m.address(), EXACT, Messages.forward(requester.address(), reply), nowMs);
            }
            else
            {
                final Connection c = connection(Ring.value(requester.address()));
                if (c != null)
                {
                    send(c, reply);
                }
            }
        }
        else
        {
            route(requester.address(), EXACT, reply, nowMs);
        }
        // link back at the same time (both ends sending opens NATs later); the requester says what it is for
        connect(requester.endpoints(), requester.address(), m.connectionTypes() & NEAR, nowMs, true);
    }

    private void onCtmReply(final Messages.Message m, final long nowMs)
    {
        final Messages.Peer responder = m.peer();
        if (Arrays.equals(responder.address(), address))
        {
            return;
        }
        connect(responder.endpoints(), responder.address(), m.connectionTypes() & WANTED, nowMs);
        if ((m.connectionTypes() & NEAR) != 0)
        {
            joined = true; // the node nearest our address answered: we are in the ring
            considerNear(m.peers(), nowMs);
        }
    }

    /** Links to any of these peers that would be among this node's near neighbours. */
    private void considerNear(final List<Messages.Peer> peers, final long nowMs)
    {
        for (final Messages.Peer p : peers)
        {
            if (Arrays.equals(p.address(), address) || connections.containsKey(Ring.value(p.address())) ||
                p.endpoints().length == 0)
            {
                continue;
            }
            if (wouldBeNear(Ring.value(p.address())))
            {
                connect(p.endpoints(), p.address(), NEAR, nowMs);
            }
        }
    }

    private boolean wouldBeNear(final BigInteger candidate)
    {
        final List<Connection> right = side(true);
        final List<Connection> left = side(false);
        final BigInteger cw = Ring.clockwise(self, candidate);
        final BigInteger ccw = Ring.clockwise(candidate, self);
        final boolean nearRight = right.size() < config.nearPerSide() ||
            cw.compareTo(Ring.clockwise(self, right.get(right.size() - 1).value)) < 0;
        final boolean nearLeft = left.size() < config.nearPerSide() ||
            ccw.compareTo(Ring.clockwise(left.get(left.size() - 1).value, self)) < 0;
        return nearRight || nearLeft;
    }

    private void onDhtPut(final Messages.Message m, final boolean routedHere, final long nowMs)
    {
        final BigInteger key = Ring.value(m.key());
        final long expires = nowMs + m.ttlSeconds() * 1000L;
        final Stored old = store.get(key);
        if (old == null && store.size() >= MAX_STORED)
        {
            malformed++;
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
                send(c, copy);
            }
        }
    }

    private void onDhtGet(final Messages.Message m, final long nowMs)
    {
        final Stored s = store.get(Ring.value(m.key()));
        final boolean found = s != null && s.expiresMs > nowMs;
        route(m.address(), EXACT, Messages.dhtReply(m.token(), m.key(), found,
            found ? (int)((s.expiresMs - nowMs) / 1000) : 0, found ? s.value : null), nowMs);
    }

    // ------------------------------------------------------------------ helpers

    /** Starts linking to a peer (unless already linked or linking). */
    private void connect(final long[] endpoints, final byte[] peer, final int types, final long nowMs)
    {
        connect(endpoints, peer, types, nowMs, false);
    }

    /**
     * Starts linking to a peer (unless already linked or linking).
     *
     * @param forPeer link even though this node needs it for nothing yet: the peer asked for it.
     */
    private void connect(final long[] endpoints, final byte[] peer, final int types, final long nowMs, final boolean forPeer)
    {
        connect(endpoints, peer, types, nowMs, forPeer, !forPeer);
    }

    /** @param punch also ask the peer over the ring to link back at the same time (hole punching). */
    private void connect(
        final long[] endpoints, final byte[] peer, final int types, final long nowMs, final boolean forPeer, final boolean punch)
    {
        if ((types == 0 && !forPeer) || endpoints.length == 0)
        {
            return;
        }
        if (peer != null)
        {
            if (Arrays.equals(peer, address))
            {
                return;
            }
            final Connection c = connections.get(Ring.value(peer));
            if (c != null && c.via != null)
            {
                c.types |= types & WANTED;
                return;
            }
            if (c != null)
            {
                if ((c.types | types) != c.types)
                {
                    c.types |= types;
                    // tell the peer the new role by repeating the handshake
                    send(c, Messages.link(Messages.LINK_REQUEST, types, c.localId, virtualIp, address, c.endpoint, advertised()));
                    transport.connectionsChanged();
                }
                return;
            }
            for (final Pending p : pending)
            {
                if (p.address != null && Arrays.equals(p.address, peer))
                {
                    p.types |= types;
                    return;
                }
            }
        }
        if (pending.size() >= MAX_PENDING || connections.size() >= MAX_CONNECTIONS)
        {
            return;
        }
        final Pending p = new Pending(endpoints.clone(), peer == null ? null : peer.clone(), types, newLocalId());
        localIds.add(p.localId);
        p.nextMs = nowMs;
        p.punch = punch && peer != null;
        pending.add(p);
        retryPending(nowMs);
    }

    // ------------------------------------------------------------------ NAT traversal and relays

    /** Tries a direct link to a peer reached through a relay (keeping the relayed link meanwhile). */
    private void tryDirect(final Connection c, final long nowMs)
    {
        if (c.endpoints == null || c.endpoints.length == 0 || pending.size() >= MAX_PENDING)
        {
            return;
        }
        for (final Pending p : pending)
        {
            if (p.address != null && Arrays.equals(p.address, c.address))
            {
                return;
            }
        }
        // the same link id as the relayed connection, so the direct link continues it
        final Pending p = new Pending(c.endpoints.clone(), c.address.clone(), c.types, c.localId);
        p.nextMs = nowMs;
        p.punch = true;
        pending.add(p);
    }

    /** Asks up to three linked nodes (lowest RTT first, and the seeds) to relay to a peer this node cannot reach. */
    private void startRelay(final Pending p, final long nowMs)
    {
        if (p.address == null || (p.types & WANTED) == 0)
        {
            return;
        }
        final BigInteger target = Ring.value(p.address);
        final RelayAttempt attempt = relayAttempts.get(target);
        if (connections.containsKey(target) || (attempt != null && nowMs - attempt.startedMs < RELAY_ATTEMPT_MS))
        {
            return;
        }
        final List<Connection> candidates = new ArrayList<>();
        for (final Connection c : connections.values())
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
            if (!asked.contains(c) && contains(seeds, c.endpoint))
            {
                asked.add(c);
            }
        }
        if (asked.isEmpty())
        {
            return;
        }
        relayAttempts.put(target, new RelayAttempt(nowMs));
        final byte[] request = Messages.aboutPeer(Messages.RELAY_REQUEST, p.types & WANTED, 0,
            new Messages.Peer(p.address, 0, p.endpoints));
        for (final Connection c : asked)
        {
            send(c, request);
        }
    }

    /** As a relay: a linked node asks to be relayed to a target. */
    private void onRelayRequest(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection requester = heard(from, nowMs);
        if (requester == null)
        {
            return;
        }
        final Messages.Peer target = m.peer();
        final BigInteger t = Ring.value(target.address());
        if (t.equals(self) || t.equals(requester.value))
        {
            malformed++;
            return;
        }
        final Connection c = connection(t);
        if (c != null && c.via == null && c.remoteId != 0)
        {
            grant(requester, c, m.connectionTypes());
            return;
        }
        if (grants.size() >= MAX_RELAY_GRANTS || waitingRelays.size() >= MAX_RELAY_WAITING || c != null ||
            target.endpoints().length == 0)
        {
            send(requester, Messages.relayEnd(Messages.RELAY_DENY, target.address()));
            return;
        }
        // not linked to the target yet: link to it (asking it over the ring to link back), grant when up
        waitingRelays.add(new WaitingRelay(requester.address.clone(), target, m.connectionTypes(), nowMs + RELAY_ATTEMPT_MS));
        connect(target.endpoints(), target.address(), 0, nowMs, true, true);
    }

    private void grant(final Connection requester, final Connection target, final int types)
    {
        final Grant g = new Grant(requester.value, target.value);
        if (!hasGrant(requester.value, target.value))
        {
            if (grants.size() >= MAX_RELAY_GRANTS)
            {
                send(requester, Messages.relayEnd(Messages.RELAY_DENY, target.address));
                return;
            }
            grants.add(g);
            transport.connectionsChanged();
        }
        // each side learns this node's id of its link to the other: what its relayed headers carry
        send(requester, Messages.aboutPeer(Messages.RELAY_GRANT, types, target.localId, peer(target)));
        send(target, Messages.aboutPeer(Messages.RELAY_OPEN, types, requester.localId, peer(requester)));
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
    private void grantWaiting(final Connection c)
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
                final Connection requester = connection(Ring.value(w.requester()));
                if (requester != null && requester.via == null)
                {
                    grant(requester, c, w.types());
                }
            }
        }
    }

    /** Expires relay requests and attempts that got nowhere. */
    private void maintainRelays(final long nowMs)
    {
        for (final Iterator<WaitingRelay> it = waitingRelays.iterator(); it.hasNext();)
        {
            final WaitingRelay w = it.next();
            if (nowMs >= w.expiresMs())
            {
                it.remove();
                final Connection requester = connection(Ring.value(w.requester()));
                if (requester != null)
                {
                    send(requester, Messages.relayEnd(Messages.RELAY_DENY, w.target().address()));
                }
            }
        }
        relayAttempts.values().removeIf(a -> nowMs - a.startedMs >= RELAY_ATTEMPT_MS);
    }

    /**
     * @return the linked relay a RELAY_GRANT or RELAY_OPEN came from, or null (counted) if it is
     * not linked, names this node or the relay itself as the other end, or carries no link id.
     */
    private Connection relayOffering(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection relay = heard(from, nowMs);
        if (relay == null)
        {
            return null;
        }
        final BigInteger other = Ring.value(m.peer().address());
        if (other.equals(self) || other.equals(relay.value) || m.token() == 0)
        {
            malformed++;
            return null;
        }
        return relay;
    }

    /** The relay said yes: the target is now reached through it. */
    private void onRelayGrant(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection relay = relayOffering(from, m, nowMs);
        if (relay == null)
        {
            return;
        }
        final Messages.Peer target = m.peer();
        final BigInteger t = Ring.value(target.address());
        final Connection c = connections.get(t);
        if (!relayAttempts.containsKey(t) && (c == null || c.via == null))
        {
            // a grant this node never asked for: no relay makes it reach peers through itself
            malformed++;
            send(relay, Messages.relayEnd(Messages.RELAY_END, target.address()));
            return;
        }
        if (c == null)
        {
            addRelayed(target, relay, m.token(), m.connectionTypes() & WANTED, 0, nowMs);
        }
        else if (c.via == null)
        {
            send(relay, Messages.relayEnd(Messages.RELAY_END, target.address())); // linked directly meanwhile
        }
        else
        {
            offeredRelay(c, relay, m.token(), target.address());
            c.types |= m.connectionTypes() & WANTED;
        }
    }

    /** A relay tells this node that a peer reaches it through the relay now. */
    private void onRelayOpen(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection relay = relayOffering(from, m, nowMs);
        if (relay == null)
        {
            return;
        }
        final Messages.Peer peer = m.peer();
        final Connection c = connections.get(Ring.value(peer.address()));
        if (c == null)
        {
            addRelayed(peer, relay, m.token(), 0, m.connectionTypes() & WANTED, nowMs);
        }
        else if (c.via == null && nowMs - c.lastHeardMs < config.keepaliveMs())
        {
            send(relay, Messages.relayEnd(Messages.RELAY_END, peer.address())); // we hear it directly
        }
        else if (c.via == null)
        {
            // the direct link went quiet and the peer chose a relay: follow it
            events.linkPathChanged(c);
            c.via = relay.address.clone();
            c.relayId = m.token();
            c.endpoint = 0;
            c.peerTypes |= m.connectionTypes() & WANTED;
            c.lastHeardMs = nowMs;
            transport.connectionsChanged();
        }
        else
        {
            offeredRelay(c, relay, m.token(), peer.address());
            c.peerTypes |= m.connectionTypes() & WANTED;
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
            final Connection old = connection(current);
            if (old != null)
            {
                send(old, Messages.relayEnd(Messages.RELAY_END, peer));
            }
            c.via = relay.address.clone();
            c.relayId = relayId;
            transport.connectionsChanged();
        }
        else
        {
            send(relay, Messages.relayEnd(Messages.RELAY_END, peer));
        }
    }

    private void addRelayed(final Messages.Peer peer, final Connection relay, final int relayId, final int types,
        final int peerTypes, final long nowMs)
    {
        if (connections.size() >= MAX_CONNECTIONS)
        {
            send(relay, Messages.relayEnd(Messages.RELAY_END, peer.address()));
            return;
        }
        // the id of a link request already sent to the peer, so a direct link continues this one
        int id = 0;
        int wanted = types;
        for (final Pending p : pending)
        {
            if (p.address != null && Arrays.equals(p.address, peer.address()))
            {
                id = p.localId;
                wanted |= p.types & WANTED;
            }
        }
        final Connection c = new Connection(peer.address().clone(), id != 0 ? id : newLocalId());
        localIds.add(c.localId);
        c.via = relay.address.clone();
        c.relayId = relayId;
        c.virtualIp = peer.virtualIp();
        c.endpoints = peer.endpoints().clone();
        c.types = wanted;
        c.peerTypes = peerTypes;
        c.upSinceMs = nowMs;
        c.lastHeardMs = nowMs;
        c.lastSentMs = nowMs;
        c.nextDirectTryMs = nowMs + DIRECT_RETRY_MS;
        connections.put(c.value, c);
        nearChanged = true;
        events.linkUp(c);
        transport.connectionsChanged();
    }

    /** RELAY_END: from a relay (a relayed connection is over) or from a relayed node (stop relaying its pair). */
    private void onRelayEnd(final long from, final Messages.Message m, final long nowMs)
    {
        final Connection sender = heard(from, nowMs);
        if (sender == null)
        {
            return;
        }
        final BigInteger other = Ring.value(m.address());
        for (final Iterator<Grant> it = grants.iterator(); it.hasNext();)
        {
            final Grant g = it.next();
            if (g.involves(sender.value) && g.other(sender.value).equals(other))
            {
                it.remove();
                transport.connectionsChanged();
                final Connection o = connection(other);
                if (o != null && o.via == null)
                {
                    send(o, Messages.relayEnd(Messages.RELAY_END, sender.address));
                }
            }
        }
        final Connection c = connections.get(other);
        if (c != null && c.via != null && Ring.value(c.via).equals(sender.value))
        {
            c.doomed = "relay_ended";
        }
    }

    /** A peer links to this node now (routed PUNCH): send to it at the same time, so both NATs open. */
    private void onPunch(final Messages.Message m, final long nowMs)
    {
        final Messages.Peer peer = m.peer();
        if (Arrays.equals(peer.address(), address) || peer.endpoints().length == 0)
        {
            return;
        }
        final Connection c = connections.get(Ring.value(peer.address()));
        if (c == null)
        {
            connect(peer.endpoints(), peer.address(), 0, nowMs, true, false);
        }
        else if (c.via != null)
        {
            c.endpoints = peer.endpoints().clone();
            tryDirect(c, nowMs);
        }
    }

    /** Hands a Connect-To-Me reply to the linked node it is for (which has no routable link yet). */
    private void onForward(final Messages.Message m, final long nowMs)
    {
        final Connection to = connection(Ring.value(m.address()));
        if (to == null || Messages.type(m.value(), 0, m.value().length) != Messages.CTM_REPLY)
        {
            malformed++;
            return;
        }
        if (nowMs - forwardWindowMs >= 1000)
        {
            forwardWindowMs = nowMs;
            forwardsInWindow = 0;
        }
        if (++forwardsInWindow > MAX_FORWARDS_PER_S)
        {
            malformed++;
            return;
        }
        send(to, m.value());
    }

    /** Cleans up after a connection left the table: its relay grants, and what was relayed through it. */
    private void removed(final Connection c)
    {
        if (connectionByLocalId(c.localId) == null)
        {
            localIds.remove(c.localId);
        }
        for (final Iterator<Grant> it = grants.iterator(); it.hasNext();)
        {
            final Grant g = it.next();
            if (g.involves(c.value))
            {
                it.remove();
                final Connection o = connection(g.other(c.value));
                if (o != null && o.via == null)
                {
                    send(o, Messages.relayEnd(Messages.RELAY_END, c.address));
                }
            }
        }
        for (final Connection d : connections.values())
        {
            if (d.via != null && Ring.value(d.via).equals(c.value))
            {
                d.doomed = "relay_lost";
            }
        }
        if (c.via != null)
        {
            final Connection relay = connection(Ring.value(c.via));
            if (relay != null)
            {
                send(relay, Messages.relayEnd(Messages.RELAY_END, c.address));
            }
        }
    }

    /** @return true if the connection carries relayed traffic (as this node's relay, or as a granted leg). */
    private boolean relayLeg(final Connection c)
    {
        for (final Grant g : grants)
        {
            if (g.involves(c.value))
            {
                return true;
            }
        }
        for (final Connection d : connections.values())
        {
            if (d.via != null && Ring.value(d.via).equals(c.value))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true if a direct link heard from {@code from} should move there: any other endpoint,
     * except that a link working over UDP stays there when the peer also answers over TCP.
     */
    private static boolean movesTo(final Connection c, final long from)
    {
        return c.endpoint != from && !(Endpoints.isTcp(from) && !Endpoints.isTcp(c.endpoint));
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

    private int newLocalId()
    {
        int id;
        do
        {
            id = random.nextInt();
        }
        while (id == 0 || localIds.contains(id));
        return id;
    }

    private void send(final Connection c, final byte[] message)
    {
        if (c.via == null)
        {
            transport.sendDirect(c.endpoint, c.remoteId, message);
            return;
        }
        routeVia(c, c.address, EXACT, false, message);
    }

    /**
     * Notes the endpoint a peer saw this node's datagrams come from. An endpoint is advertised once
     * two different peers saw it (one lying or stale peer cannot plant one); until any is confirmed,
     * the latest two are (a symmetric NAT's are never confirmed, and matter little).
     */
    private void learn(final long observed, final byte[] by)
    {
        if (observed == 0 || Endpoints.isTcp(observed) || by == null || contains(localEndpoints, observed))
        {
            return;
        }
        Set<BigInteger> who = echoes.get(observed);
        if (who == null)
        {
            if (echoes.size() >= MAX_ECHOED)
            {
                echoes.remove(echoes.keySet().iterator().next());
            }
            who = new HashSet<>();
            echoes.put(observed, who);
        }
        if (who.size() < 2 && who.add(Ring.value(by)))
        {
            final List<Long> confirmed = new ArrayList<>();
            final List<Long> single = new ArrayList<>();
            for (final Map.Entry<Long, Set<BigInteger>> e : echoes.entrySet())
            {
                (e.getValue().size() >= 2 ? confirmed : single).add(e.getKey());
            }
            final List<Long> now = confirmed.isEmpty() ? single.subList(Math.max(0, single.size() - 2), single.size()) :
                confirmed.subList(Math.max(0, confirmed.size() - (Messages.MAX_ENDPOINTS - 2)), confirmed.size());
            for (final long e : now)
            {
                if (!learnedEndpoints.contains(e))
                {
                    events.endpointLearned(e);
                }
            }
            learnedEndpoints.clear();
            learnedEndpoints.addAll(now);
        }
    }

    /** @return this node's endpoints to advertise: learned (NAT) ones and local ones. */
    private long[] advertised()
    {
        final List<Long> all = new ArrayList<>(learnedEndpoints);
        for (final long e : localEndpoints)
        {
            if (!all.contains(e))
            {
                all.add(e);
            }
        }
        final int n = Math.min(all.size(), Messages.MAX_ENDPOINTS);
        final long[] out = new long[n];
        for (int i = 0; i < n; i++)
        {
            out[i] = all.get(i);
        }
        return out;
    }

    private Messages.Peer me()
    {
        return new Messages.Peer(address, virtualIp, advertised());
    }

    /**
     * @return a peer as this node knows it: the endpoint this node hears it from (its NAT's mapping
     * toward us, which it may not know yet) first, then what it advertises.
     */
    private static Messages.Peer peer(final Connection c)
    {
        final List<Long> eps = new ArrayList<>();
        if (c.via == null && c.endpoint != 0 && !Endpoints.isTcp(c.endpoint))
        {
            eps.add(c.endpoint);
        }
        if (c.endpoints != null)
        {
            for (final long e : c.endpoints)
            {
                if (!eps.contains(e) && eps.size() < Messages.MAX_ENDPOINTS)
                {
                    eps.add(e);
                }
            }
        }
        if (eps.isEmpty() && c.endpoint != 0)
        {
            eps.add(c.endpoint);
        }
        return new Messages.Peer(c.address, c.virtualIp, eps.stream().mapToLong(Long::longValue).toArray());
    }

    private static boolean contains(final long[] values, final long value)
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

    /** @return connection types as {@code [leaf,near,...]}. */
    public static String typeNames(final int types)
    {
        final StringBuilder sb = new StringBuilder("[");
        if ((types & LEAF) != 0)
        {
            sb.append("leaf,");
        }
        if ((types & NEAR) != 0)
        {
            sb.append("near,");
        }
        if ((types & FAR) != 0)
        {
            sb.append("far,");
        }
        if ((types & SHORTCUT) != 0)
        {
            sb.append("shortcut,");
        }
        if ((types & RELAY) != 0)
        {
            sb.append("relay,");
        }
        if (sb.length() > 1)
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.append(']').toString();
    }
}
