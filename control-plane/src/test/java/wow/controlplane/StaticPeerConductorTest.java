package wow.controlplane;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import wow.controlplane.identity.Identity;
import wow.controlplane.link.Hello;
import wow.controlplane.link.Link;
import wow.dataplane.DataPlane;
import wow.dataplane.QueueAgent;
import wow.dataplane.ThreadingMode;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CountersFile;
import wow.dataplane.transport.Endpoints;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes, each a data plane and a conductor, over the in-memory network; every duty cycle is
 * stepped by hand with a manual clock.
 */
class StaticPeerConductorTest
{
    static final int IP_A = Ipv4.parse("10.5.0.1");
    static final int IP_B = Ipv4.parse("10.5.0.2");
    static final long EP_A = Endpoints.udp(Ipv4.parse("198.51.100.1"), 4000);
    static final long EP_B = Endpoints.udp(Ipv4.parse("198.51.100.2"), 4000);

    final long[] now = {1_000_000_000L};
    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final ByteArrayOutputStream logA = new ByteArrayOutputStream();
    Node a;
    Node b;

    final class Node implements AutoCloseable
    {
        final MemoryTapPort tap = new MemoryTapPort();
        final MemoryUdpNetwork.Port udp;
        final CountersFile counters = CountersFile.inMemory(512);
        final Identity identity = Identity.generate();
        final DataPlane dataPlane;
        final StaticPeerConductor conductor;

        Node(final int ip, final long endpoint, final int peerIp, final long peerEndpoint, final PrintStream log)
        {
            udp = net.bind(endpoint);
            dataPlane = new DataPlane(ThreadingMode.SHARED, List.of(tap), List.of(udp), Frames.HOST_MAC, 1420,
                new Fib.Builder(ip, 24, identity.address()).build(1), counters, null);
            conductor = new StaticPeerConductor(ip, identity.address(), 24, List.of(new StaticPeer(peerIp, peerEndpoint)), dataPlane.proxy(),
                counters.manager(), () -> now[0], 1000, new EventLog(log), () -> 0, wow.controlplane.journal.FibListener.NONE, null);
        }

        void step()
        {
            conductor.doWork();
            for (final QueueAgent agent : dataPlane.agents())
            {
                agent.doWork();
            }
            conductor.doWork();
        }

        Link link()
        {
            return conductor.links().all().get(0);
        }

        @Override
        public void close()
        {
            dataPlane.close();
        }
    }

    void stepBoth(final int times)
    {
        for (int i = 0; i < times; i++)
        {
            a.step();
            b.step();
        }
    }

    @AfterEach
    void close()
    {
        if (a != null)
        {
            a.close();
        }
        if (b != null)
        {
            b.close();
        }
    }

    void start()
    {
        a = new Node(IP_A, EP_A, IP_B, EP_B, new PrintStream(logA, true));
        b = new Node(IP_B, EP_B, IP_A, EP_A, new PrintStream(new ByteArrayOutputStream(), true));
    }

    @Test
    void handshakeSwapsLinkIdsAndPublishesAFibThatCarriesTraffic()
    {
        start();
        stepBoth(4);
        assertEquals(Link.State.UP, a.link().state());
        assertEquals(Link.State.UP, b.link().state());
        assertEquals(b.link().localId(), a.link().remoteId());
        assertEquals(a.link().localId(), b.link().remoteId());
        assertTrue(a.link().peerKnowsUs() && b.link().peerKnowsUs());
        assertArrayEquals(b.identity.address(), a.link().address(), "the peer's ring address comes with its HELLO");
        assertArrayEquals(a.identity.address(), b.link().address());
        final Fib fib = a.dataPlane.proxy().current();
        assertEquals(a.link().remoteId(), fib.linkRemoteId(0));
        assertTrue(logA.toString().contains("link_up peer=10.5.0.2 endpoint=198.51.100.2:4000"));

        final byte[] packet = Frames.ipv4(IP_A, IP_B, 300, 1);
        a.tap.inject(Frames.ethernet(packet));
        stepBoth(2);
        final List<byte[]> delivered = b.tap.drainWritten();
        assertEquals(1, delivered.size());
        assertArrayEquals(packet, java.util.Arrays.copyOfRange(delivered.get(0), 14, delivered.get(0).length));
    }

    @Test
    void keepsAliveThenMarksASilentPeerDownAndRecoversWhenItReturns()
    {
        start();
        stepBoth(4);
        // keepalives flow while both run: still up after many keepalive intervals
        for (int i = 0; i < 50; i++)
        {
            now[0] += TimeUnit.MILLISECONDS.toNanos(200);
            stepBoth(1);
        }
        assertEquals(Link.State.UP, a.link().state());

        // b goes silent
        for (int i = 0; i < 60; i++)
        {
            now[0] += TimeUnit.MILLISECONDS.toNanos(200);
            a.step();
        }
        assertEquals(Link.State.DOWN, a.link().state());
        assertTrue(logA.toString().contains("link_down peer=10.5.0.2"));
        while (b.udp.pending() > 0)
        {
            b.step(); // b drains what a sent meanwhile
        }
        stepBoth(3);
        assertEquals(Link.State.UP, a.link().state());
    }

    @Test
    void followsAPeerThatRestartedWithNewIds()
    {
        start();
        stepBoth(4);
        final int oldRemote = a.link().remoteId();
        b.close();
        net.bind(EP_B); // the restarted peer binds the same endpoint afresh
        b = new Node(IP_B, EP_B, IP_A, EP_A, new PrintStream(new ByteArrayOutputStream(), true));
        stepBoth(4);
        assertTrue(a.link().remoteId() != oldRemote);
        assertEquals(b.link().localId(), a.link().remoteId());
        assertEquals(a.link().remoteId(), a.dataPlane.proxy().current().linkRemoteId(0));
    }

    @Test
    void ignoresHellosFromStrangers()
    {
        start();
        final MemoryUdpNetwork.Port stranger = net.bind(Endpoints.udp(Ipv4.parse("203.0.113.9"), 1));
        final UnsafeBuffer hello = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + Hello.LENGTH]);
        WireHeader.writeLinkHeader(hello, 0, WireHeader.TYPE_CONTROL, 0);
        Hello.write(hello, WireHeader.CONTROL_LENGTH, 0, 77, IP_B, new byte[20]);
        a.udp.inject(stranger.endpoint(), hello.byteArray());        // right virtual IP, wrong endpoint
        Hello.write(hello, WireHeader.CONTROL_LENGTH, 0, 77, Ipv4.parse("10.5.0.9"), new byte[20]);
        a.udp.inject(EP_B, hello.byteArray());                      // right endpoint, unknown virtual IP
        a.udp.inject(EP_B, new byte[] {1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}); // not a HELLO
        a.step();
        assertEquals(0, a.link().remoteId());
        final long[] rejected = new long[1];
        a.counters.manager().forEach((value, id, label) -> rejected[0] += label.equals("control_rejected") ? value : 0);
        assertEquals(3, rejected[0]);
    }

    @Test
    void refusesToPeerWithItself()
    {
        final MemoryUdpNetwork.Port udp = net.bind(EP_A);
        final CountersFile counters = CountersFile.inMemory(64);
        try (DataPlane dp = new DataPlane(ThreadingMode.SHARED, List.of(new MemoryTapPort()), List.of(udp), Frames.HOST_MAC,
            1420, new Fib.Builder(IP_A, 24, new byte[20]).build(1), counters, null))
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new StaticPeerConductor(IP_A, new byte[20], 24,
                List.of(new StaticPeer(IP_A, EP_B)), dp.proxy(), counters.manager(), () -> 0, 1000,
                new EventLog(System.err), () -> 0, wow.controlplane.journal.FibListener.NONE, null));
            assertEquals("--peer 10.5.0.1=198.51.100.2:4000 names this host's own virtual IP", ex.getMessage());
        }
    }

    @Test
    void parsesStaticPeers()
    {
        assertEquals(new StaticPeer(IP_B, EP_B), StaticPeer.parse("10.5.0.2=198.51.100.2:4000"));
        for (final String bad : new String[] {"10.5.0.2", "10.5.0.2=198.51.100.2", "10.5.0.2=198.51.100.2:0",
            "10.5.0.2=198.51.100.2:70000", "10.5.0=1.2.3.4:5"})
        {
            assertThrows(IllegalArgumentException.class, () -> StaticPeer.parse(bad), bad);
        }
    }
}
