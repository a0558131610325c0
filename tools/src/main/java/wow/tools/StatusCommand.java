package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code wow status}: what a running node is connected to, from the status file its conductor
 * rewrites every second in the state directory; read from another process, never stopping the
 * node. Main thread.
 */
final class StatusCommand
{
    private StatusCommand()
    {
    }

    static int run(final String[] argv)
    {
        final Args args = new Args(argv, Set.of("--state-dir", "--tap"), Set.of(), Set.of("--json"));
        final Path dir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final Path file = dir.resolve(Node.STATUS_FILE);
        if (!Files.isRegularFile(file))
        {
            throw new IllegalStateException("no status at " + file + ": is a node running with this state directory?");
        }
        final String json;
        final String text;
        final long ageMs;
        try
        {
            json = Files.readString(file, StandardCharsets.UTF_8).trim();
            text = Files.readString(dir.resolve(Node.STATUS_TEXT), StandardCharsets.UTF_8);
            ageMs = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + file + ": " + ex.getMessage());
        }
        if (ageMs > 5_000)
        {
            System.err.println("wow: the status at " + file + " is " + ageMs / 1000 + " s old: the node may have stopped");
        }
        if (args.has("--json"))
        {
            System.out.println(json);
        }
        else
        {
            System.out.print(text);
        }
        return 0;
    }
}
