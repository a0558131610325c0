package wow.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * System test (root): migration. In the testbed (cone, port-restricted, cone; one host each,
 * nodes listening on any address), the port-restricted domain's host is re-plugged into the
 * other cone domain — a new underlay address behind another NAT — while a TCP transfer and an
 * interactive session (a message every 100 ms) run to it over the overlay; then that domain's
 * NAT mappings are flushed (conntrack) under a second session. It keeps its ring address and
 * virtual IP, the transfer completes with a matching SHA-256 and the sessions see no reset. The
 * outages (longest gap in a 50 ms ping) are printed, not asserted.
 */
@Tag("system")
class MigrationSystemTest
{
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tcpSessionsSurviveAMoveToAnotherNatAndARebinding() throws Exception
    {
        try (TestbedRun run = TestbedRun.up("cone,restricted,cone", 1, "--listen-any"))
        {
            final Path dir = run.dir;
            final Testbed testbed = run.testbed;
            final Testbed.Member a = testbed.hosts().get(0);
            final Testbed.Member b = testbed.hosts().get(1);
            waitReachable(testbed);
            java.util.Map<String, Object> status = Testbed.status(b);
            for (int i = 0; i < 50 && status == null; i++)
            {
                Thread.sleep(200); // the node writes its status file every second
                status = Testbed.status(b);
            }
            assertTrue(status != null, "no status file from " + b.name());
            final String address = (String)status.get("address");

            final Session transfer = new Session(dir, a, b, 5101);
            final Session chat = new Session(dir, a, b, 5102);
            final Process ping = pinger(dir, a, b, "ping-move");
            final Random random = new Random(1);
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            final byte[] chunk = new byte[64 * 1024];
            final long started = System.nanoTime();
            boolean moved = false;
            for (int i = 0; i < 60; i++)
            {
                random.nextBytes(chunk);
                sha.update(chunk);
                transfer.write(chunk);
                chat.write(("message " + i + "\n").getBytes(StandardCharsets.UTF_8));
                if (!moved && System.nanoTime() - started > TimeUnit.SECONDS.toNanos(2))
                {
                    moved = true;
                    run.run("move", b.name(), "3");
                }
                Thread.sleep(100);
            }
            final String sent = HexFormat.of().formatHex(sha.digest());
            assertEquals(0, transfer.finish(), "the transfer's sender ended cleanly (no reset)");
            assertEquals(0, chat.finish(), "the interactive session ended cleanly (no reset)");
            ping.waitFor(30, TimeUnit.SECONDS);
            final String got = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(transfer.received)));
            assertEquals(sent, got, "the transfer arrived intact across the move");
            assertEquals(60, Files.readAllLines(chat.received).size(), "every message of the session arrived");
            assertEquals(address, Testbed.status(b).get("address"), "the same ring address after the move");
            System.out.printf("moved %s from domain 2 (port-restricted) to 3 (cone): outage %.0f ms (longest ping gap)%n", b.name(),
                longestGapMs(dir.resolve("ping-move")));

            final Session chat2 = new Session(dir, a, b, 5103);
            final Process ping2 = pinger(dir, a, b, "ping-rebind");
            for (int i = 0; i < 60; i++)
            {
                chat2.write(("message " + i + "\n").getBytes(StandardCharsets.UTF_8));
                if (i == 20)
                {
                    run.run("rebind", "3");
                }
                Thread.sleep(100);
            }
            assertEquals(0, chat2.finish(), "the session survived the NAT rebinding");
            ping2.waitFor(30, TimeUnit.SECONDS);
            assertEquals(60, Files.readAllLines(chat2.received).size());
            System.out.printf("flushed domain 3's NAT mappings: outage %.0f ms (longest ping gap)%n", longestGapMs(dir.resolve("ping-rebind")));
        }
    }

    private static void waitReachable(final Testbed testbed) throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            final double[][] rtt = testbed.pingMatrix(1);
            boolean all = true;
            for (int i = 0; i < rtt.length; i++)
            {
                for (int j = 0; j < rtt.length; j++)
                {
                    all &= i == j || rtt[i][j] >= 0;
                }
            }
            if (all)
            {
                return;
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("the testbed never became fully reachable");
    }

    /** Pings every 50 ms for 9 s with timestamps, into DIR/NAME. */
    private static Process pinger(final Path dir, final Testbed.Member from, final Testbed.Member to, final String name)
        throws Exception
    {
        return new ProcessBuilder("ip", "netns", "exec", from.namespace(), "ping", "-D", "-i", "0.05", "-c", "180", "-W", "1",
            to.virtualIp()).redirectErrorStream(true).redirectOutput(dir.resolve(name).toFile()).start();
    }

    /** @return the longest gap between two replies in a {@code ping -D} log, in ms. */
    static double longestGapMs(final Path log) throws Exception
    {
        double last = -1;
        double longest = 0;
        for (final String line : Files.readAllLines(log))
        {
            if (line.startsWith("[") && line.contains("bytes from"))
            {
                final double t = Double.parseDouble(line.substring(1, line.indexOf(']')));
                if (last >= 0)
                {
                    longest = Math.max(longest, t - last);
                }
                last = t;
            }
        }
        return longest * 1000;
    }

    /** A TCP connection over the overlay: nc listening on the receiver, nc sending what the test writes. */
    private static final class Session
    {
        final Path received;
        final Process server;
        final Process client;
        final OutputStream in;

        Session(final Path dir, final Testbed.Member from, final Testbed.Member to, final int port) throws Exception
        {
            received = dir.resolve("received-" + port);
            server = new ProcessBuilder("ip", "netns", "exec", to.namespace(), "nc", "-l", to.virtualIp(), Integer.toString(port))
                .redirectOutput(received.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Process c = null;
            for (int attempt = 0; attempt < 20; attempt++)
            {
                Thread.sleep(200);
                c = new ProcessBuilder("ip", "netns", "exec", from.namespace(), "nc", "-N", to.virtualIp(), Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!c.waitFor(300, TimeUnit.MILLISECONDS))
                {
                    break; // connected and waiting for input
                }
            }
            client = c;
            in = client.getOutputStream();
        }

        void write(final byte[] bytes) throws Exception
        {
            in.write(bytes);
            in.flush();
        }

        /** @return the sender's exit status once all is sent and the receiver saw the end. */
        int finish() throws Exception
        {
            in.close();
            final boolean clientDone = client.waitFor(60, TimeUnit.SECONDS);
            final boolean serverDone = server.waitFor(60, TimeUnit.SECONDS);
            final List<Process> all = new ArrayList<>(List.of(client, server));
            for (final Process p : all)
            {
                if (p.isAlive())
                {
                    Netns.stop(p);
                }
            }
            return clientDone && serverDone ? client.exitValue() : -1;
        }
    }
}
