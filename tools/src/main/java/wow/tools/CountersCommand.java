package wow.tools;

import org.agrona.concurrent.status.CountersReader;
import wow.dataplane.status.CountersFile;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code wow counters}: prints a running node's live counters from its counters file, from
 * another process and without disturbing the node: once, as JSON, or every second with rates
 * ({@code --watch}). Main thread.
 */
final class CountersCommand
{
    private CountersCommand()
    {
    }

    static int run(final String[] argv) throws InterruptedException
    {
        final Args args = new Args(argv, Set.of("--state-dir", "--tap", "--interval-ms"), Set.of(), Set.of("--all", "--json",
            "--watch"));
        final Path dir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final CountersReader reader = CountersFile.openReader(dir.resolve("counters"));
        final boolean all = args.has("--all");
        final boolean json = args.has("--json");
        if (!args.has("--watch"))
        {
            print(read(reader), null, 0, all, json);
            return 0;
        }
        final long interval = args.getInt("--interval-ms", 1000, 100, 3_600_000);
        Map<String, Long> previous = read(reader);
        print(previous, null, 0, all, json);
        while (!Thread.currentThread().isInterrupted())
        {
            Thread.sleep(interval);
            final Map<String, Long> now = read(reader);
            print(now, previous, interval, all, json);
            previous = now;
        }
        return 0;
    }

    static Map<String, Long> read(final CountersReader reader)
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        reader.forEach((value, id, label) -> values.merge(label, value, Long::sum));
        return values;
    }

    private static void print(
        final Map<String, Long> now, final Map<String, Long> previous, final long intervalMs, final boolean all,
        final boolean json)
    {
        if (json)
        {
            final StringBuilder sb = new StringBuilder("{\"time\":\"").append(java.time.Instant.now())
                .append("\",\"counters\":{");
            boolean first = true;
            for (final Map.Entry<String, Long> e : now.entrySet())
            {
                if (all || e.getValue() != 0)
                {
                    sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
                    first = false;
                }
            }
            sb.append('}');
            if (previous != null)
            {
                sb.append(",\"rates_per_s\":{");
                first = true;
                for (final Map.Entry<String, Long> e : now.entrySet())
                {
                    final long delta = e.getValue() - previous.getOrDefault(e.getKey(), 0L);
                    if (delta != 0)
                    {
                        sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":")
                            .append(String.format(Locale.ROOT, "%.1f", delta * 1000.0 / intervalMs));
                        first = false;
                    }
                }
                sb.append('}');
            }
            System.out.println(sb.append('}'));
        }
        else
        {
            if (previous != null)
            {
                System.out.println("--- " + java.time.Instant.now());
            }
            for (final Map.Entry<String, Long> e : now.entrySet())
            {
                if (all || e.getValue() != 0)
                {
                    if (previous == null)
                    {
                        System.out.printf(Locale.ROOT, "%-60s %d%n", e.getKey(), e.getValue());
                    }
                    else
                    {
                        final long delta = e.getValue() - previous.getOrDefault(e.getKey(), 0L);
                        System.out.printf(Locale.ROOT, "%-60s %16d %14.1f/s%n", e.getKey(), e.getValue(),
                            delta * 1000.0 / intervalMs);
                    }
                }
            }
        }
        System.out.flush();
    }
}
