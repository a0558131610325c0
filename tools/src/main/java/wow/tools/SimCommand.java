package wow.tools;

import wow.controlplane.sim.Simulator;

import java.util.Set;

/**
 * {@code wow sim}: runs the overlay's real control-plane code for N nodes on a simulated network
 * and virtual clock and prints what it measured, as text or one JSON object. Main thread.
 */
final class SimCommand
{
    static final String HELP = String.join("\n",
        "usage: wow sim --nodes N [--seed S] [--latency-ms L] [--loss P] [--churn PCT_PER_MIN] [--duration-s T]",
        "               [--leases] [--flows N] [--partition PCT:START_S:DURATION_S] [--liars PCT] [--join-rate PER_S]",
        "               [--workers N] [--json]",
        "  --nodes N            nodes in the overlay",
        "  --seed S             random seed: the same seed gives the same output (default 1)",
        "  --latency-ms L       one-way latency between any two nodes (default 50, plus up to 10 % jitter)",
        "  --loss P             probability that a message is lost, 0 <= P < 1 (default 0)",
        "  --churn PCT_PER_MIN  nodes leaving (half gracefully, half crashing) and as many joining per minute,",
        "                       as a percentage of N, from the end of the joins until 30 s before the end (default 0)",
        "  --duration-s T       simulated seconds (default 120); nodes join during the first 40 %",
        "  --join-rate PER_S    nodes join at this rate from the start instead (all before the end); converge_s",
        "                       is then the time from the last join until every node's near neighbours are right",
        "  --leases             nodes lease free virtual IPs from a subnet, as --dhcp nodes do, instead of leasing",
        "                       fixed ones (every node leases its address: signed, decided in quorum rounds)",
        "  --flows N            N pairs of nodes not linked to each other send 400 packets/s from half-time on,",
        "                       which should earn them shortcut links",
        "  --partition PCT:START_S:DURATION_S",
        "                       PCT % of the nodes cannot reach the others from START_S for DURATION_S seconds",
        "                       (a cut between sites); the overlay must be one ring again by the end",
        "  --liars PCT          PCT % of the nodes lie: false neighbour lists, Connect-To-Me answers with wrong",
        "                       endpoints, forged leases in the lookups they answer, claims on honest nodes'",
        "                       addresses every 10 s; the figures are then the honest nodes' (0 <= PCT < 100)",
        "  --workers N          threads that run the nodes (default: one per core, up to 8); the output is the",
        "                       same with any number",
        "  --json               print one JSON object");

    private SimCommand()
    {
    }

    static int run(final String[] argv)
    {
        if (argv.length == 1 && ("--help".equals(argv[0]) || "-h".equals(argv[0])))
        {
            System.out.println(HELP);
            return 0;
        }
        final Args args = new Args(argv, Set.of("--nodes", "--seed", "--latency-ms", "--loss", "--churn", "--duration-s",
            "--join-rate", "--flows", "--partition", "--liars", "--workers"), Set.of(), Set.of("--json", "--leases"));
        if (!args.has("--nodes"))
        {
            throw new UsageException("--nodes N is required");
        }
        final int nodes = args.getInt("--nodes", 0, 1, 1_000_000);
        final long seed = parseLong(args.get("--seed", "1"), "--seed");
        final double latency = parseDouble(args.get("--latency-ms", "50"), "--latency-ms", 0, 10_000);
        final double loss = parseDouble(args.get("--loss", "0"), "--loss", 0, 0.99);
        final double churn = parseDouble(args.get("--churn", "0"), "--churn", 0, 100);
        final double duration = parseDouble(args.get("--duration-s", "120"), "--duration-s", 1, 86_400);
        final int flows = args.getInt("--flows", 0, 0, 100_000);
        final double liars = parseDouble(args.get("--liars", "0"), "--liars", 0, 99);
        final Simulator.Partition partition = args.has("--partition") ? partition(args.get("--partition", null)) : null;
        final double joinRate = parseDouble(args.get("--join-rate", "0"), "--join-rate", 0, 1_000_000);
        final int workers = args.getInt("--workers", Math.min(8, Runtime.getRuntime().availableProcessors()), 1, 256);
        if (joinRate > 0 && (nodes - 1) / joinRate >= duration)
        {
            throw new UsageException(String.format(java.util.Locale.ROOT, "--join-rate %s: the joins would take %.0f s, "
                + "longer than --duration-s %s", args.get("--join-rate", null), (nodes - 1) / joinRate, duration));
        }
        if (partition != null && partition.startS() + partition.durationS() > duration)
        {
            throw new UsageException("--partition must heal before the end of the run (--duration-s " + duration + ")");
        }
        final Simulator.Result r = new Simulator(new Simulator.Options(nodes, seed, latency, loss, churn, duration,
            args.has("--leases"), flows, partition, liars, joinRate), workers).run();
        if (args.has("--json"))
        {
            System.out.println(r.toJson());
        }
        else
        {
            System.out.printf(java.util.Locale.ROOT, "nodes                    %d%n" +
                "routable_fraction        %.4f   (sampled pairs whose exact-delivery probe was answered)%n" +
                "ring_correct_fraction    %.4f   (nodes whose near neighbours are exactly the true ones)%n" +
                "hops_mean / p99          %.2f / %.0f%n" +
                "join_ms p50 / p99        %.0f / %.0f   (join start until routable)%n" +
                "resolved_fraction        %.4f   (the same pairs: virtual IP looked up in the DHT to the right node)%n" +
                "leased_fraction          %s   (nodes holding the lease on an address; --leases)%n" +
                "duplicate_addresses      %s   (addresses two running nodes hold at the end; --leases)%n" +
                "lease_conflicts          %s   (nodes that found their address was another's and stopped; --leases)%n" +
                "shortcut_fraction        %s   (flows whose ends got linked; --flows)%n" +
                "shortcut_ms p50          %s   (flow start until linked; --flows)%n" +
                "heal_ms                  %s   (the cut healed until every node's near neighbours were right; --partition)%n" +
                "converge_s               %s   (the last join until every node's near neighbours were right)%n" +
                "liars                    %s   (lying nodes alive at the end; --liars: the figures above are the others')%n" +
                "hijacked                 %s   (sampled lookups of an honest node's address that resolved elsewhere; --liars)%n" +
                "lease_records mean / max %.1f / %.0f   (lease records a node holds for the DHT at the end)%n" +
                "messages_per_node_per_s  %.2f%n" +
                "wall_s                   %.1f%n", r.nodes(), r.routableFraction(), r.ringCorrectFraction(), r.hopsMean(),
                r.hopsP99(), r.joinMsP50(), r.joinMsP99(), r.resolvedFraction(), text(r.leasedFraction(), "%.4f"),
                text(r.duplicateAddresses(), "%.0f"), text(r.leaseConflicts(), "%.0f"), text(r.shortcutFraction(), "%.4f"),
                text(r.shortcutMsP50(), "%.0f"), text(r.healMs(), "%.0f"), text(r.convergeS(), "%.1f"),
                text(r.liars(), "%.0f"), text(r.hijacked(), "%.0f"),
                r.leaseRecordsMean(), r.leaseRecordsMax(), r.messagesPerNodePerS(), r.wallS());
        }
        return 0;
    }

    private static Simulator.Partition partition(final String text)
    {
        final String[] parts = text.split(":");
        if (parts.length != 3)
        {
            throw new UsageException("bad --partition '" + text + "': expected PCT:START_S:DURATION_S, e.g. 30:60:120");
        }
        try
        {
            return new Simulator.Partition(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]),
                Double.parseDouble(parts[2]));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("bad --partition '" + text + "': expected 0 < PCT < 100, START_S >= 0, DURATION_S > 0");
        }
    }

    private static String text(final double value, final String format)
    {
        return Double.isNaN(value) ? "-" : String.format(java.util.Locale.ROOT, format, value);
    }

    private static long parseLong(final String text, final String option)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("bad " + option + " '" + text + "': expected an integer");
        }
    }

    private static double parseDouble(final String text, final String option, final double min, final double max)
    {
        try
        {
            final double v = Double.parseDouble(text);
            if (v >= min && v <= max)
            {
                return v;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw new UsageException("bad " + option + " '" + text + "': expected a number from " + min + " to " + max);
    }
}
