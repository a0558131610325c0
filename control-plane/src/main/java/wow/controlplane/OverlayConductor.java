package wow.controlplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.Arrays;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.LinkTraffic;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.security.Certificate;
import wow.controlplane.session.EndToEndSessions;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.transport.Endpoints;

/**
 * The conductor of an overlay node (Aeron's shape): the duty cycle of the conductor thread and
 * nothing else. Each cycle it drains its {@link OverlayConductorProxy} (the only thing other
 * threads touch), hands the control frames the data plane sent up to the {@link ControlAdapter},
 * delivers the overlay's messages to itself, and every 250 ms runs the timers of its
 * {@link OverlayStack} (the overlay node, its virtual-IP lease, resolution and shortcuts — the
 * same code the simulator drives) and its {@link SilenceWatch}, and the status once a second;
 * then the {@link FibPublisher} publishes a FIB version if anything changed. Built from a
 * {@link ConductorContext}. Every method runs on the conductor thread except {@link #status},
 * {@link #fatal} and {@link #proxy}.
 */
public final class OverlayConductor implements Agent, StatusSource
{
    private static final long TICK_MS = 250;
    private static final int UP_FRAMES_PER_CYCLE = 64;

    private final byte[] localAddress;
    private final int prefix;
    private final long[] seeds;
    private final DataPlaneProxy dataPlane;
    private final EpochClock clock;
    private final EventLog log;
    private final OverlayStack stack;
    private final OverlayNode overlay;
    private final OverlayConductorProxy proxy;
    private final FibPublisher fib;
    private final SilenceWatch silence;
    private final TcpPeers tcp;
    private final ControlAdapter adapter;
    private final AtomicCounter tapKernelDropped;
    private final AtomicCounter tcpDropped;
    private final AtomicCounter leaseNoQuorum;
    private final AtomicCounter contactsLimited;
    private final AtomicCounter tcpBadFrames;
    private final LongSupplier tapKernelDrops;
    private final LinkTraffic linkTraffic;
    private final LinkSessions sessions;
    private final EndToEndSessions endToEnd;
    /** Probes asked for through the proxy, by token: answered, or false after {@link #PROBE_TIMEOUT_MS}. */
    private final Map<Integer, PendingProbe> probes = new HashMap<>();
    static final long PROBE_TIMEOUT_MS = 5_000;

    private record PendingProbe(CompletableFuture<Boolean> result, long sentMs)
    {
    }
    private volatile NodeStatus status;
    private boolean started;
    private boolean left;
    private long nextTickMs;
    private int ticks;

    public OverlayConductor(final ConductorContext context)
    {
        final ConductorContext ctx = context.conclude();
        this.localAddress = ctx.localAddress();
        this.prefix = ctx.prefix();
        this.seeds = ctx.seeds();
        this.dataPlane = ctx.dataPlane();
        this.clock = ctx.clock();
        this.log = ctx.log();
        this.proxy = ctx.proxy();
        this.tapKernelDrops = ctx.tapKernelDrops();
        final CountersManager counters = ctx.counters();
        final AtomicCounter controlRejected = counters.newCounter("control_rejected", CounterTypes.TRAFFIC,
            key -> key.putInt(0, -1));
        tapKernelDropped = counters.newCounter("tap_kernel_tx_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tcpDropped = counters.newCounter("tcp_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        leaseNoQuorum = counters.newCounter("lease_no_quorum", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        contactsLimited = counters.newCounter("contacts_limited", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        final AtomicCounter silencePings = counters.newCounter("silence_pings", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tcpBadFrames = counters.newCounter("tcp_bad_frames", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        this.tcp = new TcpPeers(ctx.tcp());
        this.fib = new FibPublisher(dataPlane, counters, ctx.fibListener(), ctx.relayBytesPerSecond());
        this.sessions = ctx.sessions();
        final LinkSessions.Wire wire = sessions != null ? sessions::send :
            (endpoint, datagram, offset, length) -> dataPlane.send(0, endpoint, datagram, offset, length);
        final ControlSender sender = new ControlSender(wire, sessions, tcp, fib::dirty, controlRejected, localAddress);
        this.stack = new OverlayStack(new OverlayStack.Setup(localAddress, ctx.localIp(), prefix, ctx.dhcpSubnet(),
            ctx.dhcpPrefix(), ctx.leaseSigner(), ctx.leaseAuthority(), ctx.localEndpoints(), ctx.overlayConfig(), ctx.shortcuts(),
            ctx.random(), ctx.name()), sender, fib, log, clock::time, this::onProbeReply);
        this.overlay = stack.node();
        this.endToEnd = sessions == null ? null : new EndToEndSessions(sessions, new EndToEndSessions.Host()
        {
            @Override
            public void send(final byte[] address, final byte[] handshake)
            {
                overlay.route(address, OverlayNode.EXACT, Messages.endToEnd(handshake));
            }

            @Override
            public void keyWanted(final byte[] address)
            {
                stack.unreachable(address, clock.time()); // the leases of what points there carry the key
            }

            @Override
            public byte[] ownLease()
            {
                return stack.leaseProof();
            }

            @Override
            public void peerLease(final byte[] address, final Certificate certificate, final byte[] lease)
            {
                stack.peerLease(address, certificate.encoded(), lease);
            }
        }, counters);
        if (endToEnd != null)
        {
            stack.endToEnd(endToEnd::onHandshake, endToEnd::learnKey);
            sender.keyListener(endToEnd::learnKey);
        }
        this.linkTraffic = id -> fib.linkCounter(id, CounterTypes.LINK_TX_PACKETS);
        this.silence = new SilenceWatch(overlay, fib, silencePings);
        this.adapter = new ControlAdapter(overlay, tcp, localAddress, controlRejected, new ControlAdapter.Handlers()
        {
            @Override
            public long now()
            {
                return clock.time();
            }

            @Override
            public void onResolve(final int virtualIp, final long now)
            {
                stack.resolve(virtualIp, now);
            }

            @Override
            public void onUnreachable(final byte[] destination, final long now)
            {
                stack.unreachable(destination, now);
            }

            @Override
            public void onEndToEndWanted(final byte[] address)
            {
                if (endToEnd != null)
                {
                    endToEnd.want(address);
                }
            }

            @Override
            public void onEndToEndConfirmed(final int localIndex)
            {
                if (endToEnd != null)
                {
                    endToEnd.onConfirmed(localIndex);
                }
            }
        }, sessions);
        if (!ctx.resume().isEmpty())
        {
            // what a previous run knew: routed as soon as the links are up, without asking the DHT first
            stack.resume(ctx.resume(), clock.time());
            fib.dirty("resume");
        }
        status = new NodeStatus(localAddress.clone(), ctx.localIp(), List.of(), List.of(), clock.time(), self());
    }

    /** @return the proxy other threads reach this conductor through; any thread. */
    public OverlayConductorProxy proxy()
    {
        return proxy;
    }

    /** @return why the node cannot go on (its virtual IP belongs to another node), or null; any thread. */
    public String fatal()
    {
        return stack.fatal();
    }

    @Override
    public NodeStatus status()
    {
        return status;
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
            stack.start(seeds, now);
        }
        if (left)
        {
            return 0;
        }
        if (proxy.leaveRequested())
        {
            stack.leave(now);
            left = true;
            proxy.markLeft();
            log.event("overlay_left", "connections_closed=true");
            return 1;
        }
        int work = dataPlane.pollControl(adapter, UP_FRAMES_PER_CYCLE);
        OverlayConductorProxy.Command command;
        while ((command = proxy.poll()) != null)
        {
            onCommand(command, now);
            work++;
        }
        work += overlay.deliverQueued(now);
        if (now >= nextTickMs)
        {
            nextTickMs = now + TICK_MS;
            onTick(now);
            work++;
        }
        if (fib.isDirty())
        {
            fib.publish(overlay, stack.fibAddress(), prefix, localAddress, stack.resolved(), tcp::dataEndpoint,
                this::certifiedIp);
            status = buildStatus(clock.time());
            work++;
        }
        return work;
    }

    private void onTick(final long now)
    {
        probes.values().removeIf(p ->
        {
            final boolean expired = now - p.sentMs() > PROBE_TIMEOUT_MS;
            if (expired)
            {
                p.result().complete(false); // unanswered: the asker hears so, the table stays bounded
            }
            return expired;
        });
        stack.tick(now, linkTraffic);
        silence.tick(now);
        if (sessions != null)
        {
            sessions.tick();
            endToEnd.tick();
        }
        if (++ticks % 4 == 0)
        {
            status = buildStatus(now);
            tapKernelDropped.setRelease(tapKernelDrops.getAsLong());
            leaseNoQuorum.setRelease(overlay.leaseNoQuorum());
            contactsLimited.setRelease(overlay.contactsLimited());
            tcpDropped.setRelease(tcp.dropped());
            tcpBadFrames.setRelease(tcp.badFrames());
            stack.maintain(now);
        }
    }

    /** @return true if a connection's virtual IP is the one its peer's certificate fixes (any, insecure). */
    private boolean certifiedIp(final Connection c)
    {
        if (sessions == null)
        {
            return true;
        }
        final Certificate cert = c.via() != null || c.endpoint() == 0 ? null :
            sessions.certificate(tcp.dataEndpoint(c.endpoint()));
        return cert != null && cert.addressKind() == Certificate.ADDRESS_IP && cert.address() == c.virtualIp() &&
            Arrays.equals(cert.ringAddress(), c.address());
    }

    private void onProbeReply(final int token)
    {
        final PendingProbe p = probes.remove(token);
        if (p != null)
        {
            p.result().complete(true);
        }
    }

    private void onCommand(final OverlayConductorProxy.Command command, final long now)
    {
        if (command instanceof OverlayConductorProxy.ProbeCommand p)
        {
            probes.put(overlay.probe(p.address()), new PendingProbe(p.result(), now));
        }
        else if (command instanceof OverlayConductorProxy.ResolveName r)
        {
            stack.resolveName(r.name(), now, r.result()::complete);
        }
        else if (command instanceof OverlayConductorProxy.EndpointsChanged e)
        {
            overlay.localEndpointsChanged(e.endpoints(), now);
            log.event("local_endpoints_changed", "endpoints=" + Arrays.stream(e.endpoints()).mapToObj(Endpoints::toString)
                .collect(Collectors.joining(",")));
            fib.reason("migration");
        }
        else if (command instanceof OverlayConductorProxy.TcpChanged t)
        {
            if (t.open())
            {
                tcp.opened(t.remote(), t.bridge());
            }
            else
            {
                tcp.closed(t.remote(), t.bridge());
            }
            fib.dirty();
            log.event(t.open() ? "tcp_up" : "tcp_down", "peer=" + Endpoints.toString(t.remote()));
        }
    }

    private NodeStatus buildStatus(final long now)
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
        final List<NodeStatus.PeerStatus> connections = new ArrayList<>();
        for (final Connection c : overlay.connections())
        {
            final String types = OverlayNode.typeNames(c.types() | c.peerTypes());
            final byte[] via = c.via();
            final Connection relay = via == null ? null : overlay.connection(Ring.value(via));
            connections.add(new NodeStatus.PeerStatus(types.length() > 2 ? types.substring(1, types.length() - 1) : "-",
                c.address(), c.virtualIp(), c.endpoint(), c.rttMs(), c.upSinceMs(), c.lastHeardMs(), via,
                relay == null ? 0 : relay.virtualIp(), sessions == null || c.endpoint() == 0 ? null :
                NodeStatus.Member.of(sessions.certificate(tcp.dataEndpoint(c.endpoint())))));
        }
        final List<NodeStatus.RouteStatus> routes = new ArrayList<>();
        for (final Map.Entry<Integer, byte[]> r : stack.resolved().entrySet())
        {
            final java.math.BigInteger owner = Ring.value(r.getValue());
            final Connection hop = overlay.connection(owner) != null ? null : overlay.nextHop(owner, null);
            routes.add(new NodeStatus.RouteStatus(r.getKey(), r.getValue(), hop == null ? null : hop.address(),
                hop == null ? 0 : hop.virtualIp()));
        }
        return new NodeStatus(localAddress, stack.localIp(), List.copyOf(endpoints), List.copyOf(connections), now,
            overlay.udpBlocked(), overlay.relayGrants().size(), self(), List.copyOf(routes), null);
    }

    private NodeStatus.Member self()
    {
        return sessions == null ? null : NodeStatus.Member.of(sessions.ownCertificate());
    }
}
