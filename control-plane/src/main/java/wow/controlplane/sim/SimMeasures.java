package wow.controlplane.sim;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayNode;

/**
 * What the simulator measures: exact-delivery probes between random pairs (answered, hops), the
 * same pairs' virtual-IP resolution through the DHT, joins, the ring's correctness, the leases
 * held, and the flows that earned a shortcut. The coordinator's thread, except where a probe
 * arrives and is answered: on the workers' threads, synchronized.
 */
final class SimMeasures
{
    static final int PROBE_PAIRS = 1000;
    static final int PROBE_ATTEMPTS = 5;
    static final long PROBE_WINDOW_MS = 20_000;
    private static final long RETRY_MS = 3_000;

    /** The pairs probed and resolved at the end of a run. */
    record Probes(int sent, List<SimNode[]> resolving)
    {
    }

    private record ProbeKey(BigInteger prober, int token)
    {
    }

    /** A flow: its ends and when it started. */
    private record Flow(SimNode from, SimNode to, long startMs)
    {
    }

    private final Simulator sim;
    private final Random random;
    private final OverlayConfig config;
    private final Map<ProbeKey, Integer> probeHopsByToken = new HashMap<>();
    private final List<Integer> probeHops = new ArrayList<>();
    private final List<Flow> flows = new ArrayList<>();
    private final Map<Flow, Long> shortcutAt = new HashMap<>();
    private int probesAnswered;

    SimMeasures(final Simulator sim, final Random random, final OverlayConfig config)
    {
        this.sim = sim;
        this.random = random;
        this.config = config;
    }

    // ------------------------------------------------------------------ probes and resolution

    /** Sends probes between random pairs, and has the same pairs resolve each other's virtual IPs. */
    Probes startProbes()
    {
        int sent = 0;
        final List<SimNode[]> resolving = new ArrayList<>();
        for (int i = 0; i < PROBE_PAIRS; i++)
        {
            final SimNode a = sim.randomHonest();
            final SimNode b = sim.randomHonest();
            if (a == null || b == null)
            {
                break;
            }
            sent++;
            probe(a, b, 0);
            if (a != b)
            {
                resolving.add(new SimNode[] {a, b});
            }
        }
        resolve(resolving, 0);
        return new Probes(sent, resolving);
    }

    private void probe(final SimNode from, final SimNode to, final int attempt)
    {
        final ProbeKey key = new ProbeKey(from.node.value(), from.node.probe(to.node.address()));
        synchronized (this)
        {
            probeHopsByToken.put(key, 0);
        }
        if (attempt < PROBE_ATTEMPTS - 1)
        {
            sim.schedule(sim.now() + RETRY_MS, () ->
            {
                if (probeHopsByToken.remove(key) != null)
                {
                    probe(from, to, attempt + 1);
                }
            });
        }
    }

    /** As the data plane asks while packets wait: each unresolved pair asks again every 3 s. */
    private void resolve(final List<SimNode[]> pairs, final int round)
    {
        for (final SimNode[] p : pairs)
        {
            if (p[0].alive && p[1].stack.localIp() != 0 && !resolved(p))
            {
                p[0].stack.resolve(p[1].stack.localIp(), sim.now());
            }
        }
        if (round < PROBE_ATTEMPTS - 1)
        {
            sim.schedule(sim.now() + RETRY_MS, () -> resolve(pairs, round + 1));
        }
    }

    private static boolean resolved(final SimNode[] p)
    {
        final byte[] address = p[0].stack.resolved().get(p[1].stack.localIp());
        return address != null && Arrays.equals(address, p[1].node.address());
    }

    /** A probe reached its destination after so many hops. */
    synchronized void probeArrived(final BigInteger source, final int token, final int hops)
    {
        probeHopsByToken.computeIfPresent(new ProbeKey(source, token), (k, v) -> hops);
    }

    synchronized void probeAnswered(final SimNode node, final int token)
    {
        final Integer hops = probeHopsByToken.remove(new ProbeKey(node.node.value(), token));
        if (hops != null)
        {
            probesAnswered++;
            probeHops.add(hops);
        }
    }

    // ------------------------------------------------------------------ flows and shortcuts

    /** Starts flows between random pairs that have no link to each other; each samples its traffic. */
    void startFlows(final int count)
    {
        for (int attempt = 0; flows.size() < count && attempt < count * 20; attempt++)
        {
            final SimNode a = sim.randomAlive(true);
            final SimNode b = sim.randomAlive(true);
            if (a == null || b == null || a == b || a.node.connection(b.node.value()) != null ||
                a.flows.containsKey(b.node.value()))
            {
                continue;
            }
            final Flow f = new Flow(a, b, sim.now());
            flows.add(f);
            a.flows.put(b.node.value(), sim.now());
            sampleLoop(f);
        }
    }

    private void sampleLoop(final Flow f)
    {
        if (!f.from().alive || !f.to().alive)
        {
            return;
        }
        final Connection c = f.from().node.connection(f.to().node.value());
        if (c != null && !shortcutAt.containsKey(f))
        {
            shortcutAt.put(f, sim.now() - f.startMs());
        }
        f.from().sampleFlows(sim.now());
        sim.schedule(sim.now() + 1000L * SimNode.SAMPLE_PACKETS / SimNode.FLOW_PPS, () -> sampleLoop(f));
    }

    // ------------------------------------------------------------------ the ring

    /** @return true if greedy exact routing reaches {@code to} from {@code from} over the current tables. */
    boolean reaches(final SimNode from, final SimNode to)
    {
        OverlayNode at = from.node;
        final BigInteger dst = to.node.value();
        for (int hops = 0; hops < 30; hops++)
        {
            if (at.value().equals(dst))
            {
                return true;
            }
            final Connection hop = at.nextHop(dst, null);
            if (hop == null)
            {
                return false;
            }
            final SimNode next = sim.byEndpoint(hop.endpoint());
            if (next == null || !next.alive)
            {
                return false;
            }
            at = next.node;
        }
        return false;
    }

    /** @return the share of the honest nodes whose near neighbours are the true ones (liars are on the ring too). */
    double ringCorrect(final List<SimNode> alive)
    {
        final List<SimNode> sorted = new ArrayList<>(alive);
        sorted.sort(Comparator.comparing(n -> n.node.value()));
        final int n = sorted.size();
        if (n <= 1)
        {
            return 1.0;
        }
        final int per = Math.min(config.nearPerSide(), (n - 1) / 2 == 0 ? 1 : config.nearPerSide());
        int correct = 0;
        int honest = 0;
        for (int i = 0; i < n; i++)
        {
            if (sorted.get(i).liar)
            {
                continue;
            }
            honest++;
            final OverlayNode node = sorted.get(i).node;
            boolean ok = true;
            final List<Connection> right = node.side(true);
            final List<Connection> left = node.side(false);
            for (int k = 1; k <= per && k < n; k++)
            {
                final BigInteger wantRight = sorted.get((i + k) % n).node.value();
                final BigInteger wantLeft = sorted.get(((i - k) % n + n) % n).node.value();
                if (right.size() < k || !right.get(k - 1).value().equals(wantRight) ||
                    left.size() < k || !left.get(k - 1).value().equals(wantLeft))
                {
                    ok = false;
                }
            }
            if (ok)
            {
                correct++;
            }
        }
        return honest == 0 ? 1.0 : (double)correct / honest;
    }

    // ------------------------------------------------------------------ the result

    Simulator.Result result(final List<SimNode> alive, final Probes probes, final List<Long> joinTimes, final boolean leases,
        final int conflicts, final boolean withFlows, final double healMs, final double convergeS, final double liars,
        final double messagesPerNodePerS, final double wallS)
    {
        final double[] hops = probeHops.stream().mapToDouble(Integer::doubleValue).sorted().toArray();
        final double[] joins = joinTimes.stream().mapToDouble(Long::doubleValue).sorted().toArray();
        int resolved = 0;
        int resolvable = 0;
        int hijacked = 0;
        for (final SimNode[] p : probes.resolving())
        {
            if (p[0].alive && p[1].alive && p[1].stack.localIp() != 0)
            {
                resolvable++;
                resolved += resolved(p) ? 1 : 0;
                final byte[] to = p[0].stack.resolved().get(p[1].stack.localIp());
                hijacked += to != null && !Arrays.equals(to, p[1].node.address()) ? 1 : 0;
            }
        }
        double leased = Double.NaN;
        double duplicates = Double.NaN;
        double stopped = Double.NaN;
        if (leases)
        {
            final Map<Integer, Integer> holders = new HashMap<>();
            int held = 0;
            for (final SimNode n : alive)
            {
                if (n.stack.leased() && !n.liar)
                {
                    held++;
                    holders.merge(n.stack.localIp(), 1, Integer::sum);
                }
            }
            leased = alive.isEmpty() ? 1.0 : (double)held / alive.size();
            duplicates = holders.values().stream().filter(c -> c > 1).count();
            stopped = conflicts;
        }
        final double[] records = alive.stream().mapToDouble(n -> n.node.leaseRecords(sim.now())).sorted().toArray();
        double shortcutFraction = Double.NaN;
        double shortcutMs = Double.NaN;
        if (withFlows)
        {
            int live = 0;
            int linked = 0;
            for (final Flow f : flows)
            {
                if (f.from().alive && f.to().alive)
                {
                    live++;
                    linked += f.from().node.connection(f.to().node.value()) != null ? 1 : 0;
                }
            }
            shortcutFraction = live == 0 ? 1.0 : (double)linked / live;
            shortcutMs = percentile(shortcutAt.values().stream().mapToDouble(Long::doubleValue).sorted().toArray(), 0.5);
        }
        return new Simulator.Result(alive.size(), probes.sent() == 0 ? 1.0 : (double)probesAnswered / probes.sent(),
            ringCorrect(alive), hops.length == 0 ? 0 : Arrays.stream(hops).average().orElse(0), percentile(hops, 0.99),
            percentile(joins, 0.5), percentile(joins, 0.99), resolvable == 0 ? 1.0 : (double)resolved / resolvable, leased,
            duplicates, stopped, shortcutFraction, shortcutMs, healMs, convergeS, liars,
            Double.isNaN(liars) ? Double.NaN : hijacked, records.length == 0 ? 0 : Arrays.stream(records).average().orElse(0),
            records.length == 0 ? 0 : records[records.length - 1], messagesPerNodePerS, wallS);
    }

    private static double percentile(final double[] sorted, final double p)
    {
        if (sorted.length == 0)
        {
            return 0;
        }
        final int index = (int)Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
