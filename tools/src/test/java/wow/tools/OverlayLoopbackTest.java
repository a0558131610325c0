package wow.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import wow.controlplane.security.Certificate;
import wow.controlplane.security.AtomicFile;
import wow.controlplane.security.CertificateAuthority;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Integration: 30 router nodes ({@code --no-tap}) of one network CA in one JVM over loopback UDP,
 * each with its own data plane and overlay conductor, join through one seed over authenticated,
 * sealed sessions, form the ring, and route an exact-delivery probe between every ordered pair
 * through the data planes' transit path; a node of another CA gets nowhere.
 */
class OverlayLoopbackTest
{
    static final int NODES = 30;

    @Test
    @Timeout(120)
    void thirtyNodesFormTheRingAndRouteBetweenEveryPair(@TempDir final Path dir) throws Exception
    {
        final List<Node> nodes = new ArrayList<>();
        final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        final long now = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "loop", 0x0A000000, 8, 10, now);
        Node stranger = null;
        try
        {
            final Node seed = Node.start(NodeCommand.parse(new String[] {"--listen", "127.0.0.1:0", "--no-tap",
                "--threading", "shared", "--state-dir", dir.resolve("n0").toString(), "--cert", bundle(ca, dir, "n0", now)}),
                quiet);
            nodes.add(seed);
            for (int i = 1; i < NODES; i++)
            {
                nodes.add(Node.start(NodeCommand.parse(new String[] {"--listen", "127.0.0.1:0", "--no-tap",
                    "--threading", "shared", "--seed", "127.0.0.1:" + seed.port(),
                    "--state-dir", dir.resolve("n" + i).toString(), "--cert", bundle(ca, dir, "n" + i, now)}), quiet));
                Thread.sleep(50);
            }
            // a node of another network names the same seed: it must get no session and no answer
            final CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "other", 0x0A000000, 8, 10, now);
            stranger = Node.start(NodeCommand.parse(new String[] {"--listen", "127.0.0.1:0", "--no-tap", "--threading",
                "shared", "--seed", "127.0.0.1:" + seed.port(), "--state-dir", dir.resolve("stranger").toString(), "--cert",
                bundle(other, dir, "stranger", now)}), quiet);
            // every ordered pair, all of one node's probes at once, retried until answered or the deadline passes
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int answered = 0;
            for (int a = 0; a < NODES; a++)
            {
                final List<Integer> todo = new ArrayList<>();
                for (int b = 0; b < NODES; b++)
                {
                    if (b != a)
                    {
                        todo.add(b);
                    }
                }
                while (!todo.isEmpty() && System.nanoTime() < deadline)
                {
                    final List<CompletableFuture<Boolean>> replies = new ArrayList<>();
                    for (final int b : todo)
                    {
                        replies.add(nodes.get(a).overlay().proxy().probe(nodes.get(b).overlay().status().address()));
                    }
                    final List<Integer> missing = new ArrayList<>();
                    for (int k = 0; k < todo.size(); k++)
                    {
                        try
                        {
                            replies.get(k).get(2, TimeUnit.SECONDS);
                            answered++;
                        }
                        catch (final java.util.concurrent.TimeoutException ex)
                        {
                            missing.add(todo.get(k));
                        }
                    }
                    todo.clear();
                    todo.addAll(missing);
                }
                assertTrue(todo.isEmpty(), "probes from node " + a + " unanswered: " + todo);
            }
            assertEquals(NODES * (NODES - 1), answered);
            // a node probing itself is answered within its own call, too
            assertTrue(nodes.get(0).overlay().proxy().probe(nodes.get(0).overlay().status().address()).get(2, TimeUnit.SECONDS));
            for (final Node n : nodes)
            {
                final wow.controlplane.NodeStatus s = n.overlay().status();
                assertTrue(s.connections().size() >= 4, "each node has its near neighbours: " + s.connections().size());
            }
            // wow status, from the status file the node rewrites every second
            String status = "";
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < until && !status.contains("\"rtt_ms\":1") && !status.contains("\"rtt_ms\":0"))
            {
                Thread.sleep(200);
                status = FibDumpTest.run("status", "--state-dir", dir.resolve("n5").toString(), "--json");
            }
            Json.object(status);
            assertTrue(status.startsWith("{\"address\":\"") && status.contains("\"virtual_ip\":null") &&
                status.contains("\"endpoints\":[\"127.0.0.1:") && status.contains("\"connections\":[{\"type\":\""), status);
            assertTrue(status.contains("\"direct\":true,\"via\":null"), status);
            assertTrue(status.matches("(?s).*\"rtt_ms\":\\d+.*"), "keepalives measure the round trip: " + status);
            assertEquals(0, stranger.overlay().status().connections().size(), "the stranger is linked to no one");
            final String strangerCounters = FibDumpTest.run("counters", "--state-dir", dir.resolve("stranger").toString(), "--all");
            assertTrue(strangerCounters.matches("(?s).*udp_rx_datagrams q0 +0\n.*"), "nothing answered it: " + strangerCounters);
            final String seedCounters = FibDumpTest.run("counters", "--state-dir", dir.resolve("n0").toString());
            assertTrue(seedCounters.matches("(?s).*handshake_dropped +[1-9].*"), seedCounters);
            assertTrue(seedCounters.matches("(?s).*handshake_completed +[1-9].*"), seedCounters);
            // the keys neighbour lists and Connect-To-Me messages name make most first contacts IK
            long initiated = 0;
            long ik = 0;
            for (int i = 1; i < NODES; i++)
            {
                final String c = FibDumpTest.run("counters", "--state-dir", dir.resolve("n" + i).toString());
                initiated += counter(c, "handshake_initiated");
                ik += counter(c, "handshake_initiated_ik");
            }
            System.out.println("handshakes initiated " + initiated + ", IK " + ik);
            assertTrue(ik * 2 > initiated, "IK " + ik + " of " + initiated);
        }
        finally
        {
            nodes.forEach(Node::close);
            if (stranger != null)
            {
                stranger.close();
            }
        }
    }

    static long counter(final String counters, final String name)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + " +(\\d+)$").matcher(counters);
        return m.find() ? Long.parseLong(m.group(1)) : 0; // counters leaves out those at zero
    }

    /** @return the path of a new bundle for a router node (no virtual IP) that may relay. */
    static String bundle(final CertificateAuthority ca, final Path dir, final String name, final long now) throws Exception
    {
        final Path file = dir.resolve(name + ".bundle");
        AtomicFile.writePrivate(file, ca.sign(name, Certificate.ADDRESS_NONE, 0, 0, List.of(), true, 1, null, now)
            .encode());
        return file.toString();
    }
}
