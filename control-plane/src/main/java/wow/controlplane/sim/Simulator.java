package wow.controlplane.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.SplittableRandom;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;

/**
 * Runs the real control-plane code of many nodes — each an {@link wow.controlplane.OverlayStack},
 * as a conductor drives it: overlay, virtual-IP registration and resolution, leases, shortcuts —
 * on a simulated network and a virtual clock: one-way latency with a little jitter, optional
 * message loss, churn (graceful leaves, crashes and new joins), optional leasing of addresses
 * from a subnet and optional flows that earn shortcuts ({@link SimNetwork}). The nodes' events run
 * on several workers at once ({@link SimWorker}, {@link SimCrew}), in windows no longer than the
 * network's shortest delay; this class is the coordinator, which runs its own events (joins,
 * churn, checks, probes) between windows, from one seeded random source. Deterministic: the same
 * seed gives the same run with any number of workers. Used by {@code wow sim} and the tests; its
 * methods are called by the coordinator's thread, except {@link #byEndpoint} and
 * {@link #measures}, which workers call too.
 */
public final class Simulator
{
    /**
     * What to simulate.
     *
     * @param leases nodes lease their virtual IPs from a subnet (signed, quorum-decided) instead of
     *               having fixed ones.
     * @param flows  pairs of nodes not linked to each other that exchange traffic from half-time on,
     *               which should earn them shortcut links.
     * @param partition a share of the nodes cut off from the rest for a while, or null.
     * @param liarsPct  the share of the nodes that lie ({@link SimLiar}), 0 for none.
     * @param joinRate  nodes joining per second from the start; 0: spread evenly over 40 % of the run.
     */
    public record Options(int nodes, long seed, double latencyMs, double loss, double churnPctPerMin, double durationS,
        boolean leases, int flows, Partition partition, double liarsPct, double joinRate)
    {
        public Options
        {
            if (nodes < 1 || latencyMs < 0 || loss < 0 || loss >= 1 || churnPctPerMin < 0 || durationS <= 0 || flows < 0 ||
                liarsPct < 0 || liarsPct >= 100 || joinRate < 0 || joinRate > 0 && (nodes - 1) / joinRate >= durationS)
            {
                throw new IllegalArgumentException("bad simulation options: nodes >= 1, latency >= 0, 0 <= loss < 1, " +
                    "churn >= 0, duration > 0, flows >= 0, 0 <= liars < 100, join rate >= 0 and every join before the end");
            }
        }

        /** Joins spread over 40 % of the run. */
        public Options(final int nodes, final long seed, final double latencyMs, final double loss, final double churnPctPerMin,
            final double durationS, final boolean leases, final int flows, final Partition partition, final double liarsPct)
        {
            this(nodes, seed, latencyMs, loss, churnPctPerMin, durationS, leases, flows, partition, liarsPct, 0);
        }

        /** No liars. */
        public Options(final int nodes, final long seed, final double latencyMs, final double loss, final double churnPctPerMin,
            final double durationS, final boolean leases, final int flows, final Partition partition)
        {
            this(nodes, seed, latencyMs, loss, churnPctPerMin, durationS, leases, flows, partition, 0);
        }

        /** Fixed addresses, no flows, no partition. */
        public Options(final int nodes, final long seed, final double latencyMs, final double loss, final double churnPctPerMin,
            final double durationS)
        {
            this(nodes, seed, latencyMs, loss, churnPctPerMin, durationS, false, 0, null, 0);
        }
    }

    /**
     * A network partition: {@code percent} of the nodes cannot reach the others (nor they them) from
     * {@code startS} for {@code durationS} seconds; nodes that join meanwhile land on either side in
     * the same proportion.
     */
    public record Partition(double percent, double startS, double durationS)
    {
        public Partition
        {
            if (percent <= 0 || percent >= 100 || startS < 0 || durationS <= 0)
            {
                throw new IllegalArgumentException("bad partition: 0 < PCT < 100, START_S >= 0, DURATION_S > 0");
            }
        }
    }

    /**
     * What the simulation measured (the keys of {@code wow sim --json}); a figure of something not
     * simulated is NaN (null in JSON).
     */
    public record Result(
        int nodes,
        double routableFraction,
        double ringCorrectFraction,
        double hopsMean,
        double hopsP99,
        double joinMsP50,
        double joinMsP99,
        double resolvedFraction,
        double leasedFraction,
        double duplicateAddresses,
        double leaseConflicts,
        double shortcutFraction,
        double shortcutMsP50,
        double healMs,
        double convergeS,
        double liars,
        double hijacked,
        double leaseRecordsMean,
        double leaseRecordsMax,
        double messagesPerNodePerS,
        double wallS)
    {
        /** @return one JSON object with exactly the documented keys. */
        public String toJson()
        {
            return String.format(Locale.ROOT, "{\"nodes\":%d,\"routable_fraction\":%.4f,\"ring_correct_fraction\":%.4f," +
                "\"hops_mean\":%.3f,\"hops_p99\":%.1f,\"join_ms_p50\":%.1f,\"join_ms_p99\":%.1f,\"resolved_fraction\":%s," +
                "\"leased_fraction\":%s,\"duplicate_addresses\":%s,\"lease_conflicts\":%s,\"shortcut_fraction\":%s," +
                "\"shortcut_ms_p50\":%s,\"heal_ms\":%s,\"converge_s\":%s,\"liars\":%s,\"hijacked\":%s," +
                "\"lease_records_mean\":%.1f,\"lease_records_max\":%.0f,\"messages_per_node_per_s\":%.3f," +
                "\"wall_s\":%.2f}", nodes, routableFraction, ringCorrectFraction, hopsMean, hopsP99, joinMsP50, joinMsP99,
                json(resolvedFraction, "%.4f"),
                json(leasedFraction, "%.4f"), json(duplicateAddresses, "%.0f"), json(leaseConflicts, "%.0f"),
                json(shortcutFraction, "%.4f"), json(shortcutMsP50, "%.1f"), json(healMs, "%.0f"), json(convergeS, "%.1f"),
                json(liars, "%.0f"),
                json(hijacked, "%.0f"), leaseRecordsMean, leaseRecordsMax, messagesPerNodePerS, wallS);
        }

        private static String json(final double value, final String format)
        {
            return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, format, value);
        }
    }

    /** Seeds a joining node is given, as an operator would list several. */
    private static final int SEEDS_PER_JOIN = 3;
    private static final long SETTLE_AFTER_CHURN_MS = 30_000;
    /** Leased addresses come from a subnet of 10.128.0.0 with room for four times the nodes. */
    private static final int LEASE_SUBNET = 0x0A800000;

    private final Options options;
    private final Random random;
    private final OverlayConfig config = OverlayConfig.defaults();
    /** The simulator's own events, by (time, order of scheduling). */
    private final PriorityQueue<SimEventQueue.Event> events = new PriorityQueue<>(SimEventQueue.ORDER);
    private long eventSequence;
    private final SimNetwork network;
    private final SimWorker[] workers;
    /** Every node started, in order: the i-th has the endpoint {@link SimNode#endpointOf}(i). */
    private final List<SimNode> all = new ArrayList<>();
    /** The nodes started and not yet found routable, in the order they started (a subsequence of all). */
    private final List<SimNode> joining = new ArrayList<>();
    private final SimLeaseAuthority leaseAuthority = new SimLeaseAuthority();
    private final SimLiar liars;
    /** The liars started, in order. */
    private final List<SimNode> liarNodes = new ArrayList<>();
    private final List<Long> joinTimes = new ArrayList<>();
    private final SimMeasures measures;
    private final int leasePrefix;
    /** The coordinator's now: the time the last window ended. */
    private long now;
    private int nextIndex;
    /** Nodes started in place of those that stopped on an address conflict. */
    private int restarted;
    /** After a partition: how long until every node's near neighbours were the true ones again (-1: not by the end). */
    private long healMs = -1;
    private long convergeMs = -1;

    /** @return what the liars say. */
    SimLiar liars()
    {
        return liars;
    }

    /** @return a random live node that does not lie, or null. */
    SimNode randomHonest()
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            final SimNode n = randomAlive(false);
            if (n != null && !n.liar)
            {
                return n;
            }
        }
        return null;
    }

    /** A simulator with one worker per core (up to 8). */
    public Simulator(final Options options)
    {
        this(options, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * @param workers threads that run the nodes' events; the output does not depend on it (with a
     *                latency under half a millisecond there is no lookahead, and one is used).
     */
    public Simulator(final Options options, final int workers)
    {
        if (workers < 1)
        {
            throw new IllegalArgumentException("workers >= 1");
        }
        this.options = options;
        this.random = new Random(options.seed());
        this.measures = new SimMeasures(this, random, config);
        this.liars = new SimLiar(this);
        this.network = new SimNetwork(this, options.latencyMs(), options.loss());
        this.workers = new SimWorker[network.lookaheadMs() >= 1 ? workers : 1];
        for (int i = 0; i < this.workers.length; i++)
        {
            this.workers[i] = new SimWorker(i, this.workers.length, leaseAuthority.sharingBindings());
        }
        int prefix = 30;
        while (prefix > 8 && (1L << (32 - prefix)) - 2 < 4L * options.nodes())
        {
            prefix--;
        }
        this.leasePrefix = prefix;
    }

    long now()
    {
        return now;
    }

    /** Schedules one of the simulator's own events (joins, churn, checks, probes): run between windows, in order. */
    void schedule(final long time, final Runnable action)
    {
        if (network.inWindow)
        {
            throw new IllegalStateException("the simulator's own events are scheduled between windows only");
        }
        events.add(new SimEventQueue.Event(action, time, now, -1, eventSequence++));
    }

    /** @return the network between the nodes. */
    SimNetwork network()
    {
        return network;
    }

    /** @return what the simulator measures. */
    SimMeasures measures()
    {
        return measures;
    }

    SimNode byEndpoint(final long endpoint)
    {
        final int index = SimNode.indexOf(endpoint);
        return index >= 0 && index < all.size() ? all.get(index) : null;
    }

    /** Starts a node that joins through up to three random routable nodes (none: it starts the ring). */
    private SimNode startNode(final boolean first)
    {
        final List<SimNode> seeds = new ArrayList<>();
        for (int i = 0; i < SEEDS_PER_JOIN && !first; i++)
        {
            final SimNode s = randomAlive(true);
            if (s != null && !seeds.contains(s))
            {
                seeds.add(s);
            }
        }
        final byte[] address = new byte[Ring.ADDRESS_LENGTH];
        random.nextBytes(address);
        final byte[] recordKey = new byte[32]; // from the run's seed: the same seed, the same run
        random.nextBytes(recordKey);
        final int index = nextIndex++;
        final boolean leases = options.leases();
        final ShortcutPolicy shortcuts = options.flows() > 0 ? new ShortcutPolicy(100, 16, 30_000, SimNode.SAMPLE_PACKETS) : null;
        final SimNode n = new SimNode(this, index, address, leases ? 0 : 0x0A800000 + index, leases ? LEASE_SUBNET : 0,
            leases ? leasePrefix : 9, LeaseSigner.ofPrivateKey(recordKey, new byte[0]), config, shortcuts,
            new Random(random.nextLong()), workers[index % workers.length], new SplittableRandom(random.nextLong()));
        n.cutOff = network.partitioned && random.nextDouble() * 100 < options.partition().percent();
        n.liar = options.liarsPct() > 0 && random.nextDouble() * 100 < options.liarsPct();
        // what its certificate would say: its record key holds its ring address and its address (or the pool)
        leaseAuthority.bind(n.signer.publicKey(), address, leases ? LEASE_SUBNET : 0x0A800000 + index, leases ? leasePrefix : 32);
        all.add(n);
        joining.add(n);
        if (n.liar)
        {
            liarNodes.add(n);
        }
        n.joinStartMs = now;
        n.stack.start(seeds.stream().mapToLong(s -> s.endpoint).toArray(), now);
        n.routable = seeds.isEmpty();
        if (seeds.isEmpty())
        {
            joinTimes.add(0L);
        }
        n.startTicks(now + random.nextInt((int)SimNode.TICK_MS));
        return n;
    }

    SimNode randomAlive(final boolean routableOnly)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            final SimNode n = all.get(random.nextInt(all.size()));
            if (n.alive && (!routableOnly || n.routable))
            {
                return n;
            }
        }
        for (final SimNode n : all)
        {
            if (n.alive && (!routableOnly || n.routable))
            {
                return n;
            }
        }
        return null;
    }

    private void checkJoins()
    {
        for (final SimNode n : joining)
        {
            if (n.alive && !n.routable)
            {
                final SimNode a = randomAlive(true);
                final SimNode b = randomAlive(true);
                if (a != null && b != null && a != n && b != n && measures.reaches(a, n) && measures.reaches(b, n))
                {
                    n.routable = true;
                    joinTimes.add(now - n.joinStartMs);
                }
            }
        }
        joining.removeIf(n -> n.routable || !n.alive); // scanning every node 10 times a second cost more than the joins
        schedule(now + 100, this::checkJoins);
    }

    /** Runs the simulation to the end and measures. */
    public Result run()
    {
        final long wallStart = System.nanoTime();
        final long duration = Math.round(options.durationS() * 1000);
        // everyone joins within the first 40 % of the run (or at the rate asked), each through a random node already in
        final long joinWindow = options.joinRate() > 0 ? Math.round((options.nodes() - 1) / options.joinRate() * 1000) :
            duration * 2 / 5;
        schedule(joinWindow, () -> watchRing(joinWindow, ms -> convergeMs = ms));
        startNode(true);
        for (int i = 1; i < options.nodes(); i++)
        {
            final long at = joinWindow * i / Math.max(1, options.nodes() - 1);
            schedule(at, () -> startNode(false));
        }
        schedule(100, this::checkJoins);
        final long churnEnd = Math.max(joinWindow, duration - SETTLE_AFTER_CHURN_MS);
        if (options.churnPctPerMin() > 0)
        {
            scheduleChurn(joinWindow + 5_000, churnEnd);
        }
        if (options.liarsPct() > 0)
        {
            scheduleClaims(SimLiar.CLAIM_EVERY_MS);
        }
        if (options.flows() > 0)
        {
            schedule(duration / 2, () -> measures.startFlows(options.flows()));
        }
        if (options.partition() != null)
        {
            final Partition p = options.partition();
            schedule(Math.round(p.startS() * 1000), () ->
            {
                network.partitioned = true;
                for (final SimNode n : all)
                {
                    n.cutOff = random.nextDouble() * 100 < p.percent();
                }
            });
            final long healedAt = Math.round((p.startS() + p.durationS()) * 1000);
            schedule(healedAt, () ->
            {
                network.partitioned = false;
                watchRing(healedAt, ms -> healMs = ms);
            });
        }
        final SimMeasures.Probes probes;
        try (SimCrew crew = new SimCrew(workers))
        {
            runUntil(duration, crew);
            probes = measures.startProbes();
            runUntil(duration + SimMeasures.PROBE_WINDOW_MS, crew);
        }
        long transmissions = 0;
        int leaseConflicts = 0;
        for (final SimWorker w : workers)
        {
            transmissions += w.transmissions;
            leaseConflicts += w.conflicts;
        }
        final List<SimNode> alive = new ArrayList<>();
        for (final SimNode n : all)
        {
            if (n.alive)
            {
                alive.add(n);
            }
        }
        return measures.result(alive, probes, joinTimes, options.leases(), leaseConflicts, options.flows() > 0,
            options.partition() == null ? Double.NaN : healMs, convergeMs < 0 ? Double.NaN : convergeMs / 1000.0,
            options.liarsPct() == 0 ? Double.NaN : alive.stream().filter(n -> n.liar).count(),
            (double)transmissions / Math.max(1, all.size()) / ((duration + SimMeasures.PROBE_WINDOW_MS) / 1000.0),
            (System.nanoTime() - wallStart) / 1e9);
    }

    /**
     * Checks once a second from {@code since} (the cut healed, the last join) whether every node's
     * near neighbours are right; tells {@code done} how long that took.
     */
    private void watchRing(final long since, final java.util.function.LongConsumer done)
    {
        final List<SimNode> alive = new ArrayList<>();
        for (final SimNode n : all)
        {
            if (n.alive)
            {
                alive.add(n);
            }
        }
        if (measures.ringCorrect(alive) == 1.0)
        {
            done.accept(now - since);
            return;
        }
        schedule(now + 1_000, () -> watchRing(since, done));
    }

    /**
     * Runs every event before {@code limit}: the simulator's own events due at the start of a
     * window, then the nodes' events of the window on every worker at once. A window ends at the
     * next of the simulator's own events and lasts at most the network's lookahead (the shortest
     * delay), so nothing one node does within it can reach another node before it ends; windows do
     * not depend on the number of workers, and neither does the run.
     */
    private void runUntil(final long limit, final SimCrew crew)
    {
        final long lookahead = network.lookaheadMs();
        while (true)
        {
            for (final SimWorker w : workers)
            {
                w.now = now;
            }
            for (SimEventQueue.Event e = events.peek(); e != null && e.time <= now; e = events.peek())
            {
                events.poll().action.run();
            }
            restartStopped();
            if (now >= limit)
            {
                return;
            }
            long end = events.isEmpty() ? limit : Math.min(limit, events.peek().time);
            if (lookahead >= 1)
            {
                end = Math.min(end, now + lookahead);
            }
            network.inWindow = true;
            crew.runBefore(end);
            network.inWindow = false;
            now = end;
        }
    }

    /** Starts a node for each that stopped on finding its address was another's, as its operator would. */
    private void restartStopped()
    {
        int stopped = 0;
        for (final SimWorker w : workers)
        {
            stopped += w.conflicts;
        }
        for (; restarted < stopped; restarted++)
        {
            startNode(false);
        }
    }

    /** Every 10 s, each live liar claims a random honest node's address. */
    private void scheduleClaims(final long at)
    {
        schedule(at, () ->
        {
            for (final SimNode liar : liarNodes)
            {
                if (liar.alive)
                {
                    liars.claim(liar);
                }
            }
            scheduleClaims(now + SimLiar.CLAIM_EVERY_MS);
        });
    }

    private void scheduleChurn(final long from, final long until)
    {
        // each second, pct/60 % of the nodes leave (half gracefully, half by crashing) and as many join
        schedule(from, () ->
        {
            if (now >= until)
            {
                return;
            }
            final double perSecond = options.nodes() * options.churnPctPerMin() / 100.0 / 60.0;
            int count = (int)perSecond;
            if (random.nextDouble() < perSecond - count)
            {
                count++;
            }
            for (int i = 0; i < count; i++)
            {
                final SimNode victim = randomAlive(false);
                if (victim == null)
                {
                    break;
                }
                if (random.nextBoolean())
                {
                    victim.stack.leave(now);
                }
                victim.alive = false;
                startNode(false);
            }
            scheduleChurn(now + 1_000, until);
        });
    }
}
