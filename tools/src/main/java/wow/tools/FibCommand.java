package wow.tools;

import wow.controlplane.journal.FibJournal;
import wow.controlplane.journal.FibRecord;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code wow fib dump}: prints a node's forwarding table as journaled, the latest version, a
 * given one or the one in force at a given time, and with {@code --follow} each new version as
 * it is published; reads the journal from another process while the node runs. Main thread.
 */
final class FibCommand
{
    static final String HELP = String.join("\n",
        "usage: wow fib dump [--state-dir DIR | --tap NAME] [--json] [--version N | --at ISO-TIME] [--follow]",
        "  --version N     that version instead of the latest",
        "  --at TIME       the version in force at that time (ISO-8601, e.g. 2026-11-25T10:00:00Z)",
        "  --follow        then print every new version as it is published (Ctrl-C to stop)",
        "  --json          one JSON object per version: version, time, reason, entries",
        "                  (virtual_ip, address, next_hop, endpoint, kind, link_type)");

    private FibCommand()
    {
    }

    static int run(final String[] argv) throws InterruptedException
    {
        if (argv.length == 0 || !"dump".equals(argv[0]))
        {
            throw new UsageException("expected 'wow fib dump'\n" + HELP);
        }
        final String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (rest.length == 1 && ("--help".equals(rest[0]) || "-h".equals(rest[0])))
        {
            System.out.println(HELP);
            return 0;
        }
        final Args args = new Args(rest, Set.of("--state-dir", "--tap", "--version", "--at"), Set.of(), Set.of("--json",
            "--follow"));
        if (args.has("--version") && args.has("--at"))
        {
            throw new UsageException("--version and --at exclude each other");
        }
        final Path dir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final long version = args.has("--version") ? args.getInt("--version", 0, 1, Integer.MAX_VALUE) : -1;
        long at = -1;
        if (args.has("--at"))
        {
            try
            {
                at = Instant.parse(args.get("--at", null)).toEpochMilli();
            }
            catch (final DateTimeParseException ex)
            {
                throw new UsageException("bad --at '" + args.get("--at", null) +
                    "': expected ISO-8601 like 2026-11-25T10:00:00Z");
            }
        }
        final boolean json = args.has("--json");
        try (FibJournal journal = FibJournal.openForReading(dir))
        {
            final FibRecord record = version >= 0 || at >= 0 ? journal.find(version, at) : journal.latest();
            if (record == null && !args.has("--follow"))
            {
                throw new IllegalStateException(version >= 0 ? "no FIB version " + version + " in the journal at " + dir :
                    at >= 0 ? "no FIB version at or before " + args.get("--at", null) : "the journal at " + dir + " is empty");
            }
            if (record != null)
            {
                System.out.println(json ? record.toJson() : record.toTable());
            }
            if (args.has("--follow"))
            {
                System.out.flush();
                journal.follow(r ->
                {
                    System.out.println(json ? r.toJson() : r.toTable());
                    System.out.flush();
                }, () -> !Thread.currentThread().isInterrupted());
            }
        }
        return 0;
    }
}
