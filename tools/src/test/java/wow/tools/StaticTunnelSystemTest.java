package wow.tools;

import java.util.List;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.AtomicFile;
import wow.controlplane.security.CertificateAuthority;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * System test (root): two network namespaces joined by veth, {@code tools/wow node} in each with a
 * real two-queue TAP; ping both ways, a 50 MB TCP transfer whose checksum matches (partial
 * checksums across the link), UDP at 300 Mbit/s that the receiver writes as UDP super-frames where
 * its kernel takes them and the kernel refusing no frame, an application's UDP super-sends
 * ({@code UDP_SEGMENT}) handed over whole by the sender's TAP and cut by WOW, and a clean teardown of
 * every namespace, interface and process, even on failure.
 */
@Tag("system")
class StaticTunnelSystemTest
{
    static String launcher;

    @BeforeAll
    static void requirements()
    {
        launcher = Netns.launcherOrSkip();
    }

    static ProcessBuilder env(final ProcessBuilder pb)
    {
        pb.environment().put("WOW_JAR", System.getProperty("wow.jar"));
        return pb;
    }

    Process node(final Netns netns, final String ns, final Path dir, final String... args) throws Exception
    {
        final java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("env",
            "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "node"));
        cmd.addAll(java.util.List.of(args));
        cmd.addAll(java.util.List.of("--state-dir", dir.toString()));
        return netns.start(ns, dir.resolve("node.log"), cmd.toArray(new String[0]));
    }

    /** @return the path of a new bundle for a host with this virtual IP. */
    static String bundle(final CertificateAuthority ca, final Path dir, final String name, final int ip, final long now)
        throws Exception
    {
        final Path file = dir.resolve(name + ".bundle");
        AtomicFile.writePrivate(file, ca.sign(name, Certificate.ADDRESS_IP, ip, 24, List.of(), false, 1, null, now)
            .encode());
        return file.toString();
    }

    static void awaitLog(final Path log, final String text, final Process p) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline)
        {
            if (Files.exists(log) && Files.readString(log).contains(text))
            {
                return;
            }
            if (!p.isAlive())
            {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("'" + text + "' not seen in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    /** @return a per-queue counter of the node, summed over its queues. */
    static long counter(final Path dir, final String name) throws Exception
    {
        final String counters = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "counters",
            "--state-dir", dir.toString());
        return counters.lines().filter(l -> l.startsWith(name + " q"))
            .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** A sender of UDP super-sends ({@code UDP_SEGMENT}): COUNT sends of 10 datagrams of 1,200 bytes; exit 3 without UDP GSO. */
    static final String GSO_SENDER = """
        #include <arpa/inet.h>
        #include <netinet/in.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <time.h>
        int main(int argc, char **argv) {
            int s = socket(AF_INET, SOCK_DGRAM, 0), seg = 1200;
            struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
            inet_pton(AF_INET, argv[1], &to.sin_addr);
            if (setsockopt(s, IPPROTO_UDP, 103 /* UDP_SEGMENT */, &seg, sizeof seg) < 0) return 3;
            static char payload[12000];
            struct timespec pause = {0, 1000000};
            for (int i = 0; i < atoi(argv[3]); i++) {
                memset(payload, 'a' + i % 26, sizeof payload);
                if (sendto(s, payload, sizeof payload, 0, (struct sockaddr *)&to, sizeof to) != sizeof payload) return 1;
                nanosleep(&pause, 0);
            }
            return 0;
        }
        """;

    @Test
    @Timeout(180)
    void pingBothWaysAndA50MegabyteTransferWithMatchingChecksum(@TempDir final Path tmp) throws Exception
    {
        String nsA;
        String nsB;
        Process a;
        Process b;
        try (Netns netns = new Netns())
        {
            nsA = netns.create("a");
            nsB = netns.create("b");
            netns.veth(nsA, "172.31.77.1/24", nsB, "172.31.77.2/24");
            final Path dirA = Files.createDirectories(tmp.resolve("a"));
            final Path dirB = Files.createDirectories(tmp.resolve("b"));
            // the two hosts are members of one network: their tunnel is authenticated and sealed
            final long now = System.currentTimeMillis() / 1000;
            final CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), "pair", 0x0A4D0000, 24, 1, now);
            a = node(netns, nsA, dirA, "--listen", "172.31.77.1:40001", "--ip", "10.77.0.1/24",
                "--peer", "10.77.0.2=172.31.77.2:40002", "--queues", "2", "--cert", bundle(ca, tmp, "a", 0x0A4D0001, now));
            b = node(netns, nsB, dirB, "--listen", "172.31.77.2:40002", "--ip", "10.77.0.2/24",
                "--peer", "10.77.0.1=172.31.77.1:40001", "--queues", "2", "--cert", bundle(ca, tmp, "b", 0x0A4D0002, now));
            awaitLog(dirA.resolve("node.log"), "link_up", a);
            awaitLog(dirB.resolve("node.log"), "link_up", b);
            assertTrue(Netns.run("ip", "-n", nsA, "-d", "link", "show", "wow0").contains("numqueues 2"));

            Netns.run("ip", "netns", "exec", nsA, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2");
            Netns.run("ip", "netns", "exec", nsB, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.1");

            final Netns.Result nc = Netns.exec("sh", "-c", "command -v nc");
            Assumptions.assumeTrue(nc.exit() == 0, "the transfer needs nc (apt-get install netcat-openbsd)");
            final Path source = tmp.resolve("source.bin");
            final Path sink = tmp.resolve("sink.bin");
            Netns.run("sh", "-c", "head -c 50000000 /dev/urandom > " + source);
            final Process server = netns.start(nsB, tmp.resolve("nc-server.log"), "sh", "-c", "nc -l 10.77.0.2 45000 > " + sink);
            Thread.sleep(300);
            Netns.run("ip", "netns", "exec", nsA, "sh", "-c", "nc -N -w 30 10.77.0.2 45000 < " + source);
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "receiver finished");
            assertEquals(50_000_000L, Files.size(sink));
            assertEquals(Netns.run("sha256sum", source.toString()).split(" ")[0], Netns.run("sha256sum", sink.toString()).split(" ")[0]);

            // UDP that the TAP hands over one datagram at a time: B writes runs of it as UDP super-frames
            final long mergedBefore = counter(dirB, "tap_tx_merged_segments");
            final Process udpServer = netns.start(nsB, tmp.resolve("iperf3-server.log"), "iperf3", "-s", "-1", "-B", "10.77.0.2");
            Thread.sleep(300);
            final Netns.Result udp = Netns.exec("ip", "netns", "exec", nsA, "iperf3", "-c", "10.77.0.2", "-u", "-b", "300M",
                "-l", "1200", "-t", "2");
            assertEquals(0, udp.exit(), udp.output());
            assertTrue(udpServer.waitFor(30, TimeUnit.SECONDS), "iperf3 server finished");
            if (Files.readString(dirB.resolve("node.log")).contains("udp_super_frames=on"))
            {
                assertTrue(counter(dirB, "tap_tx_merged_segments") > mergedBefore, "datagrams merged into UDP super-frames");

                // an application that sends UDP super-frames: A's TAP hands them over whole and A cuts them
                final Path sender = tmp.resolve("gso-sender");
                Files.writeString(tmp.resolve("gso-sender.c"), GSO_SENDER);
                Netns.run("gcc", "-O2", "-o", sender.toString(), tmp.resolve("gso-sender.c").toString());
                final Path udpSink = tmp.resolve("udp-sink.bin");
                final Process udpReceiver = netns.start(nsB, tmp.resolve("nc-udp.log"), "sh", "-c", "nc -u -l 10.77.0.2 45001 > " + udpSink);
                Thread.sleep(300);
                final long framesBefore = counter(dirA, "tap_rx_frames");
                final long sentBefore = counter(dirA, "udp_tx_datagrams");
                final Netns.Result gso = Netns.exec("ip", "netns", "exec", nsA, sender.toString(), "10.77.0.2", "45001", "200");
                Thread.sleep(500);
                Netns.stop(udpReceiver);
                assertEquals(0, gso.exit(), "the kernel took UDP_SEGMENT sends: " + gso.output());
                final long frames = counter(dirA, "tap_rx_frames") - framesBefore;
                final long datagrams = counter(dirA, "udp_tx_datagrams") - sentBefore;
                assertTrue(datagrams >= 2000 && frames <= 400, "2,000 datagrams from ~200 TAP frames: " + frames + " frames, " +
                    datagrams + " datagrams");
                assertTrue(Files.size(udpSink) > 0, "datagrams arrived");
            }
            final String countersB = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "counters",
                "--state-dir", dirB.toString());
            assertFalse(countersB.contains("tap_write"), "the kernel took every frame written: " + countersB);

            final String counters = Netns.run("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "counters",
                "--state-dir", dirA.toString());
            assertTrue(counters.contains("udp_tx_datagrams"), counters);
            assertTrue(counters.matches("(?s).*handshake_completed +[1-9].*"), counters);
            assertFalse(counters.contains("auth_failed") || counters.contains("replayed"), counters);

            Netns.stop(a);
            Netns.stop(b);
            assertTrue(Files.readString(dirA.resolve("node.log")).contains("node_stopped tap=wow0"));
            assertFalse(Netns.exec("ip", "-n", nsA, "link", "show", "wow0").exit() == 0, "TAP removed when the node stops");
        }
        assertFalse(Netns.exists(nsA));
        assertFalse(Netns.exists(nsB));
        assertFalse(a.isAlive() || b.isAlive());
    }

    @Test
    @Timeout(60)
    void refusesATapNameInUseWithOneLine(@TempDir final Path tmp) throws Exception
    {
        try (Netns netns = new Netns())
        {
            final String ns = netns.create("busy");
            final Netns.Result r = Netns.exec("ip", "netns", "exec", ns, "env", "WOW_JAR=" + System.getProperty("wow.jar"),
                launcher, "node", "--listen", "127.0.0.1:0", "--ip", "10.78.0.1/24", "--tap", "lo",
                "--state-dir", tmp.toString(), "--insecure");
            assertEquals(1, r.exit());
            assertEquals("wow: device name lo is in use: pick another with --tap", r.output().trim());
        }
    }
}
