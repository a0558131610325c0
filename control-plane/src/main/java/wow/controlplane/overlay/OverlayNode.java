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
import java.util.TreeMap;

/**
 * One node of the structured overlay (Brunet/Symphony): its connection table (leaf, near, far),
 * the join by Connect-To-Me, the linking handshake that echoes the endpoint each side was seen
 * from, keepalives and failure detection, near-ring repair from neighbour lists, far links drawn
 * from the harmonic distribution, greedy routing decisions, probes and a small DHT. Pure logic:
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
    private static final int STRUCTURED = NEAR | FAR | SHORTCUT;

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
         * @param excludeSource the message is for the node closest to the destination other than
         *                      this one (Connect-To-Me toward one's own address).
         */
        void sendRouted(long firstHop, byte[] destination, int delivery, boolean excludeSource, byte[] message);

        /** The set of connections or their ids changed: forwarding must be rebuilt. */
        void connectionsChanged();
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

    private final byte[] address;
    private final BigInteger self;
    private final int virtualIp;
    private final OverlayConfig config;
    private final Transport transport;
    private final Events events;
    private final Random random;
    private long[] localEndpoints;
    private final List<Long> learnedEndpoints = new ArrayList<>();

    private final TreeMap<BigInteger, Connection> connections = new TreeMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<BigInteger, Stored> store = new HashMap<>();
    private final Map<BigInteger, byte[]> ownRecords = new HashMap<>();
    private final Map<BigInteger, Integer> ownRecordTtl = new HashMap<>();
    private final java.util.Set<Integer> localIds = new java.util.HashSet<>();

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
        Connection hop = nextHop(dst, null);
        if (hop == null && !hasRoutable())
        {
            hop = leaf();
        }
        if (hop != null)
        {
            transport.sendRouted(hop.endpoint, destination, delivery, false, message);
        }
        else if (delivery == CLOSEST || dst.equals(self))
        {
            onRouted(address, message, 0, message.length, nowMs);
        }
    }

    /**
     * Sends a message to the node closest to {@code destination} other than this one: the first
     * hop is the connection closest to it even if this node is closer (Connect-To-Me toward one's
     * own address), and no hop hands it back.
     */
    private void routeToOther(final byte[] destination, final byte[] message)
    {
        final BigInteger dst = Ring.value(destination);
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
            transport.sendRouted(hop.endpoint, destination, CLOSEST, true, message);
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
        for (final Connection c : connections.values())
        {
            if ((c.types & LEAF) != 0)
            {
                return c;
            }
        }
        return connections.isEmpty() ? null : connections.firstEntry().getValue();
    }

    /** @return the token the next probe or DHT request will carry. */
    public int nextProbeToken()
    {
        return nextToken;
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
        retryPending(nowMs);
        keepalive(nowMs);
        maintainNear(nowMs);
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
            routeToOther(address, Messages.ctmRequest(NEAR, nextToken++, me()));
        }
        if (joined && nowMs >= nextFarMs)
        {
            nextFarMs = nowMs + config.farIntervalMs();
            requestFar(nowMs);
        }
        if (nowMs >= nextRepublishMs)
        {
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
                localIds.remove(p.localId);
                continue;
            }
            p.attempts++;
            p.nextMs = nowMs + (config.linkRetryMs() << Math.min(p.attempts - 1, 4));
            for (final long endpoint : p.endpoints)
            {
                transport.sendDirect(endpoint, 0, Messages.link(Messages.LINK_REQUEST, p.types, p.localId, virtualIp,
                    address, endpoint, advertised()));
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
            if (nowMs - c.lastHeardMs > config.deadMs())
            {
                it.remove();
                localIds.remove(c.localId);
                events.linkDown(c, "timeout");
                changed = true;
                if ((c.types & NEAR) != 0)
                {
                    nextSelfCheckMs = nowMs; // a neighbour died: ask the ring for our true neighbours now
                }
            }
            else if ((nowMs - c.lastHeardMs >= config.keepaliveMs() && nowMs - c.lastSentMs >= config.keepaliveMs() / 2) ||
                nowMs - c.pingSentMs >= RTT_PROBE_MS)
            {
                c.lastSentMs = nowMs;
                c.pingSentMs = nowMs;
                send(c, Messages.ping(Messages.PING, c.types, address, c.endpoint));
            }
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
        routeToOther(address, Messages.ctmRequest(NEAR, nextToken++, me()));
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
            if (ringFormed && joined && (c.types & LEAF) != 0 && nowMs - c.upSinceMs > config.keepaliveMs())
            {
                c.types &= ~LEAF; // bootstrap done: no node stays special
            }
            if (c.types == 0 && c.peerTypes == 0 && nowMs - c.upSinceMs > config.linkRetryMs() * 4)
            {
                send(c, Messages.close(address));
                it.remove();
                localIds.remove(c.localId);
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
            routeToOther(address, Messages.ctmRequest(NEAR, nextToken++, me()));
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

    /** A message sent to this node directly (over a link, or to its endpoint). */
    public void onDirect(final long from, final byte[] bytes, final int offset, final int length, final long nowMs)
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
                if (c != null)
                {
                    considerNear(m.peers(), nowMs);
                    if (nowMs - c.lastListSentMs >= config.neighbourIntervalMs() / 2)
                    {
                        // answer with our own view: a node that knows the wrong neighbours learns the right ones
                        c.lastListSentMs = nowMs;
                        send(c, neighbourList());
                    }
                }
                break;
            }
            case Messages.DHT_PUT:
                if (heard(from, nowMs) != null)
                {
                    onDhtPut(m, false, nowMs);
                }
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
            default:
                malformed++;
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
        learn(m.observed());
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
        learn(m.observed());
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
        if (c.remoteId != remoteId || c.endpoint != from || (c.types | types) != c.types)
        {
            changed = true;
        }
        c.remoteId = remoteId;
        c.endpoint = from;
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
        if (c.endpoint != from || c.peerTypes != m.connectionTypes())
        {
            c.endpoint = from; // the peer's NAT mapping moved: follow it
            c.peerTypes = m.connectionTypes();
            transport.connectionsChanged();
        }
        learn(m.observed());
        if (m.type() == Messages.PONG && c.pingSentMs != 0 && c.rttMs != nowMs - c.pingSentMs)
        {
            c.rttMs = nowMs - c.pingSentMs;
        }
        if (m.type() == Messages.PING)
        {
            send(c, Messages.ping(Messages.PONG, c.types, address, from));
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
            localIds.remove(c.localId);
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
            transport.sendDirect(endpoint, 0, reply);
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
        connect(responder.endpoints(), responder.address(), m.connectionTypes() & (NEAR | FAR), nowMs);
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
        if (old == null || old.expiresMs < expires || !Arrays.equals(old.value, m.value()))
        {
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
        pending.add(p);
        retryPending(nowMs);
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
        transport.sendDirect(c.endpoint, c.remoteId, message);
    }

    private void learn(final long observed)
    {
        if (observed != 0 && !learnedEndpoints.contains(observed))
        {
            learnedEndpoints.add(observed);
            if (learnedEndpoints.size() > Messages.MAX_ENDPOINTS)
            {
                learnedEndpoints.remove(0);
            }
            events.endpointLearned(observed);
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

    private static Messages.Peer peer(final Connection c)
    {
        final long[] eps = c.endpoints == null || c.endpoints.length == 0 ? new long[] {c.endpoint} : c.endpoints;
        return new Messages.Peer(c.address, c.virtualIp, eps);
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
        if (sb.length() > 1)
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.append(']').toString();
    }
}
