package wow.tools;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * System test (root): 5 network namespaces on one bridge, {@code tools/wow node} with a real TAP in
 * each and one seed; every node pings every other by virtual IP (resolved through the DHT), and
 * the rest still do after the seed exits.
 */
@Tag("system")
class OverlaySystemTest
{
    static final int NODES = 5;
    static String launcher;

    @BeforeAll
    static void requirements()
    {
        launcher = Netns.launcherOrSkip();
    }

    /** @return the pairs (i, j) whose ping failed, pinging all of them at once. */
    static List<String> pingAll(final List<String> namespaces, final List<Integer> members) throws Exception
    {
        final List<Process> pings = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        for (final int i : members)
        {
            for (final int j : members)
            {
                if (i != j)
                {
                    // the first packet to an unresolved address is dropped while the DHT answers: allow a few
                    pings.add(new ProcessBuilder("ip", "netns", "exec", namespaces.get(i), "ping", "-c", "4", "-i", "0.5",
                        "-W", "2", "-q", "10.91.0." + (j + 1)).redirectErrorStream(true).start());
                    names.add((i + 1) + "->" + (j + 1));
                }
            }
        }
        final List<String> failed = new ArrayList<>();
        for (int k = 0; k < pings.size(); k++)
        {
            final Process p = pings.get(k);
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
            {
                failed.add(names.get(k));
            }
        }
        return failed;
    }

    @Test
    @Timeout(180)
    void everyNodePingsEveryOtherAlsoAfterTheSeedLeaves(@TempDir final Path tmp) throws Exception
    {
        final List<String> namespaces = new ArrayList<>();
        try (Netns netns = new Netns())
        {
            final String hub = netns.createHub();
            final List<Process> nodes = new ArrayList<>();
            for (int i = 0; i < NODES; i++)
            {
                final String ns = netns.create("n" + i);
                namespaces.add(ns);
                netns.joinBridge(hub, ns, "172.31.91." + (i + 1) + "/24");
                final Path dir = Files.createDirectories(tmp.resolve("n" + i));
                final List<String> cmd = new ArrayList<>(List.of("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher,
                    "node", "--listen", "172.31.91." + (i + 1) + ":47000", "--ip", "10.91.0." + (i + 1) + "/24",
                    "--state-dir", dir.toString(), "--insecure")); // the testbed's tests run secure; this one not
                if (i > 0)
                {
                    cmd.addAll(List.of("--seed", "172.31.91.1:47000"));
                }
                nodes.add(netns.start(ns, dir.resolve("node.log"), cmd.toArray(new String[0])));
                StaticTunnelSystemTest.awaitLog(dir.resolve("node.log"), "node_started", nodes.get(i));
            }
            for (int i = 1; i < NODES; i++)
            {
                StaticTunnelSystemTest.awaitLog(tmp.resolve("n" + i).resolve("node.log"), "link_up", nodes.get(i));
            }
            Thread.sleep(2_000); // near links and DHT registrations settle

            final List<Integer> everyone = List.of(0, 1, 2, 3, 4);
            assertEquals(List.of(), pingAll(namespaces, everyone), "all pairs ping");

            Netns.stop(nodes.get(0));
            assertFalse(nodes.get(0).isAlive());
            Thread.sleep(1_000);
            assertEquals(List.of(), pingAll(namespaces, List.of(1, 2, 3, 4)), "all pairs ping after the seed left");
        }
    }
}
