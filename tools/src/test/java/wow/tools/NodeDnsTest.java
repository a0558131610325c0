package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import wow.controlplane.EventLog;
import wow.controlplane.NameResolver;

/**
 * A node's DNS follows its virtual IP and sets split DNS through resolvectl where it can (and
 * reverts it), says in one line how to point the host at it where it cannot, and survives a port
 * it cannot have. Loopback only; resolvectl is a stand-in.
 */
class NodeDnsTest
{
    static final int LOOPBACK = 0x7F000001;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final EventLog log = new EventLog(new PrintStream(logged, true));
    final CountersManager counters = new CountersManager(new UnsafeBuffer(new byte[64 * 1024]),
        new UnsafeBuffer(new byte[8 * 1024]));
    final List<List<String>> ran = new ArrayList<>();

    NodeDns dns(final NodeDns.Runner runner, final int port)
    {
        return new NodeDns("wowt0", "lab", name -> CompletableFuture.completedFuture(name.equals("web") ?
            new NameResolver.Answer(NameResolver.Status.FOUND, 0x0A000002, 30) : NameResolver.Answer.NO_SUCH_NAME),
            counters, log, runner, port);
    }

    static int freePort() throws IOException
    {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    @Test
    void servesAtTheVirtualIpSetsSplitDnsAndRevertsItOnClose() throws Exception
    {
        final int port = freePort();
        try (NodeDns dns = dns(command ->
        {
            ran.add(command);
            return 0;
        }, port); DatagramSocket client = new DatagramSocket())
        {
            dns.follow(() -> 0);
            assertEquals(0, dns.serving(), "no address yet: not serving");
            dns.follow(() -> LOOPBACK);
            assertEquals(LOOPBACK, dns.serving());
            assertEquals(List.of(List.of("resolvectl", "dns", "wowt0", "127.0.0.1"), List.of("resolvectl", "domain", "wowt0",
                "~lab")), ran, "only the overlay's domain goes to the node");
            assertTrue(logged.toString().contains("dns_serving server=127.0.0.1 domain=lab split_dns=systemd-resolved"),
                logged.toString());
            final byte[] q = ByteBuffer.allocate(12 + 9 + 4).putShort((short)7).putShort((short)0x0100).putShort((short)1)
                .putShort((short)0).putShort((short)0).putShort((short)0).put(new byte[] {3, 'w', 'e', 'b', 3, 'l', 'a', 'b', 0})
                .putShort((short)1).putShort((short)1).array();
            client.setSoTimeout(2_000);
            client.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), port));
            final DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            client.receive(reply);
            assertEquals(0x0A000002, ByteBuffer.wrap(reply.getData()).getInt(reply.getLength() - 4), "web.lab answered");
            dns.follow(() -> LOOPBACK);
            assertEquals(2, ran.size(), "the same address: nothing done again");
        }
        assertEquals(List.of("resolvectl", "revert", "wowt0"), ran.get(2), "split DNS reverted on close");
    }

    @Test
    void withoutResolvectlOneLineSaysHowToPointTheHostAtIt() throws Exception
    {
        try (NodeDns dns = dns(command ->
        {
            throw new IOException("no such file");
        }, freePort()))
        {
            dns.follow(() -> LOOPBACK);
            assertTrue(logged.toString().contains("note=\"to resolve NAME.lab point the host at 127.0.0.1 (e.g. 'resolvectl dns " +
                "wowt0 127.0.0.1; resolvectl domain wowt0 ~lab', or 'nameserver 127.0.0.1' in /etc/resolv.conf)\""),
                logged.toString());
        }
    }

    @Test
    void aPortItCannotHaveIsOneLineAndTheNodeGoesOn() throws Exception
    {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            NodeDns dns = dns(command -> 0, taken.getLocalPort()))
        {
            dns.follow(() -> LOOPBACK);
            dns.follow(() -> LOOPBACK);
            assertEquals(0, dns.serving());
            assertEquals(1, logged.toString().split("dns_failed", -1).length - 1, "said once: " + logged);
            assertTrue(logged.toString().contains("cannot answer DNS on 127.0.0.1:" + taken.getLocalPort()), logged.toString());
        }
    }
}
