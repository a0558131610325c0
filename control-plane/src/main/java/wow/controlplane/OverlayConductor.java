package wow.controlplane;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.journal.FibListener;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.Messages;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayEvents;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.Ring;
import wow.dataplane.ControlMessages;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.transport.Endpoints;
import wow.dataplane.transport.TcpBridge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * The conductor of an overlay node: runs the {@link OverlayNode} (join by seeds, near and far
 * links, keepalives, repair, DHT) on the conductor thread, carries its messages through the
 * data plane (CONTROL datagrams to link peers, ROUTED datagrams whose transit the data plane
 * forwards), registers this node's virtual IP in the DHT, resolves the virtual IPs the data plane
 * asks about, and alone builds and publishes FIB versions from its connections. Every method
 * except the thread-safe {@link #probe}, {@link #status} and {@link #requestLeave} runs on the
 * conductor thread.
 */
public final class OverlayConductor implements Agent, StatusSource
{
    /** Lifetime of this node's DHT registration; it is renewed well before. */
    static final int REGISTRATION_TTL_S = 120;
    /** How long a resolved virtual IP is trusted before it is looked up again. */
    static final long RESOLUTION_TTL_MS = 60_000;
    /** A resolved virtual IP is looked up again in the background this often (an address may move). */
    static final long RESOLUTION_REFRESH_MS = 10_000;
    private static final int REFRESHES_PER_SECOND = 32;
    private static final long TICK_MS = 250;
    /** A virtual-IP lookup not answered within this time may be asked again. */
    static final long RESOLUTION_TIMEOUT_MS = 3_000;

    private int localIp;
    private int dhcpSubnet;
    private int candidate;
    private int candidateIndex;
    private final int prefix;
    private final byte[] localAddress;
    private final DataPlaneProxy dataPlane;
    private final EpochClock clock;
    private final EventLog log;
    private final OverlayNode overlay;
    private final long[] seeds;
    private final CountersManager counters;
    private final AtomicCounter fibPublished;
    private final AtomicCounter controlRejected;
    private final AtomicCounter tapKernelDropped;
    /** Datagrams the TCP transport dropped (connection backed up, too many connections), and zero-length frames. */
    private final AtomicCounter tcpDropped;
    private final AtomicCounter leaseNoQuorum;
    private final AtomicCounter silencePings;
    private final AtomicCounter tcpBadFrames;
    private final LongSupplier tapKernelDrops;
    private final MessageHandler upHandler = this::onUp;
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
    private final Map<Integer, int[]> linkCounters = new HashMap<>();
    private final Map<Integer, byte[]> resolved = new HashMap<>();
    private final Map<Integer, Long> resolvedAt = new HashMap<>();
    private final Map<Integer, Long> resolving = new HashMap<>();
    private final Map<Integer, Integer> resolvingByToken = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<Integer, CompletableFuture<Boolean>> probes = new HashMap<>();
    private final Map<Long, Long> bridgeByRemote = new HashMap<>();
    private final Map<Long, Long> remoteByBridge = new HashMap<>();
    private TcpBridge tcp;
    private wow.controlplane.identity.Identity identity;
    private volatile String fatal;
    private boolean leased;
    private long nextLeaseMs;
    private int leaseToken;
    /** The lease on this node's virtual IP: its TTL, renewed every third of it. */
    static final int LEASE_TTL_S = 120;
    static final long CLAIM_AFTER_JOIN_MS = 3_000;
    private long joinedSinceMs;
    private ShortcutPolicy shortcuts;
    private final Map<Integer, Long> shortcutTx = new HashMap<>();
    /** Per link (local id): received packets at the last tick, ticks in a row they grew, when they last grew. */
    private final Map<Integer, long[]> rxWatch = new HashMap<>();
    /** A link that was receiving data and went silent this long is pinged at once (see {@link #watchSilence}). */
    static final long SILENCE_PROBE_MS = 250;
    private long relayBytesPerSecond = 625_000_000L;

    private final FibListener fibListener;
    private String fibReason = "start";
    private volatile NodeStatus status;
    private volatile boolean leaveRequested;
    private volatile boolean left;
    private boolean started;
    private boolean fibDirty = true;
    private long fibVersion;
    private long nextTickMs;
    private long nextRegistrationMs;
    private int ticks;

    /**
     * @param localIp        this host's virtual IP (0 for a router node without a TAP).
     * @param localAddress   this node's ring address (its identity's).
     * @param prefix         prefix length of the virtual subnet.
     * @param seeds          packed endpoints of the seeds (none: start a new ring).
     * @param localEndpoints packed endpoints this node listens on, to advertise.
     * @param dataPlane      the data plane's proxy.
     * @param counters       where link and conductor counters are allocated.
     * @param clock          wall-clock milliseconds (the overlay's timers).
     * @param log            event log.
     * @param tapKernelDrops reads the TAP's tx_dropped statistic (once a second).
     * @param fibListener    told of every FIB version published (the journal).
     * @param overlayConfig  the overlay's timing and shape.
     */
    public OverlayConductor(
        final int localIp,
        final byte[] localAddress,
        final int prefix,
        final long[] seeds,
        final long[] localEndpoints,
        final DataPlaneProxy dataPlane,
        final CountersManager counters,
        final EpochClock clock,
        final EventLog log,
        final LongSupplier tapKernelDrops,
        final FibListener fibListener,
        final OverlayConfig overlayConfig)
    {
        this.fibListener = fibListener;
        this.localIp = localIp;
        this.prefix = prefix;
        this.localAddress = localAddress.clone();
        this.seeds = seeds.clone();
        this.dataPlane = dataPlane;
        this.counters = counters;
        this.clock = clock;
        this.log = log;
        this.tapKernelDrops = tapKernelDrops;
        this.overlay = new OverlayNode(localAddress, localIp, localEndpoints, overlayConfig, new ControlSender(),
            new OverlayEventHandler(), new Random());
        fibPublished = counters.newCounter("fib_published", CounterTypes.FIB_PUBLISHED);
        controlRejected = counters.newCounter("control_rejected", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tapKernelDropped = counters.newCounter("tap_kernel_tx_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tcpDropped = counters.newCounter("tcp_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        leaseNoQuorum = counters.newCounter("lease_no_quorum", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        silencePings = counters.newCounter("silence_pings", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tcpBadFrames = counters.newCounter("tcp_bad_frames", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        fibVersion = dataPlane.current().version();
        status = new NodeStatus(localAddress.clone(), localIp, List.of(), List.of(), clock.time());
    }

    /**
     * Carries links to {@code tcp://} endpoints over this TCP transport (call before the conductor
     * starts); its events must come through {@link #tcpEvents()}.
     */
    public void useTcp(final TcpBridge bridge)
    {
        this.tcp = bridge;
    }

    /**
     * This host's listen endpoints changed (another network, a new address): thread-safe, handed
     * to the conductor thread.
     */
    public void localEndpointsChanged(final long[] endpoints)
    {
        final long[] copy = endpoints.clone();
        commands.add(() ->
        {
            overlay.localEndpointsChanged(copy, clock.time());
            log.event("local_endpoints_changed", "endpoints=" + java.util.Arrays.stream(copy).mapToObj(Endpoints::toString)
                .collect(java.util.stream.Collectors.joining(",")));
            fibReason = "migration";
        });
        dataPlane.wakeConductor();
    }

    /**
     * Leases this node's virtual IP in the DHT under this identity (call before the conductor
     * starts): claimed once the node joined, renewed, released on leave; if another live node
     * owns it the node must stop ({@link #fatal}).
     */
    public void leaseVirtualIp(final wow.controlplane.identity.Identity owner)
    {
        this.identity = owner;
    }

    /**
     * Leases a free virtual IP from this subnet instead of a configured one (call before the
     * conductor starts): candidates follow from the ring address; a taken one makes the next.
     */
    public void leaseFrom(final int subnet)
    {
        this.dhcpSubnet = subnet;
    }

    /** @return the candidate address number {@code index} in the DHCP subnet for this node. */
    private int candidate(final int index)
    {
        return candidate(dhcpSubnet, prefix, localAddress, index);
    }

    /** @return candidate number {@code index} in a subnet for a ring address (its hash, then steps through the subnet). */
    static int candidate(final int subnet, final int prefix, final byte[] address, final int index)
    {
        final long size = (1L << (32 - prefix)) - 2;
        final long h = new java.math.BigInteger(1, address).longValue() & Long.MAX_VALUE;
        return subnet + 1 + (int)((h + index * 0x9E3779B1L) % size);
    }

    /** @return why the node cannot go on (its virtual IP belongs to another node), or null; any thread. */
    public String fatal()
    {
        return fatal;
    }

    private int leaseIp()
    {
        return localIp != 0 ? localIp : candidate;
    }

    private byte[] leaseKey()
    {
        return OverlayNode.key("lease:" + Ipv4.toString(leaseIp()));
    }

    private void leaseStep(final long now)
    {
        if (localIp == 0 && dhcpSubnet != 0 && candidate == 0)
        {
            candidate = candidate(candidateIndex);
        }
        if (!overlay.isJoined())
        {
            joinedSinceMs = 0;
            return;
        }
        if (joinedSinceMs == 0)
        {
            joinedSinceMs = now;
        }
        // the first claim waits a little after joining: the ring's holders hand the live leases to
        // a newly joined node (which may now be a key's primary) within a couple of seconds
        if (identity == null || leaseIp() == 0 || fatal != null || now < nextLeaseMs ||
            (!leased && now - joinedSinceMs < CLAIM_AFTER_JOIN_MS))
        {
            return;
        }
        nextLeaseMs = now + (leased ? LEASE_TTL_S * 1000L / 3 : 3_000);
        sendLease(leased ? Messages.LEASE_RENEW : Messages.LEASE_CLAIM, now);
    }

    private void sendLease(final int op, final long now)
    {
        final byte[] key = leaseKey();
        leaseToken = overlay.lease(op, key, LEASE_TTL_S, now, identity.publicKey().getEncoded(),
            identity.sign(Messages.leaseSigned(op, key, LEASE_TTL_S, now, localAddress)), now);
    }

    /** Lets traffic earn shortcut links under this policy (call before the conductor starts; none: no shortcuts). */
    public void useShortcuts(final ShortcutPolicy policy)
    {
        this.shortcuts = policy;
    }

    /** Sets the most this node relays for others, bytes per second per queue (call before start). */
    public void relayLimit(final long bytesPerSecond)
    {
        relayBytesPerSecond = bytesPerSecond;
    }

    /** @return the listener a {@link TcpBridge} reports to; it hands each event to the conductor thread. */
    public TcpBridge.Listener tcpEvents()
    {
        return new TcpBridge.Listener()
        {
            @Override
            public void opened(final long remote, final long bridge)
            {
                commands.add(() ->
                {
                    bridgeByRemote.put(remote, bridge);
                    remoteByBridge.put(bridge, remote);
                    fibDirty = true;
                    log.event("tcp_up", "peer=" + Endpoints.toString(remote));
                });
                dataPlane.wakeConductor();
            }

            @Override
            public void closed(final long remote, final long bridge)
            {
                commands.add(() ->
                {
                    bridgeByRemote.remove(remote, bridge);
                    remoteByBridge.remove(bridge);
                    fibDirty = true;
                    log.event("tcp_down", "peer=" + Endpoints.toString(remote));
                });
                dataPlane.wakeConductor();
            }
        };
    }

    /** @return the endpoint the data plane sends to for an overlay endpoint (a TCP peer's bridge), 0 if none yet. */
    private long dataEndpoint(final long endpoint)
    {
        if (!Endpoints.isTcp(endpoint))
        {
            return endpoint;
        }
        final Long bridge = bridgeByRemote.get(endpoint);
        if (bridge == null && tcp != null)
        {
            tcp.connect(endpoint);
        }
        return bridge == null ? 0 : bridge;
    }

    @Override
    public String roleName()
    {
        return "wow-conductor";
    }

    @Override
    public int doWork()
    {
        final long now = clock.time();
        if (!started)
        {
            started = true;
            overlay.join(seeds, now);
            nextRegistrationMs = now;
        }
        if (left)
        {
            return 0;
        }
        if (leaveRequested)
        {
            if (leased)
            {
                sendLease(Messages.LEASE_RELEASE, now); // the address is free at once, not after the TTL
            }
            overlay.leave();
            left = true;
            log.event("overlay_left", "connections_closed=true");
            return 1;
        }
        int work = dataPlane.pollControl(upHandler, 64);
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
            work++;
        }
        work += overlay.deliverQueued(now);
        if (now >= nextTickMs)
        {
            nextTickMs = now + TICK_MS;
            overlay.tick(now);
            leaseStep(now);
            watchSilence(now);
            if (shortcuts != null)
            {
                maintainShortcuts(now);
            }
            if (localIp != 0 && now >= nextRegistrationMs && !overlay.connections().isEmpty())
            {
                nextRegistrationMs = now + REGISTRATION_TTL_S * 1000L / 4;
                overlay.put(ipKey(localIp), localAddress, REGISTRATION_TTL_S, now);
            }
            if (++ticks % 4 == 0)
            {
                buildStatus(now);
                tapKernelDropped.setRelease(tapKernelDrops.getAsLong());
                leaseNoQuorum.setRelease(overlay.leaseNoQuorum());
                if (tcp != null)
                {
                    tcpDropped.setRelease(tcp.dropped());
                    tcpBadFrames.setRelease(tcp.badFrames());
                }
                // a lookup whose answer was lost may be asked again
                resolving.values().removeIf(started -> now - started > RESOLUTION_TIMEOUT_MS);
                resolvingByToken.values().removeIf(ip -> !resolving.containsKey(ip));
                resolvedAt.entrySet().removeIf(e ->
                {
                    final boolean stale = now - e.getValue() > RESOLUTION_TTL_MS;
                    if (stale)
                    {
                        resolved.remove(e.getKey());
                        fibDirty = true;
                    }
                    return stale;
                });
                // refresh-ahead: the route stays while the DHT is asked again, so a virtual IP whose
                // owner changed (a restarted host with a new identity) is followed within seconds
                int refreshes = 0;
                for (final Map.Entry<Integer, Long> e : resolvedAt.entrySet())
                {
                    if (refreshes < REFRESHES_PER_SECOND && now - e.getValue() > RESOLUTION_REFRESH_MS &&
                        !resolving.containsKey(e.getKey()))
                    {
                        refreshes++;
                        lookup(e.getKey(), now);
                    }
                }
            }
            work++;
        }
        if (fibDirty)
        {
            publishFib();
            work++;
        }
        return work;
    }

    /**
     * Starts from what a previous run of this node knew: the virtual IP &rarr; ring address pairs of
     * its last journaled FIB, trusted like fresh lookups (and renewed the same way), so a restarted
     * node routes to them as soon as its links are up, without asking the DHT first. Call before
     * the conductor starts.
     */
    public void resume(final Map<Integer, byte[]> addresses)
    {
        final long now = clock.time();
        for (final Map.Entry<Integer, byte[]> e : addresses.entrySet())
        {
            if (e.getKey() != localIp && e.getValue().length == Ring.ADDRESS_LENGTH)
            {
                resolved.put(e.getKey(), e.getValue().clone());
                resolvedAt.put(e.getKey(), now);
            }
        }
        fibReason = "resume";
        fibDirty = true;
    }

    /** @return the DHT key under which a virtual IP's ring address is registered. */
    static byte[] ipKey(final int virtualIp)
    {
        return OverlayNode.key("ip:" + Ipv4.toString(virtualIp));
    }

    private void buildStatus(final long now)
    {
        final List<Long> endpoints = new ArrayList<>();
        for (final long e : overlay.localEndpoints())
        {
            endpoints.add(e);
        }
        for (final long e : overlay.learnedEndpoints())
        {
            if (!endpoints.contains(e))
            {
                endpoints.add(e);
            }
        }
        final List<NodeStatus.Connection> connections = new ArrayList<>();
        for (final Connection c : overlay.connections())
        {
            final String types = OverlayNode.typeNames(c.types() | c.peerTypes());
            final byte[] via = c.via();
            final Connection relay = via == null ? null : overlay.connection(Ring.value(via));
            connections.add(new NodeStatus.Connection(types.length() > 2 ? types.substring(1, types.length() - 1) : "-",
                c.address(), c.virtualIp(), c.endpoint(), c.rttMs(), c.upSinceMs(), c.lastHeardMs(), via,
                relay == null ? 0 : relay.virtualIp()));
        }
        status = new NodeStatus(localAddress, localIp, List.copyOf(endpoints), List.copyOf(connections), now,
            overlay.udpBlocked(), overlay.relayGrants().size());
    }

    @Override
    public NodeStatus status()
    {
        return status;
    }

    // ------------------------------------------------------------------ thread-safe API

    /** Sends an exact-delivery probe to an address; completes true when answered (any thread). */
    public CompletableFuture<Boolean> probe(final byte[] address)
    {
        final CompletableFuture<Boolean> result = new CompletableFuture<>();
        commands.add(() ->
        {
            probes.put(overlay.probe(address, clock.time()), result);
        });
        dataPlane.wakeConductor();
        return result;
    }

    /** Asks the conductor to leave the overlay gracefully (any thread); see {@link #hasLeft}. */
    public void requestLeave()
    {
        leaveRequested = true;
        dataPlane.wakeConductor();
    }

    /** @return true once the leave messages went out. */
    public boolean hasLeft()
    {
        return left;
    }

    // ------------------------------------------------------------------ from the data plane

    private void onUp(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long now = clock.time();
        final long received = buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET);
        final Long tcpPeer = remoteByBridge.get(received);
        final long endpoint = tcpPeer == null ? received : tcpPeer;
        final int datagram = index + ControlMessages.UP_DATAGRAM_OFFSET;
        final int datagramLength = length - ControlMessages.UP_DATAGRAM_OFFSET;
        switch (type)
        {
            case ControlMessages.UP_CONTROL:
            {
                final byte[] message = new byte[datagramLength - WireHeader.CONTROL_LENGTH];
                buffer.getBytes(datagram + WireHeader.CONTROL_LENGTH, message);
                final long malformed = overlay.malformed();
                overlay.onDirect(endpoint, buffer.getInt(datagram + WireHeader.LINK_ID_OFFSET, java.nio.ByteOrder.BIG_ENDIAN), message,
                    0, message.length, now);
                countRejected(malformed);
                break;
            }
            case ControlMessages.UP_ROUTED:
            {
                final byte[] source = new byte[WireHeader.ADDRESS_LENGTH];
                buffer.getBytes(datagram + WireHeader.SOURCE_OFFSET, source);
                final byte[] message = new byte[datagramLength - WireHeader.ROUTED_LENGTH];
                buffer.getBytes(datagram + WireHeader.ROUTED_LENGTH, message);
                final long malformed = overlay.malformed();
                overlay.onRouted(source, message, 0, message.length, now);
                countRejected(malformed);
                break;
            }
            case ControlMessages.UP_RESOLVE:
                resolve(buffer.getInt(datagram), now);
                break;
            case ControlMessages.UP_MOVED:
                if (datagramLength == 4)
                {
                    overlay.peerMoved(buffer.getInt(datagram, java.nio.ByteOrder.BIG_ENDIAN), endpoint, now);
                }
                break;
            case ControlMessages.UP_TRAFFIC:
                if (shortcuts != null && datagramLength == WireHeader.ADDRESS_LENGTH)
                {
                    final byte[] destination = new byte[WireHeader.ADDRESS_LENGTH];
                    buffer.getBytes(datagram, destination);
                    shortcuts.sampled(Ring.value(destination), now);
                }
                break;
            case ControlMessages.UP_UNREACHABLE:
            {
                // tell the packet's source that its destination is gone, so it looks the address up again
                final byte[] source = new byte[WireHeader.ADDRESS_LENGTH];
                final byte[] destination = new byte[WireHeader.ADDRESS_LENGTH];
                buffer.getBytes(datagram + WireHeader.SOURCE_OFFSET, source);
                buffer.getBytes(datagram + WireHeader.DESTINATION_OFFSET, destination);
                if (java.util.Arrays.equals(source, localAddress))
                {
                    refreshPointingAt(destination, now);
                }
                else
                {
                    overlay.route(source, OverlayNode.EXACT, Messages.relayEnd(Messages.UNREACHABLE, destination));
                }
                break;
            }
            default:
                controlRejected.increment();
        }
    }

    private void countRejected(final long malformedBefore)
    {
        final long delta = overlay.malformed() - malformedBefore;
        if (delta > 0)
        {
            controlRejected.getAndAdd(delta);
        }
    }

    private void resolve(final int virtualIp, final long now)
    {
        if (virtualIp == localIp || resolved.containsKey(virtualIp) || resolving.containsKey(virtualIp))
        {
            return;
        }
        lookup(virtualIp, now);
    }

    /**
     * Feeds the shortcut policy what the shortcut links carried (their tx counters), trims the idle
     * ones and asks for the links the traffic earned.
     */
    private void maintainShortcuts(final long now)
    {
        final java.util.Set<java.math.BigInteger> up = new java.util.HashSet<>();
        for (final Connection c : overlay.connections())
        {
            if ((c.types() & OverlayNode.SHORTCUT) == 0)
            {
                continue;
            }
            up.add(c.value());
            final int[] ids = linkCounters.get(c.localId());
            if (ids != null)
            {
                final long tx = counters.getCounterValue(ids[CounterTypes.LINK_TX_PACKETS]);
                final Long before = shortcutTx.put(c.localId(), tx);
                if (before != null)
                {
                    shortcuts.sentDirect(c.value(), tx - before, now);
                }
            }
        }
        shortcutTx.keySet().removeIf(id -> overlay.connectionByLocalId(id) == null);
        shortcuts.retain(up);
        for (final java.math.BigInteger d : shortcuts.toTrim(now))
        {
            overlay.dropShortcut(Ring.address(d));
            log.event("shortcut_trimmed", "peer=" + Ring.shortHex(Ring.address(d)));
        }
        for (final java.math.BigInteger d : shortcuts.toCreate(now))
        {
            overlay.requestShortcut(Ring.address(d), now);
            log.event("shortcut_requested", "peer=" + Ring.shortHex(Ring.address(d)) + " rate_pps=" +
                Math.round(shortcuts.rate(d, now)));
        }
    }

    /**
     * Pings a peer whose data stopped arriving after a busy spell (its link's received packets grew
     * two ticks in a row, then not for {@link #SILENCE_PROBE_MS}). If this node's NAT lost its
     * mapping (rebound, flushed), the peer's packets are dropped at the NAT until this node sends
     * to it; the ping makes the mapping anew now instead of at the next keepalive, seconds later.
     * A flow that simply ended costs one ping and pong; a trickle (no two busy ticks) none.
     */
    private void watchSilence(final long now)
    {
        for (final Connection c : overlay.connections())
        {
            final int[] ids = linkCounters.get(c.localId());
            if (ids == null)
            {
                continue;
            }
            final long rx = counters.getCounterValue(ids[CounterTypes.LINK_RX_PACKETS]);
            final long[] w = rxWatch.computeIfAbsent(c.localId(), id -> new long[] {rx, 0, 0});
            if (rx != w[0])
            {
                w[0] = rx;
                w[1]++;
                w[2] = now;
            }
            else if (w[1] >= 2 && now - w[2] >= SILENCE_PROBE_MS)
            {
                w[1] = 0;
                overlay.keepaliveNow(c, now);
                silencePings.increment();
            }
            else if (now - w[2] >= SILENCE_PROBE_MS)
            {
                w[1] = 0; // a trickle, not a busy spell
            }
        }
        rxWatch.keySet().removeIf(id -> !linkCounters.containsKey(id));
    }

    /**
     * Looks up again, at once and 2 s later, every virtual IP resolved to a ring address that went
     * away or proved unreachable (its owner may be back under a new identity); the route stays
     * until the answer differs.
     */
    private void refreshPointingAt(final byte[] gone, final long now)
    {
        for (final Map.Entry<Integer, byte[]> e : resolved.entrySet())
        {
            if (java.util.Arrays.equals(e.getValue(), gone) && !resolving.containsKey(e.getKey()))
            {
                lookup(e.getKey(), now);
                resolvedAt.put(e.getKey(), now - RESOLUTION_REFRESH_MS + 2_000);
            }
        }
    }

    private void lookup(final int virtualIp, final long now)
    {
        resolving.put(virtualIp, now);
        resolvingByToken.put(overlay.get(ipKey(virtualIp), now), virtualIp);
    }

    // ------------------------------------------------------------------ FIB

    private void publishFib()
    {
        fibDirty = false;
        final Fib.Builder builder = new Fib.Builder(localIp == 0 && dhcpSubnet != 0 ? dhcpSubnet : localIp, prefix, localAddress);
        final List<String> linkTypes = new ArrayList<>();
        final Map<Integer, Boolean> routed = new HashMap<>();
        builder.relayLimit(relayBytesPerSecond);
        for (final byte[][] pair : overlay.relayGrants())
        {
            builder.relayGrant(pair[0], pair[1]);
        }
        for (final Connection c : overlay.connections())
        {
            if (c.via() != null && c.relayId() != 0)
            {
                builder.relayedLink(c.address(), c.virtualIp(), c.via(), c.localId(), c.relayId(), countersFor(c), c.routable());
            }
            else if (c.remoteId() != 0 && dataEndpoint(c.endpoint()) != 0)
            {
                builder.link(c.address(), c.virtualIp(), dataEndpoint(c.endpoint()), c.localId(), c.remoteId(), countersFor(c),
                    c.routable());
            }
            else
            {
                continue;
            }
            linkTypes.add(OverlayNode.typeNames(c.types() | c.peerTypes()));
            if (c.virtualIp() != 0)
            {
                builder.route(c.virtualIp(), c.address());
                routed.put(c.virtualIp(), true);
            }
        }
        for (final Map.Entry<Integer, byte[]> e : resolved.entrySet())
        {
            if (!routed.containsKey(e.getKey()))
            {
                builder.route(e.getKey(), e.getValue());
            }
        }
        linkCounters.keySet().removeIf(id ->
        {
            final boolean gone = overlay.connectionByLocalId(id) == null;
            if (gone)
            {
                for (final int counter : linkCounters.get(id))
                {
                    counters.free(counter);
                }
            }
            return gone;
        });
        final Fib fib = builder.build(++fibVersion);
        dataPlane.publish(fib);
        fibPublished.setRelease(fib.version());
        fibListener.published(fib, fibReason, linkTypes.toArray(new String[0]));
        fibReason = "links_changed";
        buildStatus(clock.time());
    }

    private int[] countersFor(final Connection c)
    {
        return linkCounters.computeIfAbsent(c.localId(), id ->
        {
            final int[] ids = new int[CounterTypes.LINK_COUNTERS.length];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = counters.allocate("link " + Ring.shortHex(c.address()) + " " +
                    (c.virtualIp() == 0 ? "-" : Ipv4.toString(c.virtualIp())) + " " + CounterTypes.LINK_COUNTERS[i],
                    CounterTypes.LINK, key -> key.putInt(0, id));
            }
            return ids;
        });
    }

    // ------------------------------------------------------------------ to the data plane

    private final class ControlSender implements OverlayTransport
    {
        @Override
        public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
        {
            if (WireHeader.CONTROL_LENGTH + message.length > out.capacity())
            {
                controlRejected.increment();
                return;
            }
            final long to = dataEndpoint(endpoint);
            if (to == 0)
            {
                return; // a TCP peer being connected: the overlay retries
            }
            WireHeader.writeLinkHeader(out, 0, WireHeader.TYPE_CONTROL, remoteLinkId);
            out.putBytes(WireHeader.CONTROL_LENGTH, message);
            dataPlane.send(0, to, out, 0, WireHeader.CONTROL_LENGTH + message.length);
        }



        @Override
        public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
            final boolean excludeSource, final byte[] message)
        {
            final long to = dataEndpoint(firstHop);
            if (WireHeader.ROUTED_LENGTH + message.length > out.capacity() || to == 0)
            {
                controlRejected.increment();
                return;
            }
            WireHeader.writeRouted(out, 0, new UnsafeBuffer(localAddress), new UnsafeBuffer(destination), 0,
                WireHeader.DEFAULT_TTL, delivery == OverlayNode.EXACT ? WireHeader.DELIVERY_EXACT : WireHeader.DELIVERY_CLOSEST,
                WireHeader.PAYLOAD_CONTROL);
            if (excludeSource)
            {
                WireHeader.addFlag(out, 0, WireHeader.FLAG_EXCLUDE_SOURCE);
            }
            if (relayLinkId != 0)
            {
                WireHeader.markRelayed(out, 0, relayLinkId);
            }
            out.putBytes(WireHeader.ROUTED_LENGTH, message);
            dataPlane.send(0, to, out, 0, WireHeader.ROUTED_LENGTH + message.length);
        }

        @Override
        public void connectionsChanged()
        {
            fibDirty = true;
        }
    }

    private final class OverlayEventHandler implements OverlayEvents
    {
        @Override
        public void onProbeReply(final int token, final byte[] from)
        {
            final CompletableFuture<Boolean> f = probes.remove(token);
            if (f != null)
            {
                f.complete(true);
            }
        }

        @Override
        public void onDhtReply(final int token, final boolean found, final byte[] value)
        {
            final Integer virtualIp = resolvingByToken.remove(token);
            if (virtualIp == null)
            {
                return;
            }
            resolving.remove(virtualIp);
            if (found && value.length == Ring.ADDRESS_LENGTH)
            {
                resolvedAt.put(virtualIp, clock.time());
                final byte[] before = resolved.put(virtualIp, value);
                if (!java.util.Arrays.equals(before, value))
                {
                    fibDirty = true;
                    fibReason = "resolution";
                    log.event("resolved", "ip=" + Ipv4.toString(virtualIp) + " address=" + Ring.shortHex(value));
                }
            }
        }

        @Override
        public void onLinkUp(final Connection c)
        {
            fibReason = ((c.types() | c.peerTypes()) & OverlayNode.SHORTCUT) != 0 ? "shortcut" : "link_up";
            log.event("link_up", "peer=" + Ring.shortHex(c.address()) + " ip=" +
                (c.virtualIp() == 0 ? "-" : Ipv4.toString(c.virtualIp())) + " " + path(c) + " types=" +
                OverlayNode.typeNames(c.types() | c.peerTypes()));
        }

        @Override
        public void onLinkPathChanged(final Connection c)
        {
            fibReason = c.via() == null ? "link_direct" : "link_relayed";
            log.event(fibReason, "peer=" + Ring.shortHex(c.address()) + " " + path(c));
        }

        @Override
        public void onLeaseReply(final int token, final byte[] key, final int result, final byte[] value)
        {
            if (token != leaseToken || identity == null)
            {
                return;
            }
            if (result == Messages.LEASE_GRANTED)
            {
                if (!leased)
                {
                    if (localIp == 0)
                    {
                        // the DHCP subnet's address is ours: route it, register it, serve it to the host
                        localIp = candidate;
                        fibDirty = true;
                        fibReason = "lease";
                        nextRegistrationMs = clock.time();
                    }
                    log.event("ip_leased", "ip=" + Ipv4.toString(localIp) + " ttl_s=" + LEASE_TTL_S +
                        (dhcpSubnet != 0 ? " dhcp=true" : ""));
                }
                leased = true;
            }
            else if (result == Messages.LEASE_REFUSED)
            {
                // no quorum of the key's replicas answered (the ring is in flux): ask again soon
                log.event("lease_refused", "ip=" + Ipv4.toString(leaseIp()));
                nextLeaseMs = Math.min(nextLeaseMs, clock.time() + 3_000);
            }
            else if (result == Messages.LEASE_TAKEN && localIp == 0 && dhcpSubnet != 0)
            {
                // another node holds this one: try the next candidate at once
                log.event("ip_candidate_taken", "ip=" + Ipv4.toString(candidate) + " owner=" + Ring.shortHex(value));
                candidate = candidate(++candidateIndex);
                nextLeaseMs = 0;
            }
            else if (result == Messages.LEASE_TAKEN && !java.util.Arrays.equals(value, localAddress))
            {
                fatal = "virtual IP " + Ipv4.toString(localIp) + " is leased to another live node (ring address " +
                    Ring.shortHex(value) + (dhcpSubnet != 0 ? "): start the node again to lease another address from the subnet" :
                    "): pick another --ip");
                log.event("ip_taken", "ip=" + Ipv4.toString(localIp) + " owner=" + Ring.shortHex(value));
            }
        }

        @Override
        public void onPeerMoved(final Connection c)
        {
            fibReason = "migration";
            log.event("peer_moved", "peer=" + Ring.shortHex(c.address()) + " endpoint=" + Endpoints.toString(c.endpoint()));
        }

        @Override
        public void onUnreachable(final byte[] address)
        {
            refreshPointingAt(address, clock.time());
        }

        @Override
        public void onUdpGaveUp()
        {
            log.event("udp_gave_up", "no answer over UDP while TCP works: links over TCP and relays only");
        }

        private String path(final Connection c)
        {
            return c.via() == null ? "endpoint=" + Endpoints.toString(c.endpoint()) : "via=" + Ring.shortHex(c.via());
        }

        @Override
        public void onLinkDown(final Connection c, final String reason)
        {
            fibReason = "link_down";
            refreshPointingAt(c.address(), clock.time());
            log.event("link_down", "peer=" + Ring.shortHex(c.address()) + " reason=" + reason);
        }

        @Override
        public void onEndpointLearned(final long endpoint)
        {
            log.event("endpoint_learned", "endpoint=" + Endpoints.toString(endpoint));
        }
    }
}
