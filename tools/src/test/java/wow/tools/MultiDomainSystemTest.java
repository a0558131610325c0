package wow.tools;

import wow.controlplane.security.Certificate;
import wow.controlplane.security.AtomicFile;
import wow.controlplane.security.CertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

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
 * System test (root): the multi-domain testbed of {@code tools/testbed.sh} with six NAT domains
 * (endpoint-independent, two port-restricted, symmetric, UDP-blocked, double NAT) of two hosts
 * each and one public seed, every host running {@code tools/wow node} with a real TAP and joining
 * by the seed alone. Every host reaches every other by virtual IP; TCP transfers with checksums
 * cross the hardest pairs; every link is direct exactly where the two NAT types allow it and
 * relayed otherwise, as {@code status.json} (what {@code wow status --json} prints) says. Timings
 * are printed, not asserted. The testbed is removed afterwards, also on failure.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiDomainSystemTest
{
    static final String DOMAINS = "cone,restricted,restricted,symmetric,udp-blocked,double";
    static TestbedRun run;
    static Path dir;
    static Path script;
    static Testbed testbed;

    @BeforeAll
    static void up() throws Exception
    {
        run = TestbedRun.up(DOMAINS, 2);
        dir = run.dir;
        script = run.script;
        testbed = run.testbed;
    }

    /** @return a new bundle from the testbed's CA (DIR/ca), written next to it. */
    static String bundle(final String name, final int kind, final int address, final int prefix) throws Exception
    {
        final Path file = dir.resolve("certs").resolve(name + ".bundle");
        AtomicFile.writePrivate(file, CertificateAuthority.open(dir.resolve("ca")).sign(name, kind, address, prefix,
            List.of(), false, 1, null, System.currentTimeMillis() / 1000).encode());
        return file.toString();
    }

    static int ip(final String text)
    {
        return wow.dataplane.protocol.Ipv4.parse(text);
    }

    @AfterAll
    static void down() throws Exception
    {
        if (run != null)
        {
            run.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void everyHostReachesEveryOther() throws Exception
    {
        final long started = System.nanoTime();
        double[][] rtt = null;
        int failed = -1;
        for (int round = 0; round < 12 && failed != 0; round++)
        {
            if (round > 0)
            {
                Thread.sleep(3_000);
            }
            rtt = testbed.pingMatrix(2);
            failed = 0;
            for (int i = 0; i < rtt.length; i++)
            {
                for (int j = 0; j < rtt.length; j++)
                {
                    failed += i != j && rtt[i][j] < 0 ? 1 : 0;
                }
            }
        }
        System.out.print(testbed.formatPings(rtt));
        System.out.printf("all pairs reachable %d ms after the testbed was up%n", (System.nanoTime() - started) / 1_000_000);
        assertEquals(0, failed, "pairs without reply:\n" + testbed.formatPings(rtt));
    }

    @Test
    @Order(2)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unmodifiedProgramsReachMembersByName() throws Exception
    {
        final Testbed.Member from = host("h1-1");
        final Testbed.Member to = host("h4-1");
        @SuppressWarnings("unchecked")
        final java.util.Map<String, Object> status = (java.util.Map<String, Object>)Json.parse(Files.readString(
            from.stateDir().resolve(Node.STATUS_FILE)));
        assertEquals("h1-1", status.get("name"), "the certificate's name");
        assertEquals(java.util.Map.of("server", from.virtualIp(), "domain", "wow"), status.get("dns"));
        // the host's resolver pointed at the node (ip netns exec binds /etc/netns/NS/resolv.conf over /etc/resolv.conf)
        final Path etc = Path.of("/etc/netns", from.namespace());
        Files.createDirectories(etc);
        try
        {
            Files.writeString(etc.resolve("resolv.conf"), "nameserver " + from.virtualIp() + "\n");
            String pinged = "";
            for (int i = 0; i < 10 && !pinged.contains(" 0% packet loss"); i++)
            {
                pinged = Netns.exec("ip", "netns", "exec", from.namespace(), "ping", "-c", "1", "-W", "2", "h4-1.wow").output();
            }
            assertTrue(pinged.contains("(" + to.virtualIp() + ")") && pinged.contains(" 0% packet loss"), pinged);
            final Netns.Result unknown = Netns.exec("ip", "netns", "exec", from.namespace(), "getent", "hosts", "nobody.wow");
            assertEquals(2, unknown.exit(), "no such member: " + unknown.output());
            final Netns.Result path = Netns.exec("ip", "netns", "exec", from.namespace(), "env", "WOW_JAR=" +
                System.getProperty("wow.jar"), script.resolveSibling("wow").toString(), "path", "H4-1", "--state-dir",
                from.stateDir().toString());
            assertTrue(path.output().startsWith("H4-1: " + to.virtualIp() + " ("), path.output());
            System.out.printf("by name: %s%s", pinged.lines().filter(l -> l.startsWith("PING")).findFirst().orElse(""),
                System.lineSeparator());
        }
        finally
        {
            Files.deleteIfExists(etc.resolve("resolv.conf"));
            Files.deleteIfExists(etc);
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tcpTransfersArriveIntactAcrossTheHardestPairs() throws Exception
    {
        // the symmetric pair, UDP-blocked to symmetric, symmetric to port-restricted (relayed)
        transfer(host("h4-1"), host("h4-2"), 5001);
        transfer(host("h5-1"), host("h4-2"), 5002);
        transfer(host("h4-1"), host("h2-1"), 5003);
        // none of these pairs is linked directly: what the relays and transit nodes carried was
        // sealed end to end (EndToEndQueueAgentTest shows that they hold no plaintext of it)
        for (final String receiver : List.of("h4-2", "h2-1"))
        {
            assertTrue(counter(host(receiver), "end_to_end_completed") > 0, receiver + " set up no end-to-end session");
            assertTrue(counter(host(receiver), "routed_rx_hops_1") + counter(host(receiver), "routed_rx_hops_2") +
                counter(host(receiver), "routed_rx_hops_3") + counter(host(receiver), "routed_rx_hops_4plus") > 0);
        }
    }

    /** @return a node's counters by name, as {@code wow counters --json} prints them. */
    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> counters(final Testbed.Member member) throws Exception
    {
        final String json = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), script.resolveSibling("wow").toString(),
            "counters", "--state-dir", member.stateDir().toString(), "--json");
        return (java.util.Map<String, Object>)Json.object(json).get("counters");
    }

    /** @return the sum of a counter over its queues (or the one counter of that name). */
    private static long counter(final Testbed.Member member, final String name) throws Exception
    {
        long sum = 0;
        for (final java.util.Map.Entry<String, Object> e : counters(member).entrySet())
        {
            sum += e.getKey().equals(name) || e.getKey().startsWith(name + " q") ? ((Number)e.getValue()).longValue() : 0;
        }
        return sum;
    }

    @Test
    @Order(3)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void linksAreDirectExactlyWhereTheNatTypesAllow() throws Exception
    {
        // a pair that found no direct path at once retries every 15-30 s: allow the retries
        List<String> wrong = List.of();
        Testbed.Link[][] paths = null;
        int links = 0;
        int relayed = 0;
        for (int round = 0; round < 20; round++)
        {
            paths = testbed.pathMatrix();
            wrong = new ArrayList<>();
            links = 0;
            relayed = 0;
            final List<Testbed.Member> hosts = testbed.hosts();
            for (int i = 0; i < hosts.size(); i++)
            {
                for (int j = 0; j < hosts.size(); j++)
                {
                    final Testbed.Link link = paths[i][j];
                    if (link == null)
                    {
                        continue;
                    }
                    links++;
                    relayed += link.direct() ? 0 : 1;
                    final boolean expected = directPossible(hosts.get(i), hosts.get(j));
                    if (link.direct() != expected)
                    {
                        wrong.add(hosts.get(i).name() + "(" + hosts.get(i).type() + ")->" + hosts.get(j).name() + "(" +
                            hosts.get(j).type() + ") is " + (link.direct() ? "direct" : "relayed via " + link.via()));
                    }
                }
            }
            if (wrong.isEmpty() && links > 0)
            {
                break;
            }
            Thread.sleep(5_000);
        }
        System.out.print(testbed.formatPaths(paths));
        System.out.printf("%d links seen from hosts, %d relayed%n", links, relayed);
        assertTrue(relayed > 0, "the symmetric and UDP-blocked hosts cannot all link directly: some links must be relayed");
        assertTrue(wrong.isEmpty(), "links on the wrong path:\n" + String.join("\n", wrong) + "\n" + testbed.formatPaths(paths));
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void heavyTrafficEarnsAShortcutThatCarriesIt() throws Exception
    {
        // a pair of hosts that can link directly but have no link: traffic between them is routed.
        // The overlay keeps linking meanwhile (and status files lag by up to a second), so a pair
        // that turns out linked when its flow starts is set aside and another one tried.
        final List<Testbed.Member> hosts = testbed.hosts();
        final java.util.Set<String> tried = new java.util.HashSet<>();
        Testbed.Member from = null;
        Testbed.Member to = null;
        long routed = 0;
        for (int attempt = 0; attempt < 3 && routed == 0; attempt++)
        {
            final Testbed.Link[][] paths = testbed.pathMatrix();
            from = null;
            for (int i = 0; i < hosts.size() && from == null; i++)
            {
                for (int j = 0; j < hosts.size() && from == null; j++)
                {
                    if (i != j && paths[i][j] == null && paths[j][i] == null && directPossible(hosts.get(i), hosts.get(j)) &&
                        !hosts.get(i).domain().equals(hosts.get(j).domain()) && tried.add(i + ">" + j))
                    {
                        from = hosts.get(i);
                        to = hosts.get(j);
                    }
                }
            }
            if (from == null)
            {
                org.junit.jupiter.api.Assumptions.assumeTrue(attempt > 0, "every pair that could link is linked already");
                break; // the pairs tried went direct, and no other is left: fail below
            }
            routed = routedFlow(from, to);
        }
        assertTrue(routed > 0, "the flow took the overlay route first (up to three pairs tried)");
        final String log = Files.readString(from.stateDir().resolve("log"));
        assertTrue(log.contains("shortcut_requested"), "the sender asked for a shortcut:\n" + log);
        Testbed.Link link = null;
        for (int round = 0; round < 20 && link == null; round++)
        {
            link = testbed.pathMatrix()[hosts.indexOf(from)][hosts.indexOf(to)];
            Thread.sleep(250);
        }
        assertTrue(link != null, from.name() + " has a link to " + to.name() + " now");
        final String status = Files.readString(from.stateDir().resolve(Node.STATUS_FILE));
        assertTrue(status.contains("shortcut"), "the link has the shortcut role: " + status);
        final String fib = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), script.resolveSibling("wow").toString(), "fib",
            "dump", "--state-dir", from.stateDir().toString());
        final String vip = to.virtualIp();
        assertTrue(fib.lines().anyMatch(l -> l.startsWith(vip + " ") && l.endsWith("direct")),
            "the FIB sends " + vip + " over the shortcut:\n" + fib);
    }

    /** Runs a 3 s iperf3 flow between two hosts. @return the routed packets it delivered to {@code to}. */
    private long routedFlow(final Testbed.Member from, final Testbed.Member to) throws Exception
    {
        final Process server = new ProcessBuilder("ip", "netns", "exec", to.namespace(), "iperf3", "-s", "-1", "-B", to.virtualIp())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final long[] hopsBefore = routedByHops(to);
        try
        {
            Thread.sleep(500);
            final long started = System.nanoTime();
            final Netns.Result r = Netns.exec("ip", "netns", "exec", from.namespace(), "iperf3", "-c", to.virtualIp(), "-t", "3",
                "-f", "m");
            System.out.printf("iperf3 %s(%s) -> %s(%s) over the overlay route, %d ms:%n%s%n", from.name(), from.type(), to.name(),
                to.type(), (System.nanoTime() - started) / 1_000_000, r.output().lines()
                    .filter(l -> l.contains("sender") || l.contains("receiver") || l.contains("0.00-1.00")).reduce("", (a, b) -> a + b + "\n"));
            assertEquals(0, r.exit(), r.output());
        }
        finally
        {
            Netns.stop(server);
        }
        final long[] hops = routedByHops(to);
        long routed = 0;
        for (int h = 0; h < hops.length; h++)
        {
            hops[h] -= hopsBefore[h];
            routed += hops[h];
        }
        System.out.printf("routed packets delivered to %s by overlay hops (1, 2, 3, 4+): %s%n", to.name(), java.util.Arrays.toString(hops));
        return routed;
    }

    /** @return the routed packets a node delivered to its TAP so far, by overlay hops 1, 2, 3, 4 or more. */
    private static long[] routedByHops(final Testbed.Member member) throws Exception
    {
        final long[] out = new long[4];
        final java.util.Map<String, Object> counters = counters(member);
        for (int h = 0; h < out.length; h++)
        {
            final String name = "routed_rx_hops_" + (h + 1) + (h == out.length - 1 ? "plus" : "") + " q";
            for (final java.util.Map.Entry<String, Object> e : counters.entrySet())
            {
                out[h] += e.getKey().startsWith(name) ? ((Number)e.getValue()).longValue() : 0;
            }
        }
        return out;
    }

    @Test
    @Order(5)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSecondNodeWithATakenVirtualIpRefusesToRun() throws Exception
    {
        final Testbed.Member owner = host("h2-1");
        final Testbed.Member seed = testbed.nodes().stream().filter(Testbed.Member::isSeed).findFirst().orElseThrow();
        final Path state = Files.createTempDirectory(dir, "duplicate");
        final Netns.Result r = Netns.exec("timeout", "40", "ip", "netns", "exec", seed.namespace(), "env",
            "WOW_JAR=" + System.getProperty("wow.jar"), script.resolveSibling("wow").toString(), "node", "--listen", "198.51.100.1:0",
            "--ip", owner.virtualIp() + "/16", "--seed", seed.listen(), "--tap", "wowdup", "--state-dir", state.toString(),
            "--cert", bundle("dup", Certificate.ADDRESS_IP, ip(owner.virtualIp()), 16));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().lines().anyMatch(l -> l.equals("wow: virtual IP " + owner.virtualIp() +
            " is leased to another live node (ring address " + ((String)Testbed.status(owner).get("address")).substring(0, 8) +
            "): pick another --ip")), r.output());
        assertTrue(Netns.run("ip", "netns", "exec", seed.namespace(), "ip", "link").lines().noneMatch(l -> l.contains("wowdup")),
            "its TAP is gone");
        // a member certified for another address, started with the owner's: refused before it opens anything
        final Netns.Result other = Netns.exec("timeout", "40", "ip", "netns", "exec", seed.namespace(), "env",
            "WOW_JAR=" + System.getProperty("wow.jar"), script.resolveSibling("wow").toString(), "node", "--listen", "198.51.100.1:0",
            "--ip", owner.virtualIp() + "/16", "--seed", seed.listen(), "--tap", "wowdup", "--state-dir",
            Files.createTempDirectory(dir, "other").toString(), "--cert", bundle("other", Certificate.ADDRESS_IP, ip("10.128.250.250"), 16));
        assertEquals(1, other.exit(), other.output());
        assertTrue(other.output().lines().anyMatch(l -> l.startsWith("wow: --ip " + owner.virtualIp() +
            " is not an address certificate other allows")), other.output());
        final String reached = Netns.exec("ip", "netns", "exec", host("h1-1").namespace(), "ping", "-c", "3", "-W", "1",
            owner.virtualIp()).output();
        assertTrue(!reached.contains(" 100% packet loss") && reached.contains("packet loss"), "the owner stays reachable: " + reached);
    }

    @Test
    @Order(6)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aDhcpNodeLeasesAFreeAddressAndAnUnmodifiedDhcpClientGetsIt() throws Exception
    {
        // in the seed's namespace, which has no TAP of its own (one namespace, one virtual subnet route)
        final Testbed.Member seed = testbed.nodes().stream().filter(Testbed.Member::isSeed).findFirst().orElseThrow();
        final Testbed.Member home = seed;
        final Path state = Files.createTempDirectory(dir, "dhcp");
        final Path script = dir.resolve("udhcpc.sh");
        final Path env = dir.resolve("udhcpc.env");
        Files.writeString(script, "#!/bin/sh\necho \"$1 ip=$ip subnet=$subnet mtu=$mtu routes=$staticroutes dns=$dns " +
            "domain=$domain\" >> " + env + "\n" +
            "[ \"$1\" = bound ] && ip addr add \"$ip/$subnet\" dev \"$interface\"\nexit 0\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        final ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", home.namespace(), MultiDomainSystemTest.script.resolveSibling("wow")
            .toString(), "node", "--listen", "0.0.0.0:0", "--dhcp", "--subnet", "10.128.0.0/16", "--tap", "wowdhcp", "--seed",
            seed.listen(), "--state-dir", state.toString(), "--cert", bundle("dhcp", Certificate.ADDRESS_POOL, 0x0A800000, 16))
            .redirectErrorStream(true).redirectOutput(state.resolve("log").toFile());
        pb.environment().put("WOW_JAR", System.getProperty("wow.jar"));
        final Process node = pb.start();
        try
        {
            String leased = null;
            for (int i = 0; i < 60 && leased == null; i++)
            {
                Thread.sleep(250);
                final java.util.regex.Matcher m = java.util.regex.Pattern.compile("ip_leased ip=(\\S+) .*dhcp=true")
                    .matcher(Files.readString(state.resolve("log")));
                leased = m.find() ? m.group(1) : null;
            }
            assertTrue(leased != null, "the node leased an address: " + Files.readString(state.resolve("log")));
            final Netns.Result client = Netns.exec("timeout", "30", "ip", "netns", "exec", home.namespace(), "busybox", "udhcpc", "-i",
                "wowdhcp", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", script.toString());
            assertEquals(0, client.exit(), client.output());
            final String got = Files.readString(env);
            System.out.printf("dhcp node leased %s; udhcpc: %s%n", leased, got.lines().filter(l -> l.startsWith("bound")).findFirst()
                .orElse(got));
            assertTrue(got.contains("bound ip=" + leased + " subnet=255.255.0.0 mtu=1356 routes=10.128.0.0/16 0.0.0.0 dns=" +
                leased + " domain=wow"), got);
            final String from = host("h1-1").namespace();
            String reached = "";
            for (int i = 0; i < 10 && !reached.contains(" 0% packet loss"); i++)
            {
                reached = Netns.exec("ip", "netns", "exec", from, "ping", "-c", "2", "-W", "1", leased).output();
            }
            assertTrue(reached.contains(" 0% packet loss") || reached.contains(" 50% packet loss"),
                "another host reaches the leased address: " + reached);
        }
        finally
        {
            Netns.stop(node);
        }
    }

    /**
     * Direct is possible on one LAN, and between different domains unless one side's UDP is
     * blocked, or one is symmetric and the other is not endpoint-independent (cone).
     */
    static boolean directPossible(final Testbed.Member a, final Testbed.Member b)
    {
        if (a.domain().equals(b.domain()))
        {
            return true;
        }
        if (a.type().equals("udp-blocked") || b.type().equals("udp-blocked"))
        {
            return false;
        }
        if (a.type().equals("cone") || b.type().equals("cone"))
        {
            return true;
        }
        return !a.type().equals("symmetric") && !b.type().equals("symmetric");
    }

    private static Testbed.Member host(final String name)
    {
        return testbed.hosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    /** Sends 4 MiB of random bytes over TCP from one host to another by virtual IP and compares SHA-256. */
    @Test
    @Order(7)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void strangersReachNoOne() throws Exception
    {
        // a node of another network's CA, and one without any certificate, both name the seed
        final Testbed.Member seed = testbed.nodes().stream().filter(Testbed.Member::isSeed).findFirst().orElseThrow();
        final long now = System.currentTimeMillis() / 1000;
        final CertificateAuthority other = CertificateAuthority.init(dir.resolve("other-ca"), "other", ip("10.128.0.0"), 16, 1,
            now);
        final Path file = dir.resolve("stranger.bundle");
        AtomicFile.writePrivate(file, other.sign("stranger", Certificate.ADDRESS_NONE, 0, 0, List.of(), true, 1, null,
            now).encode());
        for (final String[] security : List.of(new String[] {"--cert", file.toString()}, new String[] {"--insecure"}))
        {
            final Path state = Files.createTempDirectory(dir, "stranger");
            final List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", seed.namespace(),
                script.resolveSibling("wow").toString(), "node", "--listen", "198.51.100.1:0", "--no-tap", "--seed", seed.listen(),
                "--state-dir", state.toString()));
            cmd.addAll(List.of(security));
            final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(state.resolve("log").toFile());
            pb.environment().put("WOW_JAR", System.getProperty("wow.jar"));
            final Process node = pb.start();
            try
            {
                StaticTunnelSystemTest.awaitLog(state.resolve("log"), "node_started", node);
                Thread.sleep(8_000); // its handshakes (or plain link requests) are retried meanwhile
                final String status = Files.readString(state.resolve(Node.STATUS_FILE));
                assertTrue(status.contains("\"connections\":[]"), "linked to no one: " + status);
                final String counters = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"),
                    script.resolveSibling("wow").toString(), "counters", "--state-dir", state.toString(), "--all");
                assertTrue(counters.matches("(?s).*udp_rx_datagrams q0 +0\\n.*"), "no member answered it: " + counters);
                assertTrue(counters.matches("(?s).*udp_tx_datagrams q0 +[1-9].*"), "it did try: " + counters);
            }
            finally
            {
                Netns.stop(node);
            }
        }
    }

    @Test
    @Order(8)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRevokedHostIsCutOffByEveryMember() throws Exception
    {
        final Testbed.Member revoked = host("h6-2");
        final Testbed.Member seed = testbed.nodes().stream().filter(Testbed.Member::isSeed).findFirst().orElseThrow();
        final Path list = dir.resolve("h6-2.crl");
        final String launcher = script.resolveSibling("wow").toString();
        Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "ca", "revoke", "--dir", dir.resolve("ca").toString(),
            "--name", revoked.name(), "--out", list.toString());
        Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "revoke", list.toString(), "--state-dir",
            seed.stateDir().toString());
        final long handed = System.nanoTime();
        String status = "";
        for (int i = 0; i < 60 && !status.contains("\"connections\":[]"); i++)
        {
            Thread.sleep(1_000);
            status = Files.readString(revoked.stateDir().resolve(Node.STATUS_FILE));
        }
        assertTrue(status.contains("\"connections\":[]"), "the revoked host is linked to no one: " + status);
        System.out.printf("revoked host linked to no one %d ms after wow revoke on the seed%n",
            (System.nanoTime() - handed) / 1_000_000);
        final Netns.Result ping = Netns.exec("ip", "netns", "exec", host("h1-1").namespace(), "ping", "-c", "2", "-W", "1",
            revoked.virtualIp());
        assertTrue(ping.output().contains(" 100% packet loss"), "no member reaches it: " + ping.output());
        for (final Testbed.Member h : testbed.hosts())
        {
            if (!h.name().equals(revoked.name()))
            {
                assertTrue(Files.exists(h.stateDir().resolve("revocations")), h.name() + " holds the list");
            }
        }
    }

    private static void transfer(final Testbed.Member from, final Testbed.Member to, final int port) throws Exception
    {
        final byte[] data = new byte[4 << 20];
        new Random(port).nextBytes(data);
        final Path source = dir.resolve("send-" + port);
        final Path received = dir.resolve("recv-" + port);
        Files.write(source, data);
        final long started = System.nanoTime();
        final Process server = new ProcessBuilder("ip", "netns", "exec", to.namespace(), "nc", "-l", to.virtualIp(),
            Integer.toString(port)).redirectOutput(received.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try
        {
            Process client = null;
            for (int attempt = 0; attempt < 20; attempt++)
            {
                Thread.sleep(300); // the listener binds
                client = new ProcessBuilder("ip", "netns", "exec", from.namespace(), "nc", "-N", "-w", "20", to.virtualIp(),
                    Integer.toString(port)).redirectInput(source.toFile()).redirectErrorStream(true).start();
                client.getInputStream().readAllBytes();
                if (client.waitFor(60, TimeUnit.SECONDS) && client.exitValue() == 0)
                {
                    break;
                }
            }
            assertTrue(client != null && client.exitValue() == 0, "nc " + from.name() + " -> " + to.name() + " failed");
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the receiver did not see the end of the stream");
        }
        finally
        {
            Netns.stop(server);
        }
        final long ms = (System.nanoTime() - started) / 1_000_000;
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final String sent = HexFormat.of().formatHex(sha.digest(data));
        final String got = HexFormat.of().formatHex(sha.digest(Files.readAllBytes(received)));
        System.out.printf("tcp %s(%s) -> %s(%s): %d bytes in %d ms, sha256 %s%n", from.name(), from.type(), to.name(), to.type(),
            Files.size(received), ms, got.substring(0, 16));
        assertEquals(sent, got, "the bytes that arrived differ from those sent " + from.name() + " -> " + to.name());
    }
}
