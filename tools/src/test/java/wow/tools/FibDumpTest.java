package wow.tools;

import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import wow.dataplane.status.CountersFile;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wow fib dump} against live in-process nodes (static peers, no TAP, loopback UDP). */
class FibDumpTest
{
    static String run(final String... args)
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(0, Main.run(args));
        }
        finally
        {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    static long appliedVersion(final Path dir)
    {
        final CountersReader reader = CountersFile.openReader(dir.resolve("counters"));
        final long[] version = {-1};
        reader.forEach((value, id, label) -> version[0] = label.equals("fib_version q0") ? value : version[0]);
        return version[0];
    }

    @Test
    @Timeout(60)
    void dumpShowsTheTableTheDataPlaneAppliedAndPastVersions(@TempDir final Path dir) throws Exception
    {
        final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        try (Node nodeA = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:46001", "--no-tap", "--ip",
            "10.4.0.1/24", "--peer", "10.4.0.2=127.0.0.1:46002", "--state-dir", a.toString(), "--metrics", "127.0.0.1:46003"}),
            quiet))
        {
            Node nodeB = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:46002", "--no-tap", "--ip",
                "10.4.0.2/24", "--peer", "10.4.0.1=127.0.0.1:46001", "--state-dir", b.toString()}), quiet);
            try
            {
                String json = "";
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline && !json.contains("\"kind\":\"direct\""))
                {
                    Thread.sleep(100);
                    json = run("fib", "dump", "--state-dir", a.toString(), "--json").trim();
                }
                final java.util.Map<String, Object> parsed = Json.object(json);
                assertEquals(java.util.Set.of("version", "time", "reason", "entries"), parsed.keySet());
                @SuppressWarnings("unchecked")
                final java.util.Map<String, Object> entry = ((java.util.List<java.util.Map<String, Object>>)parsed.get("entries")).get(0);
                assertEquals(java.util.Set.of("virtual_ip", "address", "next_hop", "endpoint", "kind", "link_type"), entry.keySet());
                assertEquals("10.4.0.2", entry.get("virtual_ip"));
                assertEquals("direct", entry.get("kind"));
                assertTrue(json.contains("{\"virtual_ip\":\"10.4.0.2\",\"address\":\""), json);
                assertTrue(json.contains("\"endpoint\":\"127.0.0.1:46002\",\"kind\":\"direct\""), json);
                final long version = Long.parseLong(json.replaceAll("^\\{\"version\":(\\d+),.*", "$1"));
                assertEquals(appliedVersion(a), version, "the dump is the version the data plane applied");

                Thread.sleep(1_500);
                final String status = run("status", "--state-dir", a.toString(), "--json");
                final java.util.Map<String, Object> statusJson = Json.object(status);
                assertTrue(statusJson.keySet().containsAll(java.util.List.of("address", "virtual_ip", "endpoints", "connections")),
                    status);
                @SuppressWarnings("unchecked")
                final java.util.Map<String, Object> connection =
                    ((java.util.List<java.util.Map<String, Object>>)statusJson.get("connections")).get(0);
                assertTrue(connection.keySet().containsAll(java.util.List.of("type", "peer_address", "peer_virtual_ip", "endpoint",
                    "rtt_ms", "direct", "via")), status);
                assertTrue(status.contains("\"virtual_ip\":\"10.4.0.1\"") && status.contains("\"type\":\"static\"") &&
                    status.contains("\"peer_virtual_ip\":\"10.4.0.2\",\"endpoint\":\"127.0.0.1:46002\""), status);

                final String counters = run("counters", "--state-dir", a.toString(), "--json");
                assertTrue(Json.object(counters).containsKey("counters"), counters);
                assertTrue(counters.matches("\\{\"time\":\"[^\"]+\",\"counters\":\\{.*\"fib_version q0\":\\d+.*}}\\s*"), counters);

                final String metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:46003/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                final java.util.Map<String, Double> samples = PrometheusText.parse(metrics);
                assertEquals(1.0, samples.get("wow_overlay_connected"), metrics);
                assertEquals(1.0, samples.get("wow_links{type=\"static\"}"), metrics);
                assertTrue(samples.containsKey("wow_drops_total{reason=\"no_route\",queue=\"0\"}"), metrics);
                assertEquals((double)appliedVersion(a), samples.get("wow_fib_version_applied{queue=\"0\"}"), metrics);
                assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("wow_link_tx_packets_total{peer=")), metrics);
                assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("wow_link_last_heard_seconds{peer=")), metrics);

                final String old = run("fib", "dump", "--state-dir", a.toString(), "--json", "--version", "2").trim();
                assertTrue(old.startsWith("{\"version\":2,"), old);
                final String table = run("fib", "dump", "--state-dir", a.toString());
                assertTrue(table.contains("10.4.0.2") && table.contains("127.0.0.1:46002") && table.contains("direct"), table);

                // B restarts with new link ids: A publishes a new version, which --follow prints
                final ByteArrayOutputStream followed = new ByteArrayOutputStream();
                final Thread follower = new Thread(() ->
                {
                    final PrintStream out = System.out;
                    System.setOut(new PrintStream(followed, true, StandardCharsets.UTF_8));
                    try
                    {
                        Main.run(new String[] {"fib", "dump", "--state-dir", a.toString(), "--json", "--follow"});
                    }
                    finally
                    {
                        System.setOut(out);
                    }
                });
                follower.start();
                Thread.sleep(500);
                nodeB.close();
                nodeB = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:46002", "--no-tap", "--ip",
                    "10.4.0.2/24", "--peer", "10.4.0.1=127.0.0.1:46001", "--state-dir", b.toString()}), quiet);
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (System.nanoTime() < until && followed.toString(StandardCharsets.UTF_8).split("\n").length < 2)
                {
                    Thread.sleep(100);
                }
                follower.interrupt();
                follower.join(5_000);
                final String[] lines = followed.toString(StandardCharsets.UTF_8).trim().split("\n");
                assertTrue(lines.length >= 2, "the current version, then at least one new one: " + lines.length);
                assertTrue(Long.parseLong(lines[lines.length - 1].replaceAll("^\\{\"version\":(\\d+),.*", "$1")) > version);
            }
            finally
            {
                nodeB.close();
            }
        }
    }
}
