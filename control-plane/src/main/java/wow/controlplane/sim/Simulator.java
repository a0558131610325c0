package wow.controlplane.sim;

import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.OverlayEvents;
import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.ring.Ring;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Runs the real overlay code ({@link OverlayNode}) for many nodes on a simulated network and a
 * virtual clock: one-way latency with a little jitter, optional message loss, churn (graceful
 * leaves, crashes and new joins). Routed messages are forwarded hop by hop with the same greedy
 * decision the data plane's transit path makes. Deterministic: one thread, one seeded random
 * source, events ordered by (time, sequence). Used by {@code wow sim} and the tests.
 */
public final class Simulator
{
    /** What to simulate. */
    public record Options(int nodes, long seed, double latencyMs, double loss, double churnPctPerMin, double durationS)
    {
        public Options
        {
            if (nodes < 1 || latencyMs < 0 || loss < 0 || loss >= 1 || churnPctPerMin < 0 || durationS <= 0)
            {
                throw new IllegalArgumentException("bad simulation options: nodes >= 1, latency >= 0, 0 <= loss < 1, " +
                    "churn >= 0, duration > 0");
            }
        }
    }

    /** What the simulation measured (the keys of {@code wow sim --json}). */
    public record Result(
        int nodes,
        double routableFraction,
        double ringCorrectFraction,
        double hopsMean,
        double hopsP99,
        double joinMsP50,
        double joinMsP99,
        double messagesPerNodePerS,
        double wallS)
    {
        /** @return one JSON object with exactly the documented keys. */
        public String toJson()
        {
            return String.format(Locale.ROOT, "{\"nodes\":%d,\"routable_fraction\":%.4f,\"ring_correct_fraction\":%.4f," +
                "\"hops_mean\":%.3f,\"hops_p99\":%.1f,\"join_ms_p50\":%.1f,\"join_ms_p99\":%.1f," +
                "\"messages_per_node_per_s\":%.3f,\"wall_s\":%.2f}", nodes, routableFraction, ringCorrectFraction,
                hopsMean, hopsP99, joinMsP50, joinMsP99, messagesPerNodePerS, wallS);
        }
    }

    private static final int TTL = 30;
    /** Seeds a joining node is given, as an operator would list several. */
    private static final int SEEDS_PER_JOIN = 3;
    private static final long TICK_MS = 250;
    private static final int PROBE_PAIRS = 1000;
    private static final int PROBE_ATTEMPTS = 5;
    private static final long PROBE_WINDOW_MS = 20_000;
    private static final long SETTLE_AFTER_CHURN_MS = 30_000;

    private final Options options;
    private final Random random;
    private final OverlayConfig config = OverlayConfig.defaults();
    private final PriorityQueue<Event> events = new PriorityQueue<>(
        Comparator.comparingLong((Event e) -> e.time).thenComparingLong(e -> e.sequence));
    private final Map<Long, SimNode> byEndpoint = new HashMap<>();
    private final List<SimNode> all = new ArrayList<>();
    private final List<Long> joinTimes = new ArrayList<>();
    private final List<Integer> probeHops = new ArrayList<>();
    private final Map<ProbeKey, Integer> probeHopsByToken = new HashMap<>();
    private long sequence;
    private long now;
    private long transmissions;
    private int nextIndex;
    private int probesAnswered;

    private abstract static class Event
    {
        long time;
        long sequence;

        abstract void run();
    }

    private final class SimNode implements OverlayTransport, OverlayEvents
    {
        final int index;
        final long endpoint;
        final OverlayNode node;
        boolean alive = true;
        long joinStartMs;
        boolean routable;

        SimNode(final int index)
        {
            this.index = index;
            this.endpoint = ((0x0A000000L + index) << 16) | 4000;
            final byte[] address = new byte[Ring.ADDRESS_LENGTH];
            random.nextBytes(address);
            node = new OverlayNode(address, 0x0A800000 + index, new long[] {endpoint}, config, this, this,
                new Random(random.nextLong()));
        }

        @Override
        public void sendDirect(final long to, final int remoteLinkId, final byte[] message)
        {
            transmit(to, new Direct(endpoint, remoteLinkId, message));
        }

        @Override
        public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
            final boolean excludeSource, final byte[] message)
        {
            transmit(firstHop, new Routed(node.value(), Ring.value(destination), destination, delivery, excludeSource, TTL, 1,
                message, relayLinkId));
        }


        @Override
        public void connectionsChanged()
        {
        }

        @Override
        public void selfQueued()
        {
            schedule(now, () ->
            {
                if (alive)
                {
                    node.deliverQueued(now);
                }
            });
        }

        @Override
        public void onProbeReply(final int token, final byte[] from)
        {
            final Integer hops = probeHopsByToken.remove(new ProbeKey(node.value(), token));
            if (hops != null)
            {
                probesAnswered++;
                probeHops.add(hops);
            }
        }
    }

    private final class Direct
    {
        final long from;
        final int linkId;
        final byte[] message;

        Direct(final long from, final int linkId, final byte[] message)
        {
            this.from = from;
            this.linkId = linkId;
            this.message = message;
        }
    }

    private record ProbeKey(BigInteger prober, int token)
    {
    }

    private record Routed(BigInteger source, BigInteger destination, byte[] destinationBytes, int delivery, boolean excludeSource,
        int ttl, int hops, byte[] message, int relayLinkId)
    {
    }

    public Simulator(final Options options)
    {
        this.options = options;
        this.random = new Random(options.seed());
    }

    private void schedule(final long time, final Runnable action)
    {
        final Event e = new Event()
        {
            @Override
            void run()
            {
                action.run();
            }
        };
        e.time = time;
        e.sequence = sequence++;
        events.add(e);
    }

    private void transmit(final long to, final Object payload)
    {
        transmissions++;
        if (options.loss() > 0 && random.nextDouble() < options.loss())
        {
            return;
        }
        final long delay = Math.round(options.latencyMs() * (1 + 0.1 * random.nextDouble()));
        schedule(now + delay, () -> arrive(to, payload));
    }

    private void arrive(final long to, final Object payload)
    {
        final SimNode target = byEndpoint.get(to);
        if (target == null || !target.alive)
        {
            return;
        }
        if (payload instanceof Direct d)
        {
            target.node.onDirect(d.from, d.linkId, d.message, 0, d.message.length, now);
            return;
        }
        final Routed r = (Routed)payload;
        final OverlayNode node = target.node;
        if (r.relayLinkId() != 0)
        {
            // as a relay: only over the named link, then an ordinary routed message again
            final Connection next = node.connectionByLocalId(r.relayLinkId());
            if (next != null && next.via() == null)
            {
                transmit(next.endpoint(), new Routed(r.source(), r.destination(), r.destinationBytes(), r.delivery(),
                    r.excludeSource(), r.ttl() - 1, r.hops() + 1, r.message(), 0));
            }
            return;
        }
        if (r.delivery() == OverlayNode.EXACT && node.value().equals(r.destination()))
        {
            deliverRouted(target, r);
            return;
        }
        // as the data plane: the destination's own link first, relayed packets only to it
        Connection hop = node.connection(r.destination());
        if (hop == null || (r.excludeSource() && hop.value().equals(r.source())))
        {
            hop = node.nextHop(r.destination(), r.excludeSource() ? r.source() : null);
        }
        if (hop == null)
        {
            if (r.delivery() == OverlayNode.CLOSEST && !(r.excludeSource() && node.value().equals(r.source())))
            {
                deliverRouted(target, r);
            }
            return;
        }
        if (r.ttl() <= 1)
        {
            return;
        }
        long next = hop.endpoint();
        int relayLinkId = 0;
        if (hop.via() != null)
        {
            final Connection relay = node.connection(Ring.value(hop.via()));
            if (relay == null)
            {
                return;
            }
            next = relay.endpoint();
            relayLinkId = hop.relayId();
        }
        transmit(next, new Routed(r.source(), r.destination(), r.destinationBytes(), r.delivery(), r.excludeSource(),
            r.ttl() - 1, r.hops() + 1, r.message(), relayLinkId));
    }

    private void deliverRouted(final SimNode target, final Routed r)
    {
        if (Messages.decode(r.message(), 0, r.message().length) instanceof OverlayMessage.Probe probe &&
            probe.type() == Messages.PROBE)
        {
            probeHopsByToken.computeIfPresent(new ProbeKey(r.source(), probe.token()), (k, v) -> r.hops());
        }
        target.node.onRouted(Ring.address(r.source()), r.message(), 0, r.message().length, now);
    }

    private void tickLoop(final SimNode n)
    {
        if (!n.alive)
        {
            return;
        }
        n.node.tick(now);
        schedule(now + TICK_MS, () -> tickLoop(n));
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
        return startNode(seeds);
    }

    private SimNode startNode(final List<SimNode> seeds)
    {
        final SimNode n = new SimNode(nextIndex++);
        all.add(n);
        byEndpoint.put(n.endpoint, n);
        n.joinStartMs = now;
        n.node.join(seeds.stream().mapToLong(s -> s.endpoint).toArray(), now);
        n.routable = seeds.isEmpty();
        if (seeds.isEmpty())
        {
            joinTimes.add(0L);
        }
        schedule(now + random.nextInt((int)TICK_MS), () -> tickLoop(n));
        return n;
    }

    private SimNode randomAlive(final boolean routableOnly)
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

    /** @return true if greedy exact routing reaches {@code to} from {@code from} over the current tables. */
    private boolean reaches(final SimNode from, final SimNode to)
    {
        OverlayNode at = from.node;
        final BigInteger dst = to.node.value();
        for (int hops = 0; hops < TTL; hops++)
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
            final SimNode next = byEndpoint.get(hop.endpoint());
            if (next == null || !next.alive)
            {
                return false;
            }
            at = next.node;
        }
        return false;
    }

    private void checkJoins()
    {
        for (final SimNode n : all)
        {
            if (n.alive && !n.routable)
            {
                final SimNode a = randomAlive(true);
                final SimNode b = randomAlive(true);
                if (a != null && b != null && a != n && b != n && reaches(a, n) && reaches(b, n))
                {
                    n.routable = true;
                    joinTimes.add(now - n.joinStartMs);
                }
            }
        }
        schedule(now + 100, this::checkJoins);
    }

    /** Runs the simulation to the end and measures. */
    public Result run()
    {
        final long wallStart = System.nanoTime();
        final long duration = Math.round(options.durationS() * 1000);
        // everyone joins within the first 40 % of the run, each through a random node already in
        final long joinWindow = duration * 2 / 5;
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
        final long probeAt = duration;
        runUntil(probeAt);
        final int tokens = sendProbes();
        runUntil(probeAt + PROBE_WINDOW_MS);

        final List<SimNode> alive = new ArrayList<>();
        for (final SimNode n : all)
        {
            if (n.alive)
            {
                alive.add(n);
            }
        }
        final double ring = ringCorrect(alive);
        final double[] hops = probeHops.stream().mapToDouble(Integer::doubleValue).sorted().toArray();
        final double[] joins = joinTimes.stream().mapToDouble(Long::doubleValue).sorted().toArray();
        long sent = transmissions;
        return new Result(alive.size(), tokens == 0 ? 1.0 : (double)probesAnswered / tokens, ring,
            hops.length == 0 ? 0 : Arrays.stream(hops).average().orElse(0), percentile(hops, 0.99),
            percentile(joins, 0.5), percentile(joins, 0.99),
            (double)sent / Math.max(1, all.size()) / ((probeAt + PROBE_WINDOW_MS) / 1000.0),
            (System.nanoTime() - wallStart) / 1e9);
    }

    private void runUntil(final long time)
    {
        while (!events.isEmpty() && events.peek().time <= time)
        {
            final Event e = events.poll();
            now = e.time;
            e.run();
        }
        now = time;
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
                    victim.node.leave();
                }
                victim.alive = false;
                startNode(false);
            }
            scheduleChurn(now + 1_000, until);
        });
    }

    /** Sends exact-delivery probes between random pairs, each sent up to 5 times, 3 s apart, until answered. */
    private int sendProbes()
    {
        int tokens = 0;
        for (int i = 0; i < PROBE_PAIRS; i++)
        {
            final SimNode a = randomAlive(false);
            final SimNode b = randomAlive(false);
            if (a == null || b == null)
            {
                break;
            }
            final SimNode from = a;
            final SimNode to = b;
            tokens++;
            probe(from, to, 0);
        }
        return tokens;
    }

    private void probe(final SimNode from, final SimNode to, final int attempt)
    {
        final ProbeKey key = new ProbeKey(from.node.value(), from.node.probe(to.node.address(), now));
        probeHopsByToken.put(key, 0);
        if (attempt < PROBE_ATTEMPTS - 1)
        {
            schedule(now + 3_000, () ->
            {
                if (probeHopsByToken.remove(key) != null)
                {
                    probe(from, to, attempt + 1);
                }
            });
        }
    }

    private double ringCorrect(final List<SimNode> alive)
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
        for (int i = 0; i < n; i++)
        {
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
        return (double)correct / n;
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
