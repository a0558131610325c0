package wow.tools;

import org.junit.jupiter.api.Test;
import wow.dataplane.ThreadingMode;
import wow.dataplane.protocol.Ipv4;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeCommandTest
{
    @Test
    void parsesAFullCommandLine()
    {
        final NodeConfig c = NodeCommand.parse(new String[] {"--insecure", "--listen", "192.0.2.1:7000", "--ip", "10.7.0.1/16",
            "--peer", "10.7.0.2=192.0.2.2:7000", "--peer=10.7.0.3=192.0.2.3:7001", "--tap", "wowt", "--queues", "2",
            "--state-dir", "/tmp/x", "--underlay-mtu", "9000", "--threading", "shared", "--keepalive-ms", "250", "--spin-us", "20"});
        assertEquals(Ipv4.parse("192.0.2.1"), c.listenAddress());
        assertEquals(7000, c.listenPort());
        assertEquals(Ipv4.parse("10.7.0.1"), c.virtualIp());
        assertEquals(16, c.prefix());
        assertEquals(2, c.peers().size());
        assertEquals("wowt", c.tapName());
        assertEquals(2, c.queues());
        assertEquals(Path.of("/tmp/x"), c.stateDir());
        assertEquals(9000 - 80, c.innerMtu());
        assertEquals(ThreadingMode.SHARED, c.threading());
        assertEquals(250, c.keepaliveMs());
        assertEquals(20, c.spinUs());
    }

    @Test
    void parsesSeedSchemesAndTcpListen()
    {
        final NodeConfig c = NodeCommand.parse(new String[] {"--insecure", "--listen", "192.0.2.1:7000", "--no-tap", "--seed", "192.0.2.2:7000",
            "--seed", "udp://192.0.2.3:7000", "--seed", "tcp://192.0.2.4:443", "--tcp-listen", "192.0.2.1:7001",
            "--relay-mbps", "100"});
        assertEquals(wow.dataplane.transport.Endpoints.parse("192.0.2.2:7000"), c.seeds()[0]);
        assertEquals(wow.dataplane.transport.Endpoints.parse("192.0.2.3:7000"), c.seeds()[1]);
        assertTrue(wow.dataplane.transport.Endpoints.isTcp(c.seeds()[2]));
        assertEquals("tcp://192.0.2.4:443", wow.dataplane.transport.Endpoints.toString(c.seeds()[2]));
        assertEquals("tcp://192.0.2.1:7001", wow.dataplane.transport.Endpoints.toString(c.tcpListen()));
        assertEquals(100, c.relayMbps());
        final NodeConfig plain = NodeCommand.parse(new String[] {"--insecure", "--listen", "192.0.2.1:7000", "--no-tap"});
        assertEquals(0, plain.tcpListen());
        assertEquals(NodeConfig.DEFAULT_RELAY_MBPS, plain.relayMbps());
        assertEquals(NodeConfig.DEFAULT_OVERLAY_KEEPALIVE_MS, plain.keepaliveMs());
    }

    @Test
    void parsesDhcpWithItsSubnet()
    {
        final NodeConfig c = NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:7000", "--dhcp", "--subnet", "10.128.7.9/16"});
        assertTrue(c.dhcp());
        assertEquals(Ipv4.parse("10.128.0.0"), c.dhcpSubnet(), "the network address");
        assertEquals(16, c.prefix());
        assertEquals(0, c.virtualIp());
    }

    @Test
    void parsesCpuLists()
    {
        assertEquals(0, NodeCommand.parseCpus("").length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0}, NodeCommand.parseCpus("0"));
        final int last = Runtime.getRuntime().availableProcessors() - 1;
        org.junit.jupiter.api.Assertions.assertArrayEquals(
            java.util.stream.IntStream.rangeClosed(0, last).toArray(), NodeCommand.parseCpus("0-" + last));
        assertEquals("bad --cpus '" + (last + 1) + "': expected a list like 0,2-3 of CPUs 0 to " + last,
            assertThrows(UsageException.class, () -> NodeCommand.parseCpus(String.valueOf(last + 1))).getMessage());
        for (final String bad : new String[] {"a", "1-0", "-1", "0,", "0-"})
        {
            assertThrows(UsageException.class, () -> NodeCommand.parseCpus(bad), bad);
        }
    }

    @Test
    void defaults()
    {
        final NodeConfig c = NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24"});
        assertEquals("wow0", c.tapName());
        assertEquals(1, c.queues());
        assertEquals(1420, c.innerMtu());
        assertEquals(ThreadingMode.DEDICATED, c.threading());
        assertTrue(c.stateDir().endsWith(Path.of("wow", "wow0")));
        final NodeConfig router = NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:9", "--no-tap"});
        assertEquals(null, router.tapName());
        assertEquals(0, router.virtualIp());
    }

    static String error(final String... argv)
    {
        return assertThrows(UsageException.class, () -> NodeCommand.parse(argv)).getMessage();
    }

    @Test
    void namesAndDns()
    {
        final NodeConfig lab = NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24",
            "--name", "Web.EU", "--dns-domain", "Lab"});
        assertEquals("web.eu", lab.name());
        assertEquals("lab", lab.dnsDomain());
        assertTrue(NodeCommand.printConfig(lab).contains("name: web.eu\ndns-domain: lab\n"));
        final String[] plain = {"--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24"};
        assertEquals("wow", NodeCommand.parse(plain).dnsDomain(), "DNS by default");
        assertNull(NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24", "--no-dns"})
            .dnsDomain());
        assertNull(NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:0", "--no-tap"}).dnsDomain(),
            "no TAP: no host to answer");
        assertTrue(error("--cert", "b.pem", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24", "--name", "x")
            .startsWith("--name is for an --insecure node"));
        assertTrue(error("--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24", "--name", "a_b").startsWith("bad --name"));
        assertTrue(error("--insecure", "--listen", "0.0.0.0:0", "--ip", "10.7.0.1/24", "--dns-domain", "a..b")
            .startsWith("bad --dns-domain"));
        assertTrue(error("--insecure", "--listen", "0.0.0.0:0", "--no-tap", "--dns-domain", "lab")
            .startsWith("--dns-domain needs DNS"));
    }

    @Test
    void badInputGetsOneLineNamingTheProblem()
    {
        assertEquals("--listen HOST:PORT is required", error("--ip", "10.0.0.1/24"));
        assertEquals("--ip A.B.C.D/P is required (or --dhcp --subnet A.B.C.D/P, or --no-tap)", error("--listen", "1.2.3.4:5"));
        assertEquals("--dhcp and --subnet A.B.C.D/P go together", error("--listen", "1.2.3.4:5", "--dhcp"));
        assertEquals("--dhcp leases the virtual IP: not with --ip or --no-tap",
            error("--listen", "1.2.3.4:5", "--dhcp", "--subnet", "10.0.0.0/8", "--ip", "10.0.0.1/8"));
        assertEquals("bad --subnet '10.0.0.0/31': prefix length must be 1 to 30",
            error("--listen", "1.2.3.4:5", "--dhcp", "--subnet", "10.0.0.0/31"));
        assertEquals("bad --listen 'nowhere': expected HOST:PORT", error("--listen", "nowhere", "--no-tap"));
        assertEquals("bad --listen: bad IPv4 address 'example.org'", error("--listen", "example.org:5", "--no-tap"));
        assertEquals("bad port '99999' in --listen", error("--listen", "1.2.3.4:99999", "--no-tap"));
        assertEquals("bad --ip '10.0.0.1': expected A.B.C.D/PREFIX", error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1"));
        assertEquals("bad --ip '10.0.0.1/33': prefix length must be 1 to 30",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1/33"));
        assertEquals("bad --ip '10.0.0.255/24': that is the subnet's network or broadcast address",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.255/24"));
        assertEquals("bad --peer '10.0.0.2': expected VIRTUAL_IP=HOST:PORT",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1/24", "--peer", "10.0.0.2"));
        assertEquals("bad --queues 'many': expected an integer from 1 to 64",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1/24", "--queues", "many"));
        assertEquals("bad --threading 'turbo': dedicated or shared",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1/24", "--threading", "turbo"));
        assertEquals("unknown option '--frobnicate'", error("--listen", "1.2.3.4:5", "--frobnicate", "1"));
        assertEquals("--listen given twice", error("--listen", "1.2.3.4:5", "--listen", "1.2.3.4:6"));
        assertEquals("--queues needs a value", error("--listen", "1.2.3.4:5", "--queues"));
        assertEquals("--tap and --no-tap exclude each other", error("--listen", "1.2.3.4:5", "--no-tap", "--tap", "x"));
        assertEquals("--seed and --peer exclude each other: a node runs the overlay or static tunnels",
            error("--listen", "1.2.3.4:5", "--no-tap", "--seed", "1.2.3.4:6", "--peer", "10.0.0.2=1.2.3.4:7"));
        assertEquals("bad --seed 'ftp://1.2.3.4:6': bad endpoint 'ftp://1.2.3.4:6': the scheme must be udp:// or tcp://",
            error("--listen", "1.2.3.4:5", "--no-tap", "--seed", "ftp://1.2.3.4:6"));
        assertEquals("bad --tcp-listen 'example:1': bad IPv4 address 'example'",
            error("--listen", "1.2.3.4:5", "--no-tap", "--tcp-listen", "example:1"));
        assertEquals("--tcp-listen is for the overlay; static tunnels (--peer) use UDP only",
            error("--listen", "1.2.3.4:5", "--ip", "10.0.0.1/24", "--peer", "10.0.0.2=1.2.3.4:7", "--tcp-listen", "1.2.3.4:8"));
        assertEquals("bad --relay-mbps '-1': expected an integer from 0 to 1000000",
            error("--listen", "1.2.3.4:5", "--no-tap", "--relay-mbps", "-1"));
        assertEquals("bad --seed 'nowhere': bad endpoint 'nowhere': expected HOST:PORT",
            error("--listen", "1.2.3.4:5", "--no-tap", "--seed", "nowhere"));
    }

    @Test
    void mainPrintsOneLineAndExitsNonZero()
    {
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(2, Main.run(new String[] {"node", "--listen", "x"}));
            assertEquals(2, Main.run(new String[] {"bogus"}));
            assertEquals(1, Main.run(new String[] {"counters", "--state-dir", "/nonexistent/wow"}));
        }
        finally
        {
            System.setErr(err);
        }
        final String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("wow: bad --listen 'x': expected HOST:PORT", lines[0]);
        assertTrue(lines[1].startsWith("wow: unknown command 'bogus'"));
        assertTrue(captured.toString(StandardCharsets.UTF_8)
            .contains("wow: no counters file at /nonexistent/wow/counters: is a node running with this state directory?"));
    }
}
