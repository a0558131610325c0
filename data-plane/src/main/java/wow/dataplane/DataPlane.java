package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;
import wow.shim.Shim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Wires the data plane of one node: a {@link QueueAgent} per queue with its ports and counters,
 * the control rings to and from the conductor, the FIB publication and the wake-ups; and starts
 * the threads in the chosen {@link ThreadingMode}. Built and closed by the thread that wires the
 * node; {@link #proxy()} is the conductor's way in.
 */
public final class DataPlane implements AutoCloseable
{
    /**
     * Longest time a queue thread blocks in poll: it has no timers of its own (a FIB or a control
     * datagram wakes it through its eventfd), only held packets to expire within a second.
     */
    public static final int QUEUE_POLL_TIMEOUT_MS = 500;
    /**
     * Longest time the conductor (or the shared thread) blocks before it runs its timers: the
     * overlay's tick (250 ms); commands and control frames wake it at once. Each idle wake-up
     * costs more than its work on a busy host, so no more often than the timers need.
     */
    public static final int CONDUCTOR_POLL_TIMEOUT_MS = 250;

    private final ThreadingMode mode;
    private final QueueAgent[] agents;
    private final Wakeup[] wakeups;
    private final Wakeup conductorWakeup;
    private final RingBuffer controlUp;
    private final RingBuffer[] controlDown;
    private final FibPublication fibs;
    private final DataPlaneProxy proxy;
    private final AtomicCounter errors;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AtomicLong lastErrorLog = new AtomicLong();
    private Consumer<Throwable> errorLog = Throwable::printStackTrace;

    /**
     * @param mode     threading mode, which decides how wake-ups are shared.
     * @param taps     one TAP port per queue, or null for a node without a TAP.
     * @param udps     one UDP port per queue.
     * @param tapMac   the kernel side's MAC of the TAP (any 6 bytes without a TAP).
     * @param innerMtu largest IPv4 packet carried.
     * @param initial  the FIB agents start with.
     * @param counters where counters are allocated.
     * @param sessions where the conductor publishes link sessions on a secure node (every datagram
     *                 but a handshake is sealed); null on an insecure one.
     */
    public DataPlane(
        final ThreadingMode mode,
        final List<TapPort> taps,
        final List<UdpPort> udps,
        final byte[] tapMac,
        final int innerMtu,
        final Fib initial,
        final CountersFile counters,
        final SessionPublication sessions)
    {
        if (taps != null && taps.size() != udps.size())
        {
            throw new IllegalArgumentException("one UDP port per TAP queue: " + taps.size() + " vs " + udps.size());
        }
        this.mode = mode;
        final int queues = udps.size();
        wakeups = new Wakeup[mode == ThreadingMode.SHARED ? 1 : queues];
        for (int i = 0; i < wakeups.length; i++)
        {
            wakeups[i] = new Wakeup();
        }
        conductorWakeup = mode == ThreadingMode.SHARED ? wakeups[0] : new Wakeup();
        fibs = new FibPublication(initial, this::wakeAll);
        controlUp = new ManyToOneRingBuffer(ring());
        controlDown = new RingBuffer[queues];
        agents = new QueueAgent[queues];
        errors = counters.manager().newCounter("agent_errors", CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
        for (int q = 0; q < queues; q++)
        {
            controlDown[q] = new OneToOneRingBuffer(ring());
            agents[q] = new QueueAgent(q, taps == null ? null : taps.get(q), udps.get(q), fibs,
                new QueueCounters(counters.manager(), counters.values(), q), tapMac, innerMtu, controlUp, controlDown[q],
                conductorWakeup, SystemNanoClock.INSTANCE, sessions);
        }
        proxy = new DataPlaneProxy(fibs, controlUp, controlDown, this::wake, conductorWakeup);
    }

    private static UnsafeBuffer ring()
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ControlMessages.RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH, 64));
    }

    /** @return the conductor's handle on the data plane. */
    public DataPlaneProxy proxy()
    {
        return proxy;
    }

    /** @return the queue agents, for tests that step them. */
    public QueueAgent[] agents()
    {
        return agents.clone();
    }

    /** Where agent errors are reported (rate-limited to one a second); stderr by default. */
    public void errorLog(final Consumer<Throwable> errorLog)
    {
        this.errorLog = errorLog;
    }

    private void wake(final int queue)
    {
        wakeups[mode == ThreadingMode.SHARED ? 0 : queue].run();
    }

    private void wakeAll()
    {
        for (final Wakeup w : wakeups)
        {
            w.run();
        }
    }

    /**
     * DHCP replies to the TAP host name its own virtual IP as the DNS server and this domain (the
     * node answers DNS there); call before {@link #start}.
     */
    public void announceDns(final String domain)
    {
        if (domain.length() > wow.dataplane.protocol.Dhcp.MAX_DOMAIN)
        {
            throw new IllegalArgumentException("a DNS domain of at most " + wow.dataplane.protocol.Dhcp.MAX_DOMAIN + " bytes");
        }
        for (final QueueAgent agent : agents)
        {
            agent.dnsDomain(domain.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /**
     * Starts the threads: in DEDICATED mode {@code wow-queue-N} per queue and {@code wow-conductor};
     * in SHARED mode one {@code wow-shared} thread for all.
     *
     * @param spinNs how long a data-plane thread spins after its last work before it blocks.
     * @param cpus   CPUs to pin queue threads to, queue q on {@code cpus[q % cpus.length]} (the shared
     *               thread on {@code cpus[0]}); empty to leave placement to the scheduler.
     */
    public void start(final Agent conductor, final long spinNs, final int[] cpus)
    {
        if (mode == ThreadingMode.DEDICATED)
        {
            for (int q = 0; q < agents.length; q++)
            {
                runners.add(new AgentRunner(
                    new PollIdleStrategy(agents[q].pollFds(), wakeups[q].fd(), QUEUE_POLL_TIMEOUT_MS, spinNs, agents[q]::ready),
                    this::onError,
                        errors, agents[q]));
            }
            runners.add(new AgentRunner(new PollIdleStrategy(new int[0], conductorWakeup.fd(), CONDUCTOR_POLL_TIMEOUT_MS, 0,
                null),
                this::onError, errors, conductor));
        }
        else
        {
            final List<Agent> all = new ArrayList<>(List.of(agents));
            final List<Integer> fds = new ArrayList<>();
            final int[] firstBit = new int[agents.length];
            for (int q = 0; q < agents.length; q++)
            {
                firstBit[q] = fds.size();
                for (final int fd : agents[q].pollFds())
                {
                    fds.add(fd);
                }
            }
            all.add(conductor);
            final int polled = fds.size();
            runners.add(new AgentRunner(
                new PollIdleStrategy(fds.stream().mapToInt(Integer::intValue).toArray(), wakeups[0].fd(),
                    CONDUCTOR_POLL_TIMEOUT_MS, spinNs, mask -> readyShared(mask, firstBit, polled)),
                this::onError, errors, new CompositeAgent(all)));
        }
        for (int i = 0; i < runners.size(); i++)
        {
            final boolean isQueueThread = mode == ThreadingMode.SHARED || i < agents.length;
            final int cpu = cpus.length == 0 || !isQueueThread ? -1 : cpus[i % cpus.length];
            AgentRunner.startOnThread(runners.get(i), task -> new Thread(() ->
            {
                if (cpu >= 0)
                {
                    final String thread = Thread.currentThread().getName();
                    Shim.check(Shim.lib().wow_pin_thread(cpu), "cannot pin " + thread + " to CPU " + cpu);
                }
                task.run();
            }));
        }
    }

    /**
     * Hands each queue agent its share of the shared thread's poll mask: its own bits where the mask
     * has one per fd (the first 62), else "any may be ready" on every wake-up.
     */
    private void readyShared(final long mask, final int[] firstBit, final int polled)
    {
        for (int q = 0; q < agents.length; q++)
        {
            final int end = q + 1 < agents.length ? firstBit[q + 1] : polled;
            agents[q].ready(mask == -1L || end > 62 ? -1L : mask >>> firstBit[q]);
        }
    }

    private void onError(final Throwable t)
    {
        final long now = System.currentTimeMillis();
        final long last = lastErrorLog.get();
        if (now - last >= 1000 && lastErrorLog.compareAndSet(last, now))
        {
            errorLog.accept(t);
        }
    }

    /** Stops the threads (each finishes its duty cycle) and frees the wake-ups. */
    @Override
    public void close()
    {
        CloseHelper.closeAll(runners);
        runners.clear();
        CloseHelper.closeAll(wakeups);
        if (mode != ThreadingMode.SHARED)
        {
            conductorWakeup.close();
        }
    }
}
