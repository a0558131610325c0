package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One node of the structured overlay (Brunet/Symphony), composed of its parts in Brunet's shape:
 * at the bottom the {@link ConnectionTable} and the narrow {@link Sender}; above them the
 * {@link Linker}, the {@link Keepalives}, one overlord per connection type ({@link LeafOverlord}, {@link NearOverlord},
 * {@link FarOverlord}, {@link ShortcutOverlord}), NAT traversal and relays ({@link Relays}), the
 * {@link Dht} and its {@link LeaseService}; and the {@link OverlayAdapter} that decodes and
 * dispatches what arrives. This class owns the parts and is the node's only public face. Pure
 * logic: time comes in as arguments and messages leave through an {@link OverlayTransport}, so
 * the conductor and the simulator run the same code. Not thread-safe: one thread (the
 * conductor's, or the simulator's) calls everything.
 */
public final class OverlayNode
{
    public static final int LEAF = 1;
    public static final int NEAR = 2;
    public static final int FAR = 4;
    public static final int SHORTCUT = 8;
    /** A direct link that carries relayed pairs (this node's relay, or a leg this node relays over). */
    public static final int RELAY = 16;
    /** The types greedy routing may use. */
    static final int STRUCTURED = NEAR | FAR | SHORTCUT | RELAY;
    /** What a node links to a peer for (relaying is a consequence, never a wish). */
    static final int WANTED = NEAR | FAR | SHORTCUT;

    /** Bounds on what peers can make a node hold, so no peer can make it grow without limit. */
    public static final int MAX_CONNECTIONS = 512;
    public static final int MAX_PENDING = 128;
    public static final int MAX_SELF_QUEUED = Sender.MAX_SELF_QUEUED;

    public static final int EXACT = 1;
    public static final int CLOSEST = 2;

    final byte[] address;
    final BigInteger self;
    final int virtualIp;
    final OverlayConfig config;
    final OverlayEvents events;
    final Random random;

    final ConnectionTable table;
    final Sender sender;
    final LocalEndpoints endpoints;
    final Linker linker;
    final Keepalives keepalives;
    final LeafOverlord leaf;
    final NearOverlord near;
    final FarOverlord far;
    final ShortcutOverlord shortcuts;
    final Relays relays;
    final ContactLimiter contacts = new ContactLimiter();
    final Dht dht;
    final LeaseService leases;
    final RingWatch ringWatch;
    final OverlayAdapter adapter;
    final LeaseAuthority authority;

    private boolean left;
    private long malformed;

    /** @param authority who may hold a lease on a virtual IP (a secure network's checks certificates). */
    public OverlayNode(
        final byte[] address,
        final int virtualIp,
        final long[] localEndpoints,
        final OverlayConfig config,
        final OverlayTransport transport,
        final OverlayEvents events,
        final Random random,
        final LeaseAuthority authority)
    {
        this.authority = authority;
        this.address = address.clone();
        this.self = Ring.value(address);
        this.virtualIp = virtualIp;
        this.config = config;
        this.events = events;
        this.random = random;
        this.table = new ConnectionTable(this, random);
        this.sender = new Sender(this, transport);
        this.endpoints = new LocalEndpoints(this, localEndpoints);
        this.linker = new Linker(this);
        this.keepalives = new Keepalives(this);
        this.leaf = new LeafOverlord(this);
        this.near = new NearOverlord(this);
        this.far = new FarOverlord(this);
        this.shortcuts = new ShortcutOverlord(this);
        this.relays = new Relays(this);
        this.dht = new Dht(this);
        this.leases = new LeaseService(this);
        this.ringWatch = new RingWatch(this);
        this.adapter = new OverlayAdapter(this);
    }

    /** Counts a message dropped because it was malformed, hostile or unexpected. */
    void reject()
    {
        malformed++;
    }

    /** Counts a lookup's answer dropped because its lease proves nothing ({@link #leaseProblem}). */
    public void rejectLease()
    {
        malformed++;
    }

    // ------------------------------------------------------------------ what the node is

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

    /** @return messages dropped because they were malformed, hostile or unexpected. */
    public long malformed()
    {
        return malformed;
    }

    /** @return endpoints named by others (Connect-To-Me, punch) this node did not contact: over the bounds. */
    public long contactsLimited()
    {
        return contacts.skipped();
    }

    /** @return the up connections, ordered by address. */
    public Collection<Connection> connections()
    {
        return Collections.unmodifiableCollection(table.all());
    }

    /** @return the connection with this local link id, or null. */
    public Connection connectionByLocalId(final int localId)
    {
        return table.byLocalId(localId);
    }

    /** @return the connection to exactly this address (direct or relayed), or null. */
    public Connection connection(final BigInteger address)
    {
        return table.live(address);
    }

    /** @return the near neighbours, {@code nearPerSide} clockwise then as many counter-clockwise. */
    public List<Connection> nearNeighbours()
    {
        return table.nearNeighbours();
    }

    /** @return the closest connections on one side (clockwise if {@code right}), nearest first. */
    public List<Connection> side(final boolean right)
    {
        return table.side(right);
    }

    /**
     * Greedy routing: the routable connection closest to {@code destination} if it is strictly
     * closer than this node, else null (this node is the closest it knows of). A connection to
     * {@code exclude} (may be null) is never chosen: messages that must reach the closest node
     * other than their source are not handed back to it.
     */
    public Connection nextHop(final BigInteger destination, final BigInteger exclude)
    {
        return table.nextHop(destination, exclude);
    }

    /** @return endpoints peers told this node they saw it from (its NAT-translated endpoints). */
    public List<Long> learnedEndpoints()
    {
        return endpoints.learned();
    }

    /** @return the endpoints this node listens on (advertised with the learned ones). */
    public long[] localEndpoints()
    {
        return endpoints.local();
    }

    /** @return true once the node found its place on the ring (the node nearest its address answered). */
    public boolean isJoined()
    {
        return near.joined() && !left && !table.side(true).isEmpty();
    }

    public boolean udpBlocked()
    {
        return linker.udpBlocked();
    }

    /** @return the pairs this node relays for, as ring addresses {a, b}. */
    public List<byte[][]> relayGrants()
    {
        return relays.grants();
    }

    /** @return the ring size estimated from the spread of the near neighbours. */
    public double estimateSize()
    {
        return far.estimateSize();
    }

    /** @return a ring distance drawn with density proportional to 1/d on [ring/n, ring/2]. */
    public static BigInteger farDistance(final double n, final Random random)
    {
        return FarOverlord.farDistance(n, random);
    }

    // ------------------------------------------------------------------ lifecycle and timers

    /** Starts joining through the seeds' endpoints (none: this node starts a new ring). */
    public void join(final long[] seedEndpoints, final long nowMs)
    {
        linker.start(nowMs);
        leaf.join(seedEndpoints, nowMs);
        near.join(leaf.alone(), nowMs);
        far.start(nowMs);
        dht.start(nowMs);
    }

    /** Leaves gracefully: every connection is told, so peers repair at once. */
    public void leave()
    {
        left = true;
        for (final Connection c : table.all())
        {
            sender.send(c, Messages.close(address));
        }
        table.clear();
        linker.clear();
    }

    /** Runs the node's timers: call about every 250 ms (more often does no harm). */
    public void tick(final long nowMs)
    {
        if (left)
        {
            return;
        }
        sender.deliverQueued(nowMs);
        linker.retry(nowMs);
        leaf.tick(nowMs);
        leases.tick(nowMs);
        keepalives.tick(nowMs);
        linker.checkUdp(nowMs);
        relays.tick(nowMs);
        near.tick(nowMs);
        ringWatch.tick(nowMs);
        far.tick(nowMs);
        dht.tick(nowMs);
    }

    /**
     * Handles the messages this node routed to itself before this call (those they cause wait for
     * the next call). Call once per duty cycle; {@link #tick} calls it too.
     *
     * @return the number handled.
     */
    public int deliverQueued(final long nowMs)
    {
        return left ? 0 : sender.deliverQueued(nowMs);
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
    public void onDirect(final long from, final int linkId, final byte[] bytes, final int offset, final int length,
        final long nowMs)
    {
        if (!left)
        {
            adapter.onDirect(from, linkId, bytes, offset, length, nowMs);
        }
    }

    /** A routed message that ends at this node. */
    public void onRouted(final byte[] source, final byte[] bytes, final int offset, final int length, final long nowMs)
    {
        if (!left)
        {
            adapter.onRouted(source, bytes, offset, length, nowMs);
        }
    }

    // ------------------------------------------------------------------ requests

    /** Sends a routed message from this node; a message that ends here is handled in the next duty cycle. */
    public void route(final byte[] destination, final int delivery, final byte[] message)
    {
        sender.route(destination, delivery, message);
    }

    /** Sends an exact-delivery probe to an address; the answer comes as {@link OverlayEvents#onProbeReply}. */
    public int probe(final byte[] destination)
    {
        final int token = sender.newToken();
        sender.route(destination, EXACT, Messages.probe(Messages.PROBE, token, address));
        return token;
    }

    /** Asks the ring for the record of a key; the answer comes as {@link OverlayEvents#onDhtReply}. */
    public int get(final byte[] key)
    {
        return dht.get(key);
    }

    /**
     * Asks for the record of a key the node nearest a point beside it (its replicas are there): for
     * {@code beside} 1, 2, 3, ... alternately after and before the key, at one typical gap between
     * nodes, then two, ... The answer comes as {@link OverlayEvents#onDhtReply}.
     */
    public int getBeside(final byte[] key, final int beside)
    {
        final List<Connection> right = table.side(true);
        final BigInteger gap = right.isEmpty() ? Ring.HALF.shiftRight(10) :
            Ring.clockwise(self, right.get(right.size() - 1).value).divide(BigInteger.valueOf(right.size()));
        final BigInteger offset = gap.shiftLeft((beside - 1) / 2).max(BigInteger.ONE);
        final BigInteger k = Ring.value(key);
        return dht.get(key, Ring.address(beside % 2 == 1 ? k.add(offset) : k.subtract(offset)));
    }

    /**
     * Sends a signed lease operation to the node closest to its key (the primary holder), which
     * decides it in quorum rounds with its replicas and answers with {@link OverlayEvents#onLeaseReply}.
     *
     * @return the token of the answer.
     */
    public int lease(final Messages.LeaseOp op)
    {
        return leases.request(op);
    }

    /**
     * @return null if a lease a lookup was answered with holds its virtual IP for the ring address
     *         it names (not a release; the owner's signature; the authority's checks), else why not.
     */
    public String leaseProblem(final Messages.LeaseOp lease)
    {
        if (lease.op() == Messages.LEASE_RELEASE)
        {
            return "a release";
        }
        return !authority.signed(lease) ? "a bad signature" : authority.problem(lease);
    }

    /** @return true if a lease's owner may hold any address of a pool ({@link LeaseAuthority#pooled}). */
    public boolean leasePooled(final Messages.LeaseOp lease)
    {
        return authority.pooled(lease);
    }

    /** @return the live lease this node holds for a key, or null (tests, status). */
    public Leases.Lease heldLease(final byte[] key, final long nowMs)
    {
        return leases.held(key, nowMs);
    }

    /** @return the lease records (live leases and remembered releases) this node holds for the DHT now. */
    public int leaseRecords(final long nowMs)
    {
        return leases.records(nowMs);
    }

    /** @return lease requests answered refused for want of a quorum of the key's replicas. */
    public long leaseNoQuorum()
    {
        return leases.noQuorum();
    }

    /** Lets traffic earn shortcut links under this policy (call before joining; none: no shortcuts). */
    public void useShortcuts(final ShortcutPolicy policy)
    {
        shortcuts.use(policy);
    }

    /** The data plane sampled a routed packet to this ring address (the shortcut policy's input). */
    public void trafficSampled(final byte[] destination, final long nowMs)
    {
        shortcuts.sampled(Ring.value(destination), nowMs);
    }

    /** Feeds the shortcut policy what shortcut links carried; asks for earned links, trims idle ones. */
    public void maintainShortcuts(final long nowMs, final LinkTraffic traffic)
    {
        if (!left)
        {
            shortcuts.maintain(nowMs, traffic);
        }
    }

    /** Links directly to a node this host sends much traffic to (see {@link ShortcutOverlord}). */
    public void requestShortcut(final byte[] destination)
    {
        if (!left)
        {
            shortcuts.request(destination);
        }
    }

    /** Gives up the shortcut role of a connection; it closes unless something else needs it. */
    public void dropShortcut(final byte[] destination)
    {
        shortcuts.drop(destination);
    }

    // ------------------------------------------------------------------ liveness and migration

    /**
     * Sends a keepalive on a link at once (the conductor saw the peer's data stop): if this
     * node's NAT lost its mapping, sending makes it anew, and the peer follows the new endpoint.
     */
    public void keepaliveNow(final Connection c, final long nowMs)
    {
        if (table.get(c.value) == c)
        {
            keepalives.ping(c, nowMs);
        }
    }

    /** The data plane saw DATA for a link arrive from another endpoint: the peer moved; the link follows. */
    public void peerMoved(final int localId, final long endpoint, final long nowMs)
    {
        keepalives.peerMoved(localId, endpoint, nowMs);
    }

    /** This host's own addresses changed: peers are pinged from the new ones and the ring asked again. */
    public void localEndpointsChanged(final long[] endpoints, final long nowMs)
    {
        keepalives.localEndpointsChanged(endpoints, nowMs);
    }

    /** @return connection types as {@code [leaf,near,...]}. */
    public static String typeNames(final int types)
    {
        final List<String> names = new ArrayList<>();
        final String[] all = {"leaf", "near", "far", "shortcut", "relay"};
        for (int i = 0; i < all.length; i++)
        {
            if ((types & (1 << i)) != 0)
            {
                names.add(all[i]);
            }
        }
        return "[" + String.join(",", names) + "]";
    }
}
