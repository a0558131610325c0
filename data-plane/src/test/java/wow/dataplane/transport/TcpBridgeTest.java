package wow.dataplane.transport;

import org.junit.jupiter.api.Test;
import wow.shim.UdpSocket;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two nodes' UDP sockets on loopback joined by the TCP transport: datagrams cross intact, in order, and bad input is dropped. */
class TcpBridgeTest
{
    static final int LOOPBACK = 0x7F000001;

    record Event(boolean opened, long remote, long bridge)
    {
    }

    static TcpBridge.Listener recorder(final BlockingQueue<Event> events)
    {
        return new TcpBridge.Listener()
        {
            @Override
            public void opened(final long remote, final long bridge)
            {
                events.add(new Event(true, remote, bridge));
            }

            @Override
            public void closed(final long remote, final long bridge)
            {
                events.add(new Event(false, remote, bridge));
            }
        };
    }

    static DatagramChannel socket() throws Exception
    {
        final DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        c.socket().setSoTimeout(5_000);
        return c;
    }

    static long endpoint(final DatagramChannel c) throws Exception
    {
        return UdpSocket.endpoint(LOOPBACK, ((InetSocketAddress)c.getLocalAddress()).getPort());
    }

    static InetSocketAddress inet(final long endpoint)
    {
        return new InetSocketAddress("127.0.0.1", UdpSocket.endpointPort(Endpoints.plain(endpoint)));
    }

    static byte[] receive(final DatagramChannel c, final long expectedFrom) throws Exception
    {
        return receive(c, expectedFrom, 5_000);
    }

    static byte[] receive(final DatagramChannel c, final long expectedFrom, final long timeoutMs) throws Exception
    {
        final ByteBuffer b = ByteBuffer.allocate(65_536);
        c.configureBlocking(false);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            final InetSocketAddress from = (InetSocketAddress)c.receive(b);
            if (from != null)
            {
                assertEquals(UdpSocket.endpointPort(expectedFrom), from.getPort(), "sent from the bridge standing for the peer");
                return Arrays.copyOf(b.array(), b.position());
            }
            Thread.sleep(1);
        }
        return null;
    }

    @Test
    void datagramsCrossATcpConnectionIntactAndInOrder() throws Exception
    {
        final BlockingQueue<Event> eventsA = new LinkedBlockingQueue<>();
        final BlockingQueue<Event> eventsB = new LinkedBlockingQueue<>();
        try (DatagramChannel nodeA = socket(); DatagramChannel nodeB = socket(); DatagramChannel stranger = socket();
            TcpBridge a = new TcpBridge(endpoint(nodeA), recorder(eventsA));
            TcpBridge b = new TcpBridge(endpoint(nodeB), recorder(eventsB)))
        {
            final long listening = a.listen(Endpoints.tcp(LOOPBACK, 0));
            assertTrue(Endpoints.isTcp(listening));
            b.connect(listening);
            final Event atB = eventsB.poll(5, TimeUnit.SECONDS);
            final Event atA = eventsA.poll(5, TimeUnit.SECONDS);
            assertNotNull(atB);
            assertNotNull(atA);
            assertEquals(listening, atB.remote(), "B reaches A's tcp:// endpoint through its bridge");
            assertTrue(Endpoints.isTcp(atA.remote()));

            final Random random = new Random(1);
            for (int batch = 0; batch < 25; batch++)
            {
                // in batches, as a node sends: 20 datagrams of 1 to 1400 bytes, then read them on the far side
                final byte[][] sent = new byte[20][];
                for (int i = 0; i < sent.length; i++)
                {
                    sent[i] = new byte[1 + random.nextInt(1400)];
                    random.nextBytes(sent[i]);
                    nodeB.send(ByteBuffer.wrap(sent[i]), inet(atB.bridge()));
                }
                for (final byte[] expected : sent)
                {
                    assertArrayEquals(expected, receive(nodeA, atA.bridge()));
                }
            }
            nodeA.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), inet(atA.bridge()));
            assertArrayEquals(new byte[] {1, 2, 3}, receive(nodeB, atB.bridge()), "and back");

            stranger.send(ByteBuffer.wrap(new byte[] {9}), inet(atB.bridge()));
            Thread.sleep(200);
            assertEquals(1, b.dropped(), "a bridge carries only its own node's datagrams");
            assertNull(receive(nodeA, atA.bridge(), 300), "nothing of the stranger's arrived");
        }
    }

    @Test
    void aZeroLengthFrameClosesTheConnection() throws Exception
    {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (DatagramChannel node = socket(); TcpBridge a = new TcpBridge(endpoint(node), recorder(events)))
        {
            final long listening = a.listen(Endpoints.tcp(LOOPBACK, 0));
            try (Socket s = new Socket("127.0.0.1", UdpSocket.endpointPort(Endpoints.plain(listening))))
            {
                assertTrue(events.poll(5, TimeUnit.SECONDS).opened());
                final OutputStream out = s.getOutputStream();
                out.write(new byte[] {0, 0});
                out.flush();
                final Event closed = events.poll(5, TimeUnit.SECONDS);
                assertNotNull(closed);
                assertEquals(false, closed.opened());
                assertEquals(1, a.badFrames());
            }
        }
    }

    @Test
    void aBurstFasterThanTcpWaitsInItsBridgeInsteadOfBeingDropped() throws Exception
    {
        try (UdpSocket probe = UdpSocket.open((java.net.Inet4Address)java.net.InetAddress.getByName("127.0.0.1"), 0, false))
        {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                wow.shim.Shim.lib().wow_sock_buffers(probe.fd(), TcpBridge.BRIDGE_BUFFER_BYTES) >= TcpBridge.BRIDGE_BUFFER_BYTES,
                "large socket buffers need CAP_NET_ADMIN (run as root)");
        }
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final int datagrams = 5_000;
        final int size = 1_000;
        try (DatagramChannel node = socket(); TcpBridge a = new TcpBridge(endpoint(node), recorder(events));
            Socket peer = new Socket())
        {
            final long listening = a.listen(Endpoints.tcp(LOOPBACK, 0));
            peer.setReceiveBufferSize(64 * 1024); // a slow far side: a small window, and nothing read yet
            peer.connect(inet(listening));
            final Event opened = events.poll(5, TimeUnit.SECONDS);
            assertNotNull(opened);
            final ByteBuffer datagram = ByteBuffer.allocate(size);
            for (int i = 0; i < datagrams; i++) // 5 MB at once: far more than a socket's default buffer holds
            {
                datagram.clear();
                datagram.putInt(0, i);
                node.send(datagram, inet(opened.bridge()));
                if (i % 200 == 199)
                {
                    Thread.sleep(1);
                }
            }
            final java.io.DataInputStream in = new java.io.DataInputStream(peer.getInputStream());
            peer.setSoTimeout(10_000);
            for (int i = 0; i < datagrams; i++)
            {
                final byte[] frame = new byte[size];
                try
                {
                    assertEquals(size, in.readUnsignedShort(), "frame " + i);
                    in.readFully(frame);
                }
                catch (final java.net.SocketTimeoutException ex)
                {
                    throw new AssertionError("only " + i + " of " + datagrams + " datagrams came; dropped " + a.dropped(), ex);
                }
                assertEquals(i, ByteBuffer.wrap(frame).getInt(0), "every datagram, in order");
            }
            assertEquals(0, a.dropped());
        }
    }
}
