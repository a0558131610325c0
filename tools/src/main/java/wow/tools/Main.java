package wow.tools;

import wow.shim.ShimException;

import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Entry point of the {@code wow} command. Runs on the main thread; every failure becomes one line
 * on stderr naming the problem and a non-zero exit status (2 for usage, 1 otherwise).
 */
public final class Main
{
    static final String USAGE = String.join("\n",
        "usage: wow <command> [options]",
        "  node  --listen HOST:PORT --ip A.B.C.D/P [--seed [udp://|tcp://]HOST:PORT]... [--tcp-listen HOST:PORT]",
        "        [--peer VIRTUAL_IP=HOST:PORT]... [--tap NAME] [--queues N] [--no-tap] [--state-dir DIR] ...",
        "  counters [--state-dir DIR] [--all] [--json] [--watch]   a running node's live counters (rates with --watch)",
        "  status [--state-dir DIR] [--json]   identity, endpoints and connections of a running node",
        "  path NAME|VIRTUAL_IP [--state-dir DIR] [--json]   how a running node reaches a member now: direct, relayed, routed",
        "  ping NAME|VIRTUAL_IP [--count N] [--state-dir DIR] [--json]   overlay pings from a running node: RTT and path",
        "  fib dump [--state-dir DIR] [--json] [--version N | --at TIME] [--follow]   the journaled forwarding table",
        "  sim   --nodes N [--seed S] [--latency-ms L] [--loss P] [--churn PCT_PER_MIN] [--duration-s T] [--json]",
        "        the overlay's control-plane code on a simulated network (deterministic per seed)",
        "  matrix DIR [--count N]   all-pairs ping and direct/relayed matrices of a tools/testbed.sh testbed (root)",
        "  ca init|sign|revoke ...   the network's offline CA: issue node bundles, revoke them",
        "  cert show FILE   print a bundle's certificates;  key --out FILE   a node key pair for ca sign --public-key",
        "  revoke FILE [--state-dir DIR]   hand a revocation list to a running member, which spreads it to all",
        "  demo  NAT domains in network namespaces joined by one seed: join, ping and link matrices (root)",
        "run 'wow <command> --help' for details");

    private Main()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args));
    }

    static int run(final String[] args)
    {
        try
        {
            return dispatch(args);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private static int dispatch(final String[] args) throws InterruptedException
    {
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0]) || "help".equals(args[0]))
        {
            System.out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try
        {
            switch (args[0])
            {
                case "node":
                    return NodeCommand.run(rest);
                case "counters":
                    return CountersCommand.run(rest);
                case "sim":
                    return SimCommand.run(rest);
                case "fib":
                    return FibCommand.run(rest);
                case "status":
                    return StatusCommand.run(rest);
                case "path":
                    return PathCommand.run(rest);
                case "ping":
                    return PingCommand.run(rest);
                case "matrix":
                    return MatrixCommand.run(rest);
                case "ca":
                    return CaCommand.run(rest);
                case "cert":
                    return CaCommand.show(rest);
                case "key":
                    return CaCommand.key(rest);
                case "revoke":
                    return CaCommand.revokeRunning(rest);
                default:
                    throw new UsageException("unknown command '" + args[0] + "'\n" + USAGE);
            }
        }
        catch (final UsageException ex)
        {
            System.err.println("wow: " + ex.getMessage());
            return 2;
        }
        catch (final ShimException | IllegalArgumentException | IllegalStateException | UncheckedIOException ex)
        {
            System.err.println("wow: " + ex.getMessage());
            return 1;
        }
    }
}
