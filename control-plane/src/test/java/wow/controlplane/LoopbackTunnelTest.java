package wow.controlplane;

import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import wow.controlplane.identity.Identity;
import wow.dataplane.DataPlane;
import wow.dataplane.ThreadingMode;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.ShimUdpPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CountersFile;
import wow.dataplane.transport.Endpoints;
import wow.shim.UdpSocket;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Integration: two complete nodes in one JVM, each with in-memory TAP queues but real UDP sockets
 * on loopback (recvmmsg/sendmmsg through the shim), running on their own threads. Thousands of
 * frames in several flows cross both ways and arrive intact and in order per flow.
 */
class LoopbackTunnelTest
{
    static final int IP_A = Ipv4.parse("10.6.0.1");
    static final int IP_B = Ipv4.parse("10.6.0.2");

    static final class Node implements AutoCloseable
    {
        final List<MemoryTapPort> taps = new ArrayList<>();
        final List<UdpSocket> sockets = new ArrayList<>();
        final CountersFile counters = CountersFile.inMemory(512);
        final Identity identity = Identity.generate();
        DataPlane dataPlane;

        Node(final ThreadingMode mode, final int queues) throws Exception
        {
            final Inet4Address lo = (Inet4Address)InetAddress.getByName("127.0.0.1");
            sockets.add(UdpSocket.open(lo, 0, true));
            for (int q = 1; q < queues; q++)
            {
                sockets.add(UdpSocket.open(lo, sockets.get(0).port(), true));
            }
            for (int q = 0; q < queues; q++)
            {
                taps.add(new MemoryTapPort());
            }
            this.mode = mode;
        }

        final ThreadingMode mode;

        int port()
        {
            return sockets.get(0).port();
        }

        void start(final int ip, final int peerIp, final int peerPort)
        {
            final List<UdpPort> udps = new ArrayList<>();
            for (final UdpSocket s : sockets)
            {
                udps.add(new ShimUdpPort(s));
            }
            dataPlane = new DataPlane(mode, new ArrayList<>(taps), udps, Frames.HOST_MAC, 1420,
                new Fib.Builder(ip, 24, identity.address()).build(1), counters, null);
            final StaticPeerConductor conductor = new StaticPeerConductor(ip, identity.address(), 24,
                List.of(new StaticPeer(peerIp, Endpoints.udp(0x7F000001, peerPort))), dataPlane.proxy(),
                counters.manager(), new SystemNanoClock(), 1000, new EventLog(new PrintStream(new ByteArrayOutputStream())), () -> 0,
                wow.controlplane.journal.FibListener.NONE, null);
            dataPlane.start(conductor, 0, new int[0]);
        }

        String nonZeroCounters()
        {
            final StringBuilder sb = new StringBuilder();
            counters.manager().forEach((value, id, label) ->
            {
                if (value != 0)
                {
                    sb.append(label).append('=').append(value).append(", ");
                }
            });
            return sb.toString();
        }

        @Override
        public void close()
        {
            if (dataPlane != null)
            {
                dataPlane.close();
            }
            sockets.forEach(UdpSocket::close);
        }
    }

    @Test
    @Timeout(60)
    void dedicatedThreadsTwoQueues() throws Exception
    {
        exchange(ThreadingMode.DEDICATED, 2);
    }

    @Test
    @Timeout(60)
    void sharedThread() throws Exception
    {
        exchange(ThreadingMode.SHARED, 1);
    }

    private void exchange(final ThreadingMode mode, final int queues) throws Exception
    {
        try (Node a = new Node(mode, queues); Node b = new Node(mode, queues))
        {
            a.start(IP_A, IP_B, b.port());
            b.start(IP_B, IP_A, a.port());
            awaitLink(a);
            awaitLink(b);

            final int flows = 4;
            final int perFlow = 1500;
            final Map<Integer, List<byte[]>> sentAtoB = new HashMap<>();
            final Map<Integer, List<byte[]>> got = new HashMap<>();
            final int[] received = new int[2]; // [0] A to B, [1] B to A
            int injected = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            for (int seq = 0; seq < perFlow; seq++)
            {
                for (int flow = 0; flow < flows; flow++)
                {
                    final byte[] packet = Frames.ipv4(IP_A, IP_B, 64 + (seq * 37 + flow) % 1300, flow << 16 | seq);
                    packet[20] = (byte)flow; // flow id in the UDP source port
                    sentAtoB.computeIfAbsent(flow, k -> new ArrayList<>()).add(packet);
                    // one flow stays on one TAP queue, as the kernel's flow hash does
                    a.taps.get(flow % queues).inject(Frames.ethernet(packet));
                    b.taps.get(flow % queues).inject(Frames.ethernet(Frames.ipv4(IP_B, IP_A, 100, seq)));
                    injected++;
                }
                // the test's own flow control: at most a window of 256 frames in flight each way, so
                // loopback socket buffers never overflow (the kernel would drop, not WOW)
                while (injected - Math.min(received[0], received[1]) > 256 && System.nanoTime() < deadline)
                {
                    drain(a, b, got, received);
                    Thread.sleep(1);
                }
            }
            while ((received[0] < injected || received[1] < injected) && System.nanoTime() < deadline)
            {
                drain(a, b, got, received);
                Thread.sleep(1);
            }
            final int injectedTotal = injected;
            assertEquals(injectedTotal, received[0], () -> "every frame A sent arrived at B; counters A: " + a.nonZeroCounters() +
                " counters B: " + b.nonZeroCounters());
            assertEquals(injectedTotal, received[1], "every frame B sent arrived at A");
            for (int flow = 0; flow < flows; flow++)
            {
                final List<byte[]> expected = sentAtoB.get(flow);
                final List<byte[]> actual = got.get(flow);
                assertEquals(expected.size(), actual.size());
                for (int i = 0; i < expected.size(); i++)
                {
                    assertArrayEquals(expected.get(i), actual.get(i), "flow " + flow + " packet " + i + " in order and intact");
                }
            }
        }
    }

    private static void drain(final Node a, final Node b, final Map<Integer, List<byte[]>> got, final int[] received)
    {
        for (final MemoryTapPort tap : b.taps)
        {
            for (final byte[] frame : tap.drainWritten())
            {
                final byte[] packet = java.util.Arrays.copyOfRange(frame, 14, frame.length);
                got.computeIfAbsent((int)packet[20], k -> new ArrayList<>()).add(packet);
                received[0]++;
            }
        }
        for (final MemoryTapPort tap : a.taps)
        {
            received[1] += tap.drainWritten().size();
        }
    }

    private static void awaitLink(final Node node) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            final Fib fib = node.dataPlane.proxy().current();
            if (fib.linkCount() == 1 && fib.linkRemoteId(0) != 0)
            {
                return;
            }
            Thread.sleep(5);
        }
        assertTrue(false, "link did not come up");
    }
}
