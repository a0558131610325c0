package wow.tools;

import org.agrona.concurrent.status.CountersReader;
import wow.dataplane.status.CountersFile;

import java.nio.file.Path;
import java.util.Set;

/**
 * {@code wow counters}: prints a running node's live counters from its counters file, from
 * another process and without disturbing the node. Main thread.
 */
final class CountersCommand
{
    private CountersCommand()
    {
    }

    static int run(final String[] argv)
    {
        final Args args = new Args(argv, Set.of("--state-dir", "--tap"), Set.of(), Set.of("--all"));
        final Path dir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final CountersReader reader = CountersFile.openReader(dir.resolve("counters"));
        final boolean all = args.has("--all");
        reader.forEach((value, id, label) ->
        {
            if (all || value != 0)
            {
                System.out.printf("%-60s %d%n", label, value);
            }
        });
        return 0;
    }
}
