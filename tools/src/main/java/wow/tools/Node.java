package wow.tools;

import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.SystemEpochClock;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.session.CertifiedLeases;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.session.Revocations;
import wow.controlplane.session.SessionCounters;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.SessionPublication;
import wow.controlplane.StaticPeerConductor;
import wow.controlplane.NodeStatus;
import wow.controlplane.ConductorContext;
import wow.controlplane.OverlayConductor;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.dataplane.transport.TcpBridge;
import wow.controlplane.StatusSource;
import wow.controlplane.EventLog;
import wow.controlplane.identity.Identity;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.journal.FibJournal;
import wow.controlplane.journal.FibRecord;
import wow.dataplane.DataPlane;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.ShimTapPort;
import wow.dataplane.port.ShimUdpPort;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.status.CountersFile;
import wow.shim.TapDevice;
import wow.shim.UdpSocket;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One running node: its UDP sockets, TAP device, counters file, data plane and conductor, wired
 * and started in that order and closed in reverse. Created and closed by the main thread (or a
 * test); the planes run on their own threads.
 */
public final class Node implements AutoCloseable
{
    private final NodeConfig config;
    private final EventLog log;
    private final List<UdpSocket> sockets = new ArrayList<>();
    private TapDevice tap;
    private OverlayConductor overlay;
    private TcpBridge tcp;
    private FibJournal journal;
    private java.util.concurrent.ScheduledExecutorService statusWriter;
    private NodeDns dns;
    private MetricsServer metrics;

    /** Name of the status file {@code wow status} reads, rewritten every second. */
    public static final String STATUS_FILE = "status.json";
    /** How often a node listening on any address checks the host's addresses. */
    static final long ADDRESS_CHECK_MS = 500;
    /** The same status as aligned text. */
    public static final String STATUS_TEXT = "status.txt";
    private CountersFile counters;
    private DataPlane dataPlane;
    private boolean closed;

    private Node(final NodeConfig config, final EventLog log)
    {
        this.config = config;
        this.log = log;
    }

    /**
     * Starts a node; on failure everything opened so far is closed again.
     *
     * @throws wow.shim.ShimException naming the problem (no TUN, no privilege, name or port in use).
     */
    public static Node start(final NodeConfig config, final PrintStream logStream)
    {
        final Node node = new Node(config, new EventLog(logStream));
        try
        {
            node.open();
            return node;
        }
        catch (final RuntimeException ex)
        {
            node.close();
            throw ex;
        }
    }

    private void open()
    {
        final Bundle bundle = config.secure() ? loadBundle() : null;
        try
        {
            Files.createDirectories(config.stateDir());
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot create state directory " + config.stateDir() + ": " + ex);
        }
        final Inet4Address listen = inet(config.listenAddress());
        final UdpSocket first = UdpSocket.open(listen, config.listenPort(), config.queues() > 1);
        sockets.add(first);
        for (int q = 1; q < config.queues(); q++)
        {
            sockets.add(UdpSocket.open(listen, first.port(), true));
        }

        byte[] tapMac = new byte[6];
        List<TapPort> taps = null;
        if (config.tapName() != null)
        {
            final Inet4Address address = config.dhcp() ? null : inet(config.virtualIp());
            tap = TapDevice.open(config.tapName(), config.queues(), config.innerMtu(), address, config.prefix(),
                config.offload());
            disableIpv6(config.tapName());
            tapMac = tap.mac();
            taps = new ArrayList<>();
            for (int q = 0; q < config.queues(); q++)
            {
                taps.add(new ShimTapPort(tap.fd(q), config.offload() ? VirtioNetHeader.LENGTH : 0, tap.udpSuperFrames()));
            }
        }
        final List<UdpPort> udps = new ArrayList<>();
        for (final UdpSocket socket : sockets)
        {
            if (config.offload())
            {
                socket.offload(); // UDP GSO and GRO: one trip through the kernel per run of datagrams
            }
            udps.add(new ShimUdpPort(socket));
        }

        // room for the counters of the most links a node accepts, of every queue and of the conductor
        counters = CountersFile.create(config.stateDir().resolve("counters"),
            CountersFile.capacityFor(OverlayNode.MAX_CONNECTIONS + config.peers().size(), config.queues()));
        journal = FibJournal.openForWriting(config.stateDir(), config.journalRetentionHours());
        final Identity identity = Identity.loadOrCreate(config.stateDir());
        // a secure node's place on the ring is its certified key's; an insecure one's its identity's
        final byte[] ringAddress = bundle != null ? bundle.certificate().ringAddress() : identity.address();
        // FIB versions go on from the journal's last one, so a version number names one table
        final FibRecord last = lastJournaled();
        final Fib initial = new Fib.Builder(config.dhcp() ? config.dhcpSubnet() : config.virtualIp(), config.prefix(),
            ringAddress).build(last == null ? 1 : last.version() + 1);
        final SessionPublication sessionTables = bundle != null ? new SessionPublication() : null;
        dataPlane = new DataPlane(config.threading(), taps, udps, tapMac, config.innerMtu(), initial, counters, sessionTables);
        dataPlane.errorLog(t -> log.event("agent_error", "error=\"" + t + "\""));
        final DataPlaneProxy down = dataPlane.proxy();
        final RevocationStore revocationFiles = new RevocationStore(config.stateDir(), log);
        final Revocations revocations = bundle == null ? null : new Revocations(bundle.trusted(), revocationFiles::store);
        if (revocations != null)
        {
            revocationFiles.load().forEach(list -> revocations.take(list, false));
        }
        final LinkSessions sessions = bundle == null ? null : new LinkSessions(bundle, sessionTables,
            (endpoint, datagram, offset, length) -> down.send(0, endpoint, datagram, offset, length), new SystemNanoClock(),
            () -> System.currentTimeMillis() / 1000, log, new SessionCounters(counters.manager()), revocations);
        if (bundle == null)
        {
            log.event("insecure", "warning=\"no certificates, no encryption: anyone who can send this node a datagram can " +
                "join, read and inject; for labs and benchmarks only\"");
        }
        final Agent conductor;
        if (config.overlay())
        {
            final ConductorContext ctx = new ConductorContext().localIp(config.virtualIp()).localAddress(ringAddress)
                .prefix(config.prefix()).seeds(config.seeds()).localEndpoints(localEndpoints(first.port()))
                .dataPlane(dataPlane.proxy()).counters(counters.manager()).clock(new SystemEpochClock()).log(log)
                .tapKernelDrops(() -> tapTxDropped(config.tapName())).fibListener(this::journal)
                .overlayConfig(OverlayConfig.defaults().withKeepalive(config.keepaliveMs()))
                .relayBytesPerSecond(relayMbps(bundle) * 125_000L).sessions(sessions).name(hostName(bundle));
            if (bundle != null)
            {
                // leases signed with the certified record key, and taken only with a certificate that allows them
                ctx.leaseSigner(LeaseSigner.ofPrivateKey(bundle.recordPrivateKey(), bundle.certificate().encoded()))
                    .leaseAuthority(new CertifiedLeases(bundle.trusted(), revocations, () -> System.currentTimeMillis() / 1000));
            }
            else
            {
                ctx.leaseSigner(LeaseSigner.ofIdentity(identity));
            }
            if (config.dhcp() && bundle != null && bundle.certificate().prefix() > config.prefix())
            {
                final int pool = bundle.certificate().prefix(); // a pool narrower than the subnet: lease inside it
                ctx.dhcpPool(bundle.certificate().address() & (int)(0xFFFF_FFFFL << (32 - pool)), pool);
            }
            else if (config.dhcp())
            {
                ctx.dhcpSubnet(config.dhcpSubnet());
            }
            if (config.shortcutPps() > 0)
            {
                ctx.shortcuts(new ShortcutPolicy(config.shortcutPps(), NodeConfig.MAX_SHORTCUTS, NodeConfig.SHORTCUT_IDLE_MS,
                    wow.dataplane.ControlMessages.TRAFFIC_SAMPLE));
            }
            boolean needsTcp = config.tcpListen() != 0;
            for (final long seed : config.seeds())
            {
                needsTcp |= wow.dataplane.transport.Endpoints.isTcp(seed);
            }
            if (needsTcp)
            {
                // peers' tcp:// endpoints are reached through bridges to this node's UDP socket
                tcp = new TcpBridge(UdpSocket.endpoint(config.listenAddress(), first.port()), ctx.proxy().tcpEvents());
                if (config.tcpListen() != 0)
                {
                    tcp.listen(config.tcpListen());
                }
                ctx.tcp(tcp);
            }
            if (last != null)
            {
                final java.util.Map<Integer, byte[]> addresses = new java.util.HashMap<>();
                for (final FibRecord.Entry e : last.entries())
                {
                    addresses.put(e.virtualIp(), e.address());
                }
                ctx.resume(addresses);
                log.event("resumed", "fib_version=" + last.version() + " routes=" + addresses.size());
            }
            overlay = new OverlayConductor(ctx);
            conductor = overlay;
        }
        else
        {
            conductor = new StaticPeerConductor(config.virtualIp(), ringAddress, config.prefix(), config.peers(),
                dataPlane.proxy(), counters.manager(), new SystemNanoClock(), config.keepaliveMs(), log,
                () -> tapTxDropped(config.tapName()), this::journal, sessions);
        }
        if (overlay != null && config.dnsDomain() != null)
        {
            dataPlane.announceDns(config.dnsDomain()); // DHCP names the host's own address as its DNS server
            dns = new NodeDns(config.tapName(), config.dnsDomain(), overlay.proxy()::resolveName, counters.manager(), log,
                NodeDns.system(), NodeDns.PORT);
        }
        dataPlane.start(conductor, config.spinUs() * 1000L, config.cpus());
        final StatusSource source = (StatusSource)conductor;
        statusWriter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "wow-status");
            t.setDaemon(true);
            return t;
        });
        final String name = hostName(bundle);
        statusWriter.scheduleWithFixedDelay(() ->
        {
            if (dns != null)
            {
                dns.follow(() -> source.status() == null ? 0 : source.status().virtualIp());
            }
            writeStatus(source, new NodeStatus.Names(name, dns == null ? 0 : dns.serving(), config.dnsDomain()));
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        if (revocations != null)
        {
            // lists `wow revoke` hands this node: to the conductor, which takes and spreads a newer one
            statusWriter.scheduleWithFixedDelay(() -> revocationFiles.collect(revocations), 1, 1,
                java.util.concurrent.TimeUnit.SECONDS);
        }
        if (overlay != null)
        {
            final OverlayConductor pinger = overlay;
            final PingRequests pings = new PingRequests(config.stateDir(), pinger::status, a -> pinger.proxy().probe(a),
                statusWriter);
            statusWriter.scheduleWithFixedDelay(pings::poll, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        if (overlay != null && config.listenAddress() == 0)
        {
            // listening on every address: follow the host's addresses (it may move to another network)
            final int port = first.port();
            final long[][] known = {localEndpoints(port)};
            statusWriter.scheduleWithFixedDelay(() ->
            {
                final long[] now = localEndpoints(port);
                if (!java.util.Arrays.equals(now, known[0]))
                {
                    known[0] = now;
                    overlay.proxy().localEndpointsChanged(now);
                }
            }, ADDRESS_CHECK_MS, ADDRESS_CHECK_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        if (config.metricsHost() != null)
        {
            metrics = new MetricsServer(config.metricsHost(), config.metricsPort(), counters.manager(), source);
            log.event("metrics_serving", "url=http://" + config.metricsHost() + ":" + metrics.port() + "/metrics");
        }
        final String described = config.describe().replace(":" + config.listenPort() + " ", ":" + first.port() + " ");
        log.event("node_started", "address=" + java.util.HexFormat.of().formatHex(ringAddress) + " " + described +
            (tap != null && config.offload() ? " udp_super_frames=" + (tap.udpSuperFrames() ? "on" : "off") : "") +
            (bundle == null ? "" : " name=" + bundle.certificate().name() + " network=" + bundle.certificate().network() +
                " aead=" + AeadBatch.implementation()));
    }

    /** @return the node's host name: its certificate's, or an insecure node's --name (null: none). */
    private String hostName(final Bundle bundle)
    {
        return bundle != null ? bundle.certificate().name().toLowerCase(java.util.Locale.ROOT) : config.name();
    }

    /** @return what the node relays, Mbit/s per queue: nothing if its certificate does not let it relay. */
    private int relayMbps(final Bundle bundle)
    {
        if (bundle != null && !bundle.certificate().relay() && config.relayMbps() > 0)
        {
            log.event("relay_off", "reason=\"certificate " + bundle.certificate().name() + " does not allow relaying\"");
            return 0;
        }
        return config.relayMbps();
    }

    /**
     * Loads the bundle and checks that the configuration keeps within its certificate.
     *
     * @throws IllegalArgumentException one line naming the file or option and the problem.
     */
    private Bundle loadBundle()
    {
        final Bundle bundle = Bundle.load(config.cert(), config.key(), System.currentTimeMillis() / 1000);
        checkAddresses(config, bundle.certificate());
        return bundle;
    }

    /**
     * Checks that the addresses a node is configured with are its certificate's: {@code --ip} one it
     * allows; {@code --dhcp} a pool that holds the subnet or lies in it (it leases inside the pool).
     *
     * @throws IllegalArgumentException one line naming the option and the problem.
     */
    static void checkAddresses(final NodeConfig config, final Certificate cert)
    {
        if (config.virtualIp() != 0 && !cert.allows(config.virtualIp()))
        {
            throw new IllegalArgumentException("--ip " + Ipv4.toString(config.virtualIp()) + " is not an address certificate " +
                cert.name() + " allows (" + cert.addressText() + ")");
        }
        final int subnetMask = (int)(0xFFFF_FFFFL << (32 - config.prefix()));
        if (config.dhcp() && (cert.addressKind() != Certificate.ADDRESS_POOL || !cert.allows(config.dhcpSubnet()) &&
            (cert.address() & subnetMask) != config.dhcpSubnet()))
        {
            throw new IllegalArgumentException("--dhcp needs a certificate for a lease pool in " + Ipv4.toString(
                config.dhcpSubnet()) + "/" + config.prefix() + "; certificate " + cert.name() + " allows " + cert.addressText());
        }
    }

    /**
     * @return the endpoints this node advertises: its listen address, or (listening on any) every
     * IPv4 address of the host's interfaces that are up, but loopback and its own TAP; and its TCP
     * listen endpoint.
     */
    private long[] localEndpoints(final int port)
    {
        final List<Long> local = new ArrayList<>();
        if (config.listenAddress() != 0)
        {
            local.add(UdpSocket.endpoint(config.listenAddress(), port));
        }
        else
        {
            try
            {
                for (final java.net.NetworkInterface nif :
                    java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()))
                {
                    if (!nif.isUp() || nif.isLoopback() || nif.getName().equals(config.tapName()))
                    {
                        continue;
                    }
                    for (final java.net.InetAddress a : java.util.Collections.list(nif.getInetAddresses()))
                    {
                        if (a instanceof Inet4Address && local.size() < 4)
                        {
                            final byte[] b = a.getAddress();
                            local.add(UdpSocket.endpoint(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) |
                                (b[3] & 0xFF), port));
                        }
                    }
                }
            }
            catch (final java.net.SocketException ex)
            {
                log.event("interfaces_unreadable", "error=\"" + ex.getMessage() + "\"");
            }
            java.util.Collections.sort(local);
        }
        if (config.tcpListen() != 0 && wow.dataplane.transport.Endpoints.plain(config.tcpListen()) >>> 16 != 0)
        {
            local.add(config.tcpListen());
        }
        return local.stream().mapToLong(Long::longValue).toArray();
    }

    /** Writes the conductor's latest status to {@code STATE_DIR/status.json}, atomically (the wow-status thread). */
    private void writeStatus(final StatusSource source, final NodeStatus.Names names)
    {
        final NodeStatus known = source.status();
        if (known == null)
        {
            return;
        }
        final NodeStatus status = known.withNames(names);
        try
        {
            for (final String[] file : new String[][] {{STATUS_FILE, status.toJson() + "\n"}, {STATUS_TEXT, status.toTable()}})
            {
                final Path temp = config.stateDir().resolve(file[0] + ".tmp");
                Files.writeString(temp, file[1], StandardCharsets.UTF_8);
                Files.move(temp, config.stateDir().resolve(file[0]), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            log.event("status_write_failed", "error=\"" + ex.getMessage() + "\"");
        }
    }

    /** @return the last FIB version a previous run of this node journaled, or null. */
    private FibRecord lastJournaled()
    {
        try (FibJournal previous = FibJournal.openForReading(config.stateDir()))
        {
            return previous.latest();
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    /** Appends a published FIB version to the journal (conductor thread). */
    private void journal(final Fib fib, final String reason, final String[] linkTypes)
    {
        journal.append(FibRecord.of(fib, System.currentTimeMillis(), reason, linkTypes));
        log.event("fib_published", "version=" + fib.version() + " reason=" + reason + " links=" + fib.linkCount() +
            " routes=" + fib.routeCount());
    }

    /** IPv6 router solicitations and MLD on a fresh TAP would only be counted drops: switch it off. */
    private static void disableIpv6(final String name)
    {
        final Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
        try
        {
            if (Files.isWritable(knob))
            {
                Files.writeString(knob, "1", StandardCharsets.US_ASCII);
            }
        }
        catch (final IOException ignored)
        {
            // best effort: without it IPv6 frames are counted as not_ipv4 drops
        }
    }

    /** @return the TAP's tx_dropped statistic: frames the kernel could not queue to this node. */
    private static long tapTxDropped(final String tapName)
    {
        if (tapName == null)
        {
            return 0;
        }
        try
        {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net", tapName, "statistics", "tx_dropped")).trim());
        }
        catch (final IOException | NumberFormatException ex)
        {
            return 0;
        }
    }

    private static Inet4Address inet(final int address)
    {
        try
        {
            return (Inet4Address)InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(address).array());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("bad address " + Ipv4.toString(address), ex);
        }
    }

    /** @return the overlay conductor, or null for a static-tunnel node. */
    public OverlayConductor overlay()
    {
        return overlay;
    }

    /** @return why the node must stop (its virtual IP is another node's), or null; any thread. */
    public String fatal()
    {
        return overlay == null ? null : overlay.fatal();
    }

    /** @return the UDP port the node listens on. */
    public int port()
    {
        return sockets.get(0).port();
    }

    /** Stops the threads, then removes the TAP and closes sockets and files. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietClose(metrics);
        if (statusWriter != null)
        {
            statusWriter.shutdownNow();
            try
            {
                statusWriter.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            try
            {
                Files.deleteIfExists(config.stateDir().resolve(STATUS_FILE));
                Files.deleteIfExists(config.stateDir().resolve(STATUS_TEXT));
            }
            catch (final IOException ignored)
            {
                // a stale status file is reported as stale by wow status
            }
        }
        CloseHelper.quietClose(dns); // split DNS reverted before the TAP goes
        if (overlay != null && dataPlane != null)
        {
            // leave gracefully: peers repair at once instead of waiting for a timeout
            overlay.proxy().requestLeave();
            final long deadline = System.nanoTime() + 1_000_000_000L;
            while (!overlay.proxy().hasLeft() && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            try
            {
                Thread.sleep(50); // let the queue threads send the goodbyes
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        CloseHelper.quietClose(dataPlane);
        CloseHelper.quietClose(tcp);
        CloseHelper.quietClose(tap);
        CloseHelper.quietCloseAll(sockets);
        CloseHelper.quietClose(journal);
        CloseHelper.quietClose(counters);
        if (dataPlane != null)
        {
            log.event("node_stopped", "tap=" + (config.tapName() == null ? "none" : config.tapName()));
        }
    }
}
