package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * {@code wow ping NAME|VIRTUAL_IP}: overlay-level pings from a running node to the owner of an address,
 * like {@code tailscale ping}: each answer's round trip and the path it took (direct, relayed via
 * whom, routed via which first hop). Hands the request to the node through its state directory
 * ({@link PingRequests}) and prints the answers as they come. Main thread.
 */
final class PingCommand
{
    private PingCommand()
    {
    }

    static int run(final String[] argv) throws InterruptedException
    {
        if (argv.length == 0 || argv[0].startsWith("--"))
        {
            throw new UsageException("usage: wow ping NAME|VIRTUAL_IP [--count N] [--state-dir DIR | --tap NAME] " +
                "[--json]");
        }
        final String target = argv[0];
        final Args args = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length), Set.of("--state-dir", "--tap", "--count"),
            Set.of(), Set.of("--json"));
        final int count = args.getInt("--count", 4, 1, PingRequests.MAX_COUNT);
        final Path state = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        if (!Files.isRegularFile(state.resolve(Node.STATUS_FILE)))
        {
            throw new IllegalStateException("no node running with state directory " + state + " (give its --state-dir or --tap)");
        }
        final String ip;
        try
        {
            final String status = Files.readString(state.resolve(Node.STATUS_FILE), StandardCharsets.UTF_8);
            ip = NameLookup.resolve(target, Json.object(status));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read the node's status in " + state + ": " + ex.getMessage());
        }
        final Path dir = state.resolve(PingRequests.DIR);
        final String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
        final Path result = dir.resolve(id + ".result");
        try
        {
            Files.createDirectories(dir);
            final Path tmp = dir.resolve(id + ".tmp");
            Files.writeString(tmp, ip + " " + count + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(id + ".request"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot hand the request to the node in " + dir + ": " + ex.getMessage());
        }
        final boolean json = args.has("--json");
        final long deadline = System.currentTimeMillis() + 3_000 + count * 5_500L;
        int shown = 0;
        int replies = 0;
        try
        {
            while (System.currentTimeMillis() < deadline)
            {
                final List<String> lines = Files.exists(result) ? Files.readAllLines(result, StandardCharsets.UTF_8) : List.of();
                for (; shown < lines.size(); shown++)
                {
                    final String line = lines.get(shown);
                    if (line.equals("done"))
                    {
                        return replies > 0 ? 0 : 1;
                    }
                    replies += line.startsWith("reply ") ? 1 : 0;
                    System.out.println(json ? toJson(ip, line) : toText(ip, line));
                }
                Thread.sleep(50);
            }
            System.err.println("wow: the node did not answer the ping request (is it an overlay node, and running?)");
            return 1;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + result + ": " + ex.getMessage());
        }
        finally
        {
            try
            {
                Files.deleteIfExists(result);
                Files.deleteIfExists(dir.resolve(id + ".request"));
            }
            catch (final IOException ex)
            {
                // the node's directory went away: nothing left to clean
            }
        }
    }

    private static String toText(final String ip, final String line)
    {
        final String[] w = line.split(" ", 3);
        return switch (w[0])
        {
            case "reply" -> "pong from " + ip + " in " + w[1] + " ms, " + w[2].replace('-', ' ');
            case "timeout" -> "no answer from " + ip + " within 5 s";
            default -> line.startsWith("error ") ? line.substring(6) : line;
        };
    }

    private static String toJson(final String ip, final String line)
    {
        final String[] w = line.split(" ", 3);
        return switch (w[0])
        {
            case "reply" -> "{\"virtual_ip\":\"" + ip + "\",\"answered\":true,\"rtt_ms\":" + w[1] + ",\"path\":\"" + w[2] + "\"}";
            case "timeout" -> "{\"virtual_ip\":\"" + ip + "\",\"answered\":false}";
            default -> "{\"virtual_ip\":\"" + ip + "\",\"error\":\"" + line.replace("\"", "'") + "\"}";
        };
    }
}
