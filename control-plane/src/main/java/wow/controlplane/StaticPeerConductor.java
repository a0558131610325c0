package wow.controlplane;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.session.MemberClaims;
import wow.controlplane.identity.Identity;
import wow.controlplane.journal.FibListener;
import wow.controlplane.link.Hello;
import wow.controlplane.link.Link;
import wow.controlplane.link.LinkTable;
import wow.dataplane.ControlMessages;
import wow.dataplane.DataPlaneProxy;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.concurrent.TimeUnit;

/**
 * The conductor of a static-tunnel node ({@code --peer}, like a WireGuard configuration): it owns
 * the link table, answers and sends link handshakes and keepalives, decides liveness, and alone
 * builds and publishes FIB versions. Every method runs on the conductor thread
 * ({@code wow-conductor}, or the shared thread).
 */
public final class StaticPeerConductor implements Agent, StatusSource
{
    /** How often timers are looked at (as often as an idle conductor wakes up). */
    static final long TIMER_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How often the status is rebuilt. */
    static final long STATUS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    /** HELLO resend interval while the handshake is incomplete. */
    static final long HANDSHAKE_RETRY_NS = TimeUnit.SECONDS.toNanos(1);

    private final int localIp;
    private final int prefix;
    private final byte[] localAddress;
    private final DataPlaneProxy dataPlane;
    private final NanoClock clock;
    private final EventLog log;
    private final long keepaliveNs;
    private final long deadNs;
    private final LinkTable links;
    private final AtomicCounter fibPublished;
    private final AtomicCounter controlRejected;
    private final AtomicCounter tapKernelDropped;
    private final LongSupplier tapKernelDrops;
    private final FibListener fibListener;
    private volatile NodeStatus status;
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + Hello.LENGTH]);
    private final MessageHandler upHandler = this::onUp;
    private final LinkSessions sessions;
    private final byte[] peerAddress = new byte[Identity.ADDRESS_LENGTH];

    private long fibVersion;
    private boolean fibDirty;
    private long nextTimerNs;
    private long nextStatusNs;
    private long nowNs;

    /**
     * @param localIp     this host's virtual IP (0 for a node without one).
     * @param localAddress this node's 20-byte ring address (its identity's).
     * @param prefix      prefix length of the virtual subnet.
     * @param peers       static peers.
     * @param dataPlane   the data plane's proxy.
     * @param counters    where link and conductor counters are allocated.
     * @param clock       time source (a manual clock in tests).
     * @param keepaliveMs interval of keepalives on an established link.
     * @param log         event log.
     * @param tapKernelDrops reads how many frames the kernel dropped because the TAP's queue to
     *                    this node was full (interface tx_dropped); looked at once a second.
     * @param fibListener told of every FIB version published (the journal).
     * @param sessions    a secure node's sessions (every datagram goes over them), null on an insecure one.
     */
    public StaticPeerConductor(
        final int localIp,
        final byte[] localAddress,
        final int prefix,
        final List<StaticPeer> peers,
        final DataPlaneProxy dataPlane,
        final CountersManager counters,
        final NanoClock clock,
        final long keepaliveMs,
        final EventLog log,
        final LongSupplier tapKernelDrops,
        final FibListener fibListener,
        final LinkSessions sessions)
    {
        this.sessions = sessions;
        this.fibListener = fibListener;
        this.tapKernelDrops = tapKernelDrops;
        this.localIp = localIp;
        this.prefix = prefix;
        this.localAddress = localAddress.clone();
        this.dataPlane = dataPlane;
        this.clock = clock;
        this.log = log;
        this.keepaliveNs = TimeUnit.MILLISECONDS.toNanos(keepaliveMs);
        this.deadNs = keepaliveNs * 3 + HANDSHAKE_RETRY_NS;
        this.links = new LinkTable(counters);
        for (final StaticPeer peer : peers)
        {
            if (peer.virtualIp() == localIp)
            {
                throw new IllegalArgumentException("--peer " + peer + " names this host's own virtual IP");
            }
            links.add(peer.virtualIp(), new byte[Identity.ADDRESS_LENGTH], peer.endpoint());
        }
        fibPublished = counters.newCounter("fib_published", CounterTypes.FIB_PUBLISHED);
        controlRejected = counters.newCounter("control_rejected", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        tapKernelDropped = counters.newCounter("tap_kernel_tx_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        fibVersion = dataPlane.current().version();
        fibDirty = true;
    }

    @Override
    public String roleName()
    {
        return "wow-conductor";
    }

    @Override
    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = dataPlane.pollControl(upHandler, 64);
        if (nowNs - nextTimerNs >= 0)
        {
            nextTimerNs = nowNs + TIMER_INTERVAL_NS;
            work += onTimer();
        }
        if (fibDirty)
        {
            publishFib();
            work++;
        }
        return work;
    }

    /** @return the link table, for status and tests (conductor thread only). */
    public LinkTable links()
    {
        return links;
    }

    private int onTimer()
    {
        int work = 0;
        if (sessions != null)
        {
            sessions.tick();
        }
        if (nowNs - nextStatusNs >= 0)
        {
            nextStatusNs = nowNs + STATUS_INTERVAL_NS;
            buildStatus();
            tapKernelDropped.setRelease(tapKernelDrops.getAsLong());
        }
        for (final var link : links.all())
        {
            final boolean handshaking = link.remoteId() == 0 || !link.peerKnowsUs();
            if (link.isUp() && nowNs - link.lastHeardNs() > deadNs)
            {
                link.markDown();
                log.event("link_down", link + " reason=timeout");
            }
            final long interval = handshaking || !link.isUp() ? HANDSHAKE_RETRY_NS : keepaliveNs;
            if (nowNs - link.lastSentNs() >= interval)
            {
                sendHello(link);
                work++;
            }
        }
        return work;
    }

    private void buildStatus()
    {
        final long now = System.currentTimeMillis();
        final List<NodeStatus.PeerStatus> connections = new java.util.ArrayList<>();
        for (final Link link : links.all())
        {
            connections.add(new NodeStatus.PeerStatus("static" + (link.isUp() ? "" : "," + link.state().name().toLowerCase()),
                link.address(), link.virtualIp(), link.endpoint(), -1, now - (nowNs - link.upSinceNs()) / 1_000_000,
                now - (nowNs - link.lastHeardNs()) / 1_000_000, null, 0,
                sessions == null ? null : NodeStatus.Member.of(sessions.certificate(link.endpoint()))));
        }
        status = new NodeStatus(localAddress, localIp, List.of(), List.copyOf(connections), now,
            sessions == null ? null : NodeStatus.Member.of(sessions.ownCertificate()));
    }

    @Override
    public NodeStatus status()
    {
        return status;
    }

    private void sendHello(final Link link)
    {
        WireHeader.writeLinkHeader(sendBuffer, 0, WireHeader.TYPE_CONTROL, link.remoteId());
        Hello.write(sendBuffer, WireHeader.CONTROL_LENGTH, 0, link.localId(), localIp, localAddress);
        final boolean sent = sessions != null ? sessions.send(link.endpoint(), sendBuffer, 0, sendBuffer.capacity()) :
            dataPlane.send(0, link.endpoint(), sendBuffer, 0, sendBuffer.capacity());
        if (sent)
        {
            link.sent(nowNs);
        }
    }

    private void onUp(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (sessions != null && sessions.onUp(type, buffer, index, length))
        {
            return;
        }
        final long endpoint = buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET);
        final int datagram = index + ControlMessages.UP_DATAGRAM_OFFSET;
        final int datagramLength = length - ControlMessages.UP_DATAGRAM_OFFSET;
        if (type != ControlMessages.UP_CONTROL ||
            !Hello.isHello(buffer, datagram + WireHeader.CONTROL_LENGTH, datagramLength - WireHeader.CONTROL_LENGTH))
        {
            controlRejected.increment();
            return;
        }
        final int hello = datagram + WireHeader.CONTROL_LENGTH;
        final var link = links.byVirtualIp(Hello.virtualIp(buffer, hello));
        if (link == null || link.endpoint() != endpoint)
        {
            // Not a configured peer at its configured endpoint: static tunnels accept no one else.
            controlRejected.increment();
            return;
        }
        final int theirId = Hello.linkId(buffer, hello);
        if (theirId == 0)
        {
            controlRejected.increment();
            return;
        }
        final boolean knowsUs = buffer.getInt(datagram + WireHeader.LINK_ID_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) ==
            link.localId();
        final boolean wasUp = link.isUp();
        Hello.address(buffer, hello, peerAddress);
        final int session = buffer.getInt(index + ControlMessages.SESSION_OFFSET);
        if (sessions != null &&
            !MemberClaims.admits(sessions.certificateOf(session), peerAddress, Hello.virtualIp(buffer, hello)))
        {
            controlRejected.increment(); // a member whose certificate gives it neither this address nor this IP
            return;
        }
        if (link.heard(theirId, peerAddress, knowsUs, nowNs))
        {
            fibDirty = true;
        }
        if (!wasUp && link.isUp())
        {
            log.event("link_up", link.toString());
        }
        if (!knowsUs)
        {
            sendHello(link);
        }
    }

    private void publishFib()
    {
        final Fib.Builder builder = new Fib.Builder(localIp, prefix, localAddress);
        links.addTo(builder);
        final Fib fib = builder.build(++fibVersion);
        dataPlane.publish(fib);
        fibPublished.setRelease(fib.version());
        final String[] types = new String[fib.linkCount()];
        java.util.Arrays.fill(types, "[static]");
        fibListener.published(fib, fib.version() == 2 ? "start" : "link_changed", types);
        fibDirty = false;
        buildStatus(); // a link changed state: the status says so at once, not at the next second
    }
}
