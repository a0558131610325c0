package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import wow.controlplane.NodeStatus;
import wow.dataplane.protocol.Ipv4;

/**
 * A running node's side of {@code wow ping}: requests the command drops into
 * {@code STATE_DIR/ping/} (a file {@code ID.request} holding "VIRTUAL_IP COUNT") are answered with
 * overlay-level probes to the address's owner, one at a time, each line of {@code ID.result} one
 * answer ("reply RTT_MS PATH" or "timeout") and "done" at the end, so the command prints them as
 * they come. Runs on the node's status thread ({@code wow-status}); the probes themselves go
 * through the conductor's proxy, their answers come back on this thread.
 */
final class PingRequests
{
    static final String DIR = "ping";
    /** Most probes one request may ask for. */
    static final int MAX_COUNT = 100;
    /** Requests older than this are left alone (and removed): the command that made them gave up. */
    private static final long STALE_MS = 60_000;

    private final Path dir;
    private final Supplier<NodeStatus> status;
    private final Function<byte[], CompletableFuture<Boolean>> prober;
    private final Executor thread;

    /**
     * @param stateDir the node's state directory.
     * @param status   the node's current status (its connections and resolved addresses).
     * @param prober   sends a probe to a ring address; completes true when answered, false when not.
     * @param thread   the status thread, where answers are written.
     */
    PingRequests(final Path stateDir, final Supplier<NodeStatus> status,
        final Function<byte[], CompletableFuture<Boolean>> prober, final Executor thread)
    {
        this.dir = stateDir.resolve(DIR);
        this.status = status;
        this.prober = prober;
        this.thread = thread;
    }

    /** Picks up new requests (status thread, a few times a second). */
    void poll()
    {
        if (!Files.isDirectory(dir))
        {
            return;
        }
        try (DirectoryStream<Path> requests = Files.newDirectoryStream(dir, "*.request"))
        {
            for (final Path request : requests)
            {
                take(request);
            }
        }
        catch (final IOException ex)
        {
            // the directory went away: nothing to answer
        }
    }

    private void take(final Path request) throws IOException
    {
        final String name = request.getFileName().toString();
        final Path result = dir.resolve(name.substring(0, name.length() - ".request".length()) + ".result");
        final String text = Files.readString(request, StandardCharsets.UTF_8).trim();
        final boolean stale = System.currentTimeMillis() - Files.getLastModifiedTime(request).toMillis() > STALE_MS;
        Files.deleteIfExists(request);
        if (stale)
        {
            Files.deleteIfExists(result);
            return;
        }
        final String[] words = text.split(" ");
        final int ip = words.length == 2 ? parseIp(words[0]) : 0;
        final int count = words.length == 2 && words[1].matches("\\d{1,3}") ? Integer.parseInt(words[1]) : 0;
        if (ip == 0 || count < 1 || count > MAX_COUNT)
        {
            append(result, "error malformed request\ndone\n");
            return;
        }
        final byte[] owner = owner(status.get(), ip);
        if (owner == null)
        {
            append(result, "error " + Ipv4.toString(ip) + " is not resolved by this node (no packet went to it yet, or no node "
                + "holds it)\ndone\n");
            return;
        }
        probe(result, owner, count);
    }

    private void probe(final Path result, final byte[] owner, final int left)
    {
        final long sentNs = System.nanoTime();
        prober.apply(owner).whenCompleteAsync((answered, failure) ->
        {
            final String line = Boolean.TRUE.equals(answered) ? String.format(java.util.Locale.ROOT, "reply %.2f %s",
                (System.nanoTime() - sentNs) / 1e6, path(status.get(), owner)) : "timeout";
            append(result, line + "\n" + (left > 1 ? "" : "done\n"));
            if (left > 1)
            {
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, thread)
                    .execute(() -> probe(result, owner, left - 1));
            }
        }, thread);
    }

    /** @return the ring address a status says holds a virtual IP: a connection's peer, or a resolved route; null if none. */
    static byte[] owner(final NodeStatus status, final int ip)
    {
        for (final NodeStatus.PeerStatus c : status.connections())
        {
            if (c.peerVirtualIp() == ip)
            {
                return c.peerAddress();
            }
        }
        for (final NodeStatus.RouteStatus r : status.routes())
        {
            if (r.virtualIp() == ip)
            {
                return r.owner();
            }
        }
        return null;
    }

    /** @return how the status says packets reach a ring address: direct, relayed via X, or routed via X. */
    static String path(final NodeStatus status, final byte[] owner)
    {
        for (final NodeStatus.PeerStatus c : status.connections())
        {
            if (Arrays.equals(c.peerAddress(), owner))
            {
                return c.direct() ? "direct" : "relayed-via-" + HexFormat.of().formatHex(c.via(), 0, 6);
            }
        }
        for (final NodeStatus.RouteStatus r : status.routes())
        {
            if (Arrays.equals(r.owner(), owner) && r.nextHop() != null)
            {
                return "routed-via-" + HexFormat.of().formatHex(r.nextHop(), 0, 6);
            }
        }
        return "routed";
    }

    private static int parseIp(final String text)
    {
        try
        {
            return text.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? Ipv4.parse(text) : 0;
        }
        catch (final IllegalArgumentException ex)
        {
            return 0;
        }
    }

    private static void append(final Path file, final String text)
    {
        try
        {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (final IOException ex)
        {
            // the command went away with its directory: nobody to tell
        }
    }
}
