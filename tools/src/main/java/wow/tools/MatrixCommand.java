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
        "  --count N   pings per pair (default 3)");

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
        final double[][] rtt = testbed.pingMatrix(count);
        System.out.print(testbed.formatPings(rtt));
        System.out.println();
        System.out.print(testbed.formatPaths(testbed.pathMatrix()));
        int failed = 0;
        for (int i = 0; i < rtt.length; i++)
        {
            for (int j = 0; j < rtt.length; j++)
            {
                failed += i != j && rtt[i][j] < 0 ? 1 : 0;
            }
        }
        final int pairs = rtt.length * (rtt.length - 1);
        System.out.printf("%nreachable pairs: %d of %d%n", pairs - failed, pairs);
        return failed == 0 ? 0 : 1;
    }
}
