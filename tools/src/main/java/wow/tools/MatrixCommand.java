package wow.tools;

import java.nio.file.Path;
import java.util.Set;

/**
 * {@code wow matrix DIR}: the all-pairs ping matrix (RTTs) and the path matrix (direct, relayed
 * and via whom) of a testbed made by {@code tools/testbed.sh} (needs root: it runs ping in the
 * hosts' namespaces). Main thread.
 */
final class MatrixCommand
{
    static final String HELP = String.join("\n",
        "usage: wow matrix DIR [--count N]",
        "  the all-pairs ping matrix and the direct/relayed link matrix of the testbed in DIR",
        "  (made by tools/testbed.sh; run as root)",
        "  every pair is pinged at once to find which answer; once all do, the round trips are measured",
        "  one pair at a time (the median of N pings 50 ms apart), so no measurement waits for another",
        "  --count N   pings per pair (default 3; 5 for the round trips)");

    private MatrixCommand()
    {
    }

    static int run(final String[] argv) throws InterruptedException
    {
        if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h")))
        {
            System.out.println(HELP);
            return 0;
        }
        if (argv.length == 0 || argv[0].startsWith("--"))
        {
            throw new UsageException("matrix needs the testbed directory\n" + HELP);
        }
        final Args args = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length), Set.of("--count"), Set.of(), Set.of());
        final int count = args.getInt("--count", 3, 1, 100);
        final Testbed testbed = Testbed.read(Path.of(argv[0]));
        double[][] rtt = testbed.pingMatrix(count);
        final boolean all = unreachable(rtt) == 0;
        if (all)
        {
            rtt = testbed.rttMatrix(args.has("--count") ? count : 5);
        }
        System.out.print(all ? testbed.formatPings(rtt, "ping RTT ms, median, one pair at a time (row pings column)") :
            testbed.formatPings(rtt));
        System.out.println();
        System.out.print(testbed.formatPaths(testbed.pathMatrix()));
        final int failed = unreachable(rtt);
        final int pairs = rtt.length * (rtt.length - 1);
        System.out.printf("%nreachable pairs: %d of %d%n", pairs - failed, pairs);
        return failed == 0 ? 0 : 1;
    }

    /** @return the pairs that got no answer. */
    private static int unreachable(final double[][] rtt)
    {
        int failed = 0;
        for (int i = 0; i < rtt.length; i++)
        {
            for (int j = 0; j < rtt.length; j++)
            {
                failed += i != j && rtt[i][j] < 0 ? 1 : 0;
            }
        }
        return failed;
    }
}
