package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.NodeStatus;

/**
 * A node answers {@code wow ping}'s requests in its state directory: one probe per count to the
 * address's owner, one line per answer with its round trip and path, "done" at the end; an
 * address it has not resolved, or a malformed request, gets one error line.
 */
class PingRequestsTest
{
    @TempDir
    Path state;

    final List<byte[]> probed = new ArrayList<>();
    boolean answer = true;

    PingRequests node()
    {
        final NodeStatus status = new NodeStatus(PathCommandTest.address(0x10), 0x0A800001, List.of(),
            List.of(new NodeStatus.PeerStatus("far", PathCommandTest.address(0x30), 0x0A800003, 0, -1, 0, 0,
                PathCommandTest.address(0x20), 0x0A800002, null)),
            0, false, 0, null, List.of(new NodeStatus.RouteStatus(0x0A800009, PathCommandTest.address(0x90),
                PathCommandTest.address(0x30), 0x0A800003)), null);
        return new PingRequests(state, () -> status, a ->
        {
            probed.add(a);
            return CompletableFuture.completedFuture(answer);
        }, Runnable::run);
    }

    List<String> ask(final PingRequests node, final String request) throws Exception
    {
        final Path dir = state.resolve(PingRequests.DIR);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("r1.request"), request);
        node.poll();
        final Path result = dir.resolve("r1.result");
        for (int i = 0; i < 100; i++)
        {
            if (Files.exists(result) && Files.readAllLines(result).contains("done"))
            {
                break;
            }
            Thread.sleep(20);
        }
        assertFalse(Files.exists(dir.resolve("r1.request")), "taken");
        final List<String> lines = Files.readAllLines(result);
        Files.delete(result);
        return lines;
    }

    @Test
    void probesTheOwnerOncePerCountAndSaysThePath() throws Exception
    {
        final PingRequests node = node();
        List<String> lines = ask(node, "10.128.0.9 3\n");
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("reply \\d+\\.\\d\\d routed-via-300000000000"), lines.get(0));
        assertEquals("done", lines.get(3));
        assertEquals(3, probed.size());
        assertEquals(0x90, probed.get(0)[0] & 0xFF, "the owner the route names");

        lines = ask(node, "10.128.0.3 1");
        assertTrue(lines.get(0).endsWith(" relayed-via-200000000000"), lines.get(0));

        answer = false;
        assertEquals(List.of("timeout", "done"), ask(node, "10.128.0.3 1"));
    }

    @Test
    void refusesWhatItCannotAnswer() throws Exception
    {
        final PingRequests node = node();
        assertTrue(ask(node, "10.128.0.77 1").get(0).startsWith("error 10.128.0.77 is not resolved"));
        assertEquals("error malformed request", ask(node, "10.128.0.9 0").get(0));
        assertEquals("error malformed request", ask(node, "nonsense").get(0));
        assertEquals("error malformed request", ask(node, "10.128.0.9 101").get(0));
        assertTrue(probed.isEmpty());
    }
}
