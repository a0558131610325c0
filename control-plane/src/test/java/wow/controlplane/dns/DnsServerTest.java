package wow.controlplane.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import wow.controlplane.NameResolver;

/** The DNS server on a loopback socket: answers the host, drops what is no query, frees a port it leaves. */
class DnsServerTest
{
    final CountersManager counters = new CountersManager(new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[8 * 1024]));
    final AtomicCounter answered = counters.newCounter("dns_answered");
    final AtomicCounter dropped = counters.newCounter("dns_dropped");

    @Test
    void answersAQueryFromThisHostAndDropsWhatIsNoQuery() throws Exception
    {
        final CompletableFuture<NameResolver.Answer> later = new CompletableFuture<>();
        final DnsResponder responder = new DnsResponder("wow", host -> host.equals("web") ? later :
            CompletableFuture.completedFuture(NameResolver.Answer.NO_SUCH_NAME));
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (DnsServer server = new DnsServer(responder, answered, dropped); DatagramSocket client = new DatagramSocket())
        {
            final int port = server.bind(loopback, 0);
            client.setSoTimeout(2_000);
            final byte[] q = DnsResponderTest.query("web.wow", DnsMessage.TYPE_A);
            client.send(new DatagramPacket(q, q.length, loopback, port));
            final byte[] noQuery = new byte[5];
            client.send(new DatagramPacket(noQuery, noQuery.length, loopback, port));
            Thread.sleep(200);
            later.complete(new NameResolver.Answer(NameResolver.Status.FOUND, 0x0A000007, 20)); // the overlay answers later
            final DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            client.receive(reply);
            assertEquals(0x0A000007, ByteBuffer.wrap(reply.getData()).getInt(reply.getLength() - 4));
            assertEquals(1, answered.get());
            assertEquals(1, dropped.get());

            // a second bind (the node's address changed) frees the first port
            final int second = server.bind(loopback, 0);
            client.send(new DatagramPacket(q, q.length, loopback, port));
            assertThrows(SocketTimeoutException.class, () -> client.receive(new DatagramPacket(new byte[512], 512)));
            final byte[] unknown = DnsResponderTest.query("nobody.wow", DnsMessage.TYPE_A);
            client.send(new DatagramPacket(unknown, unknown.length, loopback, second));
            client.receive(reply);
            assertEquals(DnsMessage.NXDOMAIN, reply.getData()[3] & 0x0F);
        }
    }

    @Test
    void onlyThisHostIsAnswered() throws Exception
    {
        final InetAddress own = InetAddress.getByName("10.1.0.5");
        assertTrue(DnsServer.fromThisHost(own, own));
        assertTrue(DnsServer.fromThisHost(InetAddress.getByName("127.0.0.1"), own));
        assertTrue(!DnsServer.fromThisHost(InetAddress.getByName("10.1.0.6"), own), "another member, through the tunnel");
    }

    @Test
    void aPortItCannotHaveIsOneLineNamingIt() throws Exception
    {
        final DnsResponder responder = new DnsResponder("wow", host -> new CompletableFuture<>());
        try (DnsServer first = new DnsServer(responder, answered, dropped); DnsServer second = new DnsServer(responder, answered,
            dropped))
        {
            final InetAddress loopback = InetAddress.getByName("127.0.0.1");
            final int port = first.bind(loopback, 0);
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> second.bind(loopback, port));
            assertTrue(e.getMessage().startsWith("cannot answer DNS on 127.0.0.1:" + port), e.getMessage());
        }
    }
}
