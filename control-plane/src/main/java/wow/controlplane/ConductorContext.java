package wow.controlplane;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.security.Keys;
import wow.controlplane.journal.FibListener;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.transport.TcpBridge;

/**
 * Everything an {@link OverlayConductor} is built from (Aeron's {@code Context}): set on the
 * thread that starts the node, then handed to the conductor's constructor, which reads it once.
 * Required: the ring address, the data plane, the counters, the clock and the log; the rest have
 * defaults (no virtual IP, a new ring, no TCP, no shortcuts, no lease, 5 Gbit/s of relaying).
 */
public final class ConductorContext
{
    private LinkSessions sessions;
    private int localIp;
    private byte[] localAddress;
    private int prefix = 24;
    private long[] seeds = new long[0];
    private long[] localEndpoints = new long[0];
    private DataPlaneProxy dataPlane;
    private CountersManager counters;
    private EpochClock clock;
    private EventLog log;
    private LongSupplier tapKernelDrops = () -> 0;
    private FibListener fibListener = FibListener.NONE;
    private OverlayConfig overlayConfig = OverlayConfig.defaults();
    private LeaseSigner leaseSigner;
    private LeaseAuthority leaseAuthority = LeaseAuthority.OPEN;
    private String name;
    private int dhcpSubnet;
    private int dhcpPrefix;
    private ShortcutPolicy shortcuts;
    private long relayBytesPerSecond = 625_000_000L;
    private TcpBridge tcp;
    private Map<Integer, byte[]> resume = Map.of();
    private Random random;
    private OverlayConductorProxy proxy;

    /** This host's virtual IP (0: a router node, or one that leases an address with {@link #dhcpSubnet}). */
    public ConductorContext localIp(final int ip)
    {
        this.localIp = ip;
        return this;
    }

    /** This node's ring address (its identity's). */
    public ConductorContext localAddress(final byte[] address)
    {
        this.localAddress = address.clone();
        return this;
    }

    /** Prefix length of the virtual subnet. */
    public ConductorContext prefix(final int length)
    {
        this.prefix = length;
        return this;
    }

    /** Packed endpoints of the seeds (none: start a new ring). */
    public ConductorContext seeds(final long[] endpoints)
    {
        this.seeds = endpoints.clone();
        return this;
    }

    /** Packed endpoints this node listens on, to advertise. */
    public ConductorContext localEndpoints(final long[] endpoints)
    {
        this.localEndpoints = endpoints.clone();
        return this;
    }

    /** The data plane's proxy. */
    public ConductorContext dataPlane(final DataPlaneProxy proxy)
    {
        this.dataPlane = proxy;
        return this;
    }

    /** Where link and conductor counters are allocated. */
    public ConductorContext counters(final CountersManager manager)
    {
        this.counters = manager;
        return this;
    }

    /** Wall-clock milliseconds (the overlay's timers). */
    public ConductorContext clock(final EpochClock epochClock)
    {
        this.clock = epochClock;
        return this;
    }

    /** The event log. */
    public ConductorContext log(final EventLog eventLog)
    {
        this.log = eventLog;
        return this;
    }

    /** Reads the TAP's tx_dropped statistic (once a second). */
    public ConductorContext tapKernelDrops(final LongSupplier reader)
    {
        this.tapKernelDrops = reader;
        return this;
    }

    /** Told of every FIB version published (the journal). */
    public ConductorContext fibListener(final FibListener listener)
    {
        this.fibListener = listener;
        return this;
    }

    /** The overlay's timing and shape. */
    public ConductorContext overlayConfig(final OverlayConfig config)
    {
        this.overlayConfig = config;
        return this;
    }

    /**
     * Leases the virtual IP in the DHT under this signer's record key (claimed once joined, renewed,
     * released on leave); without one, under a key made for this run.
     */
    public ConductorContext leaseSigner(final LeaseSigner signer)
    {
        this.leaseSigner = signer;
        return this;
    }

    /**
     * This node's host name (its certificate's, or an insecure lab node's {@code --name}), published
     * in the DHT once its IP is leased; null (the default): none.
     */
    public ConductorContext name(final String hostName)
    {
        this.name = hostName == null ? null : hostName.toLowerCase(java.util.Locale.ROOT);
        return this;
    }

    /** Who may hold a lease (default: {@link LeaseAuthority#OPEN}, an insecure network's). */
    public ConductorContext leaseAuthority(final LeaseAuthority authority)
    {
        this.leaseAuthority = authority;
        return this;
    }

    /** Leases a free virtual IP from this subnet (the node's prefix) instead of a configured one. */
    public ConductorContext dhcpSubnet(final int subnet)
    {
        return dhcpPool(subnet, 0);
    }

    /**
     * Leases a free virtual IP from this pool instead of a configured one.
     *
     * @param poolPrefix the pool's prefix length; 0: the virtual subnet's.
     */
    public ConductorContext dhcpPool(final int base, final int poolPrefix)
    {
        this.dhcpSubnet = base;
        this.dhcpPrefix = poolPrefix;
        return this;
    }

    /** Lets traffic earn shortcut links under this policy (none: no shortcuts). */
    public ConductorContext shortcuts(final ShortcutPolicy policy)
    {
        this.shortcuts = policy;
        return this;
    }

    /** The most this node relays for others, bytes per second per queue. */
    public ConductorContext relayBytesPerSecond(final long limit)
    {
        this.relayBytesPerSecond = limit;
        return this;
    }

    /** Carries links to {@code tcp://} endpoints over this transport; its listener must be {@link #proxy()}'s. */
    public ConductorContext tcp(final TcpBridge bridge)
    {
        this.tcp = bridge;
        return this;
    }

    /** What a previous run knew: virtual IP &rarr; ring address of its last journaled FIB. */
    public ConductorContext resume(final Map<Integer, byte[]> addresses)
    {
        this.resume = Map.copyOf(addresses);
        return this;
    }

    /** Where link ids come from (default: a {@link SecureRandom}; the ids are the links' secrets). */
    public ConductorContext random(final Random source)
    {
        this.random = source;
        return this;
    }

    /** Makes the node secure: every datagram goes over these sessions (null, the default: insecure). */
    public ConductorContext sessions(final LinkSessions linkSessions)
    {
        this.sessions = linkSessions;
        return this;
    }

    LinkSessions sessions()
    {
        return sessions;
    }

    /** @return the proxy other threads reach the conductor through (made on first use; needs the data plane). */
    public OverlayConductorProxy proxy()
    {
        if (proxy == null)
        {
            if (dataPlane == null)
            {
                throw new IllegalStateException("set the data plane before asking for the conductor's proxy");
            }
            final DataPlaneProxy wake = dataPlane;
            proxy = new OverlayConductorProxy(wake::wakeConductor);
        }
        return proxy;
    }

    /** Checks that the required parts are set and fills in the defaults that depend on them. */
    ConductorContext conclude()
    {
        if (localAddress == null || dataPlane == null || counters == null || clock == null || log == null)
        {
            throw new IllegalStateException("a conductor needs its ring address, data plane, counters, clock and log");
        }
        if (random == null)
        {
            random = new SecureRandom();
        }
        proxy();
        return this;
    }

    int localIp()
    {
        return localIp;
    }

    byte[] localAddress()
    {
        return localAddress.clone();
    }

    int prefix()
    {
        return prefix;
    }

    long[] seeds()
    {
        return seeds.clone();
    }

    long[] localEndpoints()
    {
        return localEndpoints.clone();
    }

    DataPlaneProxy dataPlane()
    {
        return dataPlane;
    }

    CountersManager counters()
    {
        return counters;
    }

    EpochClock clock()
    {
        return clock;
    }

    EventLog log()
    {
        return log;
    }

    LongSupplier tapKernelDrops()
    {
        return tapKernelDrops;
    }

    FibListener fibListener()
    {
        return fibListener;
    }

    OverlayConfig overlayConfig()
    {
        return overlayConfig;
    }

    LeaseSigner leaseSigner()
    {
        if (leaseSigner == null)
        {
            leaseSigner = LeaseSigner.ofPrivateKey(Keys.newSigningKey(), new byte[0]);
        }
        return leaseSigner;
    }

    String name()
    {
        return name;
    }

    LeaseAuthority leaseAuthority()
    {
        return leaseAuthority;
    }

    int dhcpSubnet()
    {
        return dhcpSubnet;
    }

    /** @return the prefix length of the pool DHCP addresses come from (the virtual subnet's unless narrower). */
    int dhcpPrefix()
    {
        return dhcpPrefix == 0 ? prefix : dhcpPrefix;
    }

    ShortcutPolicy shortcuts()
    {
        return shortcuts;
    }

    long relayBytesPerSecond()
    {
        return relayBytesPerSecond;
    }

    TcpBridge tcp()
    {
        return tcp;
    }

    Map<Integer, byte[]> resume()
    {
        return resume;
    }

    Random random()
    {
        return random;
    }
}
