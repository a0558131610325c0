package wow.dataplane;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.status.QueueCounters;

/**
 * Moves the packets of one TAP queue and its UDP socket; every method runs on this agent's
 * thread. It is composed of parts: the {@link Egress} path (with the {@link HostResponder}, the
 * {@link Segmenter} and the {@link ResolutionHold}), the {@link Ingress} path (with the
 * {@link TransitForwarder}), the {@link ConductorUplink} and {@link ControlDownlink}, and the
 * {@link BatchSender}. One duty cycle:
 * <ol>
 * <li>one volatile read of the current FIB (its version is recorded in a counter) and one read of
 *     the clock, which every part of the cycle uses (a secure node's sealer and opener read the
 *     session table once per batch);</li>
 * <li>held packets the new FIB can route go first; egress pauses once when a route became direct;</li>
 * <li>egress: a batch from the TAP, encapsulated and sent with one sendmmsg;</li>
 * <li>ingress: a batch from the socket, delivered, forwarded or handed up;</li>
 * <li>what the conductor queued on this queue's down ring.</li>
 * </ol>
 * Once its idle strategy reports which of its fds poll found readable ({@link #ready}), it reads
 * only those, until a read finds nothing: a packet costs no reads that come back empty (except
 * the TAP after frames were written to it, whose answer, an echo reply or an ACK, is often there
 * at once). Nothing here allocates, locks or logs; every discarded packet is counted by reason.
 * Both directions live in one agent so that a flow stays on one core end to end.
 */
public final class QueueAgent implements Agent
{
    /** Frames or datagrams per batch. */
    public static final int BATCH = 64;
    /** Largest frame or datagram a slot takes. */
    public static final int MAX_FRAME = 2048;
    /** Largest TAP frame with TSO: a 64 KiB IPv4 packet and its Ethernet header. */
    public static final int MAX_SUPER_FRAME = 65_536 + 64;
    /** Datagrams per sendmmsg: one TAP batch of super-frames becomes many segments. */
    public static final int SEND_BATCH = 256;
    /** How long egress pauses when a route becomes direct: longer than the old path's extra delay. */
    static final long SWITCH_PAUSE_NS = 10_000_000;

    private final int queue;
    private final TapPort tap;
    private final UdpPort udp;
    private final FibPublication fibs;
    private final QueueCounters counters;
    private final NanoClock clock;
    private final LinkTally tally = new LinkTally();
    private final ResolutionHold hold;
    private final Egress egress;
    private final HostResponder hostResponder;
    private final Ingress ingress;
    private final ControlDownlink downlink;
    private final LinkSealer sealer;
    private final LinkOpener opener;
    private final EndToEndSealer endToEndSealer;
    private final EndToEndOpener endToEndOpener;
    private final SessionPublication sessions;
    private final PartialChecksums partialChecksums;
    private Fib appliedFib;
    private SessionTable appliedEndToEnd;
    private long egressPausedUntilNs;
    /** Poll says which ports to read ({@link #ready} was called): until then, every duty cycle reads both. */
    private boolean tracked;
    private boolean tapReady = true;
    private boolean udpReady = true;

    /**
     * @param queue       queue number, for names and counters.
     * @param tap         the TAP queue, or null for a node without a TAP.
     * @param udp         this queue's UDP socket.
     * @param fibs        where the conductor publishes FIB versions.
     * @param counters    this queue's counters.
     * @param tapMac      the kernel side's MAC: destination of frames written to the TAP.
     * @param innerMtu    largest IPv4 packet carried.
     * @param controlUp   ring to the conductor (many writers).
     * @param controlDown ring from the conductor to this queue (one writer).
     * @param conductorWakeup signalled once after a batch that handed something up.
     * @param clock       read once per duty cycle: what timers and rate limits compare against.
     * @param sessions    the link sessions on a secure node (all but handshakes sealed), null on an insecure one.
     */
    public QueueAgent(
        final int queue,
        final TapPort tap,
        final UdpPort udp,
        final FibPublication fibs,
        final QueueCounters counters,
        final byte[] tapMac,
        final int innerMtu,
        final RingBuffer controlUp,
        final RingBuffer controlDown,
        final Runnable conductorWakeup,
        final NanoClock clock,
        final SessionPublication sessions)
    {
        this.queue = queue;
        this.tap = tap;
        this.udp = udp;
        this.fibs = fibs;
        this.counters = counters;
        this.clock = clock;
        final int vnet = tap == null ? 0 : tap.vnetHeaderLength();
        this.partialChecksums = new PartialChecksums(vnet);
        final ConductorUplink uplink = new ConductorUplink(queue, controlUp, counters, conductorWakeup);
        this.sealer = sessions == null ? null : new LinkSealer(sessions, counters, SEND_BATCH);
        this.opener = sessions == null ? null : new LinkOpener(sessions, counters, uplink, BATCH);
        this.sessions = sessions;
        this.endToEndSealer = sessions == null ? null : new EndToEndSealer(sessions, counters, SEND_BATCH);
        this.endToEndOpener = sessions == null ? null : new EndToEndOpener(sessions, counters, uplink, BATCH);
        final BatchSender sender = new BatchSender(tap, udp, counters, sealer);
        this.hold = new ResolutionHold(counters, MAX_FRAME);
        this.hostResponder = new HostResponder(counters, tapMac, innerMtu, vnet);
        this.egress = new Egress(tap, vnet, innerMtu, counters, hostResponder,
            new Segmenter(vnet != 0 ? SEND_BATCH : 1, innerMtu), hold, uplink, sender, tally,
            endToEndSealer, partialChecksums);
        this.ingress = new Ingress(tap, udp, vnet, tapMac, counters, new TransitForwarder(counters, tally, uplink), uplink,
            sender, tally, opener, endToEndOpener, partialChecksums);
        this.downlink = new ControlDownlink(controlDown, counters, sender);
    }

    /** DHCP replies name the host's own address as its DNS server and this domain (ASCII); before the thread starts. */
    void dnsDomain(final byte[] domain)
    {
        hostResponder.dnsDomain(domain);
    }

    @Override
    public String roleName()
    {
        return "wow-queue-" + queue;
    }

    /** @return the fds to poll when idle: the TAP queue's (if any) and the socket's. */
    public int[] pollFds()
    {
        if (tap == null || tap.pollFd() < 0)
        {
            return udp.pollFd() < 0 ? new int[0] : new int[] {udp.pollFd()};
        }
        return udp.pollFd() < 0 ? new int[] {tap.pollFd()} : new int[] {tap.pollFd(), udp.pollFd()};
    }

    /**
     * What the idle strategy's poll found readable, as a mask over {@link #pollFds} (bit i for fd i;
     * {@code -1}: any may be). Agent thread.
     */
    public void ready(final long mask)
    {
        tracked = true;
        final boolean tapPolled = tapPolled();
        tapReady |= tapPolled && (mask & 1L) != 0;
        udpReady |= (mask & (tapPolled ? 2L : 1L)) != 0;
    }

    private boolean tapPolled()
    {
        return tap != null && tap.pollFd() >= 0;
    }

    @Override
    public int doWork()
    {
        final Fib fib = fibs.current();
        final long nowNs = clock.nanoTime();
        egress.begin(fib, nowNs);
        ingress.begin(fib, nowNs);
        int work = 0;
        final SessionTable endToEnd = sessions == null ? null : sessions.endToEnd();
        if (endToEnd != appliedEndToEnd)
        {
            appliedEndToEnd = endToEnd;
            if (fib == appliedFib && !hold.isEmpty())
            {
                work += hold.release(fib, egress, nowNs); // a session some held packets waited for may be there
            }
        }
        if (fib != appliedFib)
        {
            if (appliedFib != null && shortened(appliedFib, fib))
            {
                // a destination moved from an overlay route to a direct link (a shortcut): packets
                // sent now would overtake those still on the longer path, and TCP would take the
                // reordering for loss. Stop reading the TAP for one path delay (the kernel queues
                // the frames), so the longer path drains first.
                egressPausedUntilNs = nowNs + SWITCH_PAUSE_NS;
                counters.pathSwitchPauses.incrementRelease();
            }
            appliedFib = fib;
            counters.fibVersion.setRelease(fib.version());
            tally.ensure(fib.linkCount());
            partialChecksums.apply(fib.linkCount());
            if (!hold.isEmpty())
            {
                work += hold.release(fib, egress, nowNs); // a new FIB may know where held packets go: send them first, in order
            }
        }
        else if (!hold.isEmpty())
        {
            hold.expire(fib, egress, nowNs);
        }
        if (tap != null)
        {
            if (egressPausedUntilNs == 0 || nowNs - egressPausedUntilNs >= 0)
            {
                egressPausedUntilNs = 0;
                if (tapReady)
                {
                    work += egress.poll();
                    tapReady = !tracked || !tapPolled() || !tap.drained();
                }
            }
            else
            {
                work++; // stay awake until the pause ends
            }
        }
        if (udpReady)
        {
            work += ingress.poll();
            udpReady = !tracked || udp.pollFd() < 0 || !udp.drained();
            tapReady |= ingress.answerMayFollow(); // the kernel may have answered within the write
        }
        work += downlink.drain();
        return work;
    }

    @Override
    public void onClose()
    {
        if (sealer != null)
        {
            sealer.close();
            opener.close();
            endToEndSealer.close();
            endToEndOpener.close();
        }
    }

    /** @return true if some destination routed (not direct) in {@code before} is direct in {@code after}. */
    private static boolean shortened(final Fib before, final Fib after)
    {
        for (int r = 0; r < after.routeCount(); r++)
        {
            if (after.routeDirect(r))
            {
                final int old = before.route(after.routeIp(r));
                if (old != Fib.NONE && !before.routeDirect(old) && before.routeNextHop(old) != Fib.NONE)
                {
                    return true;
                }
            }
        }
        return false;
    }
}
