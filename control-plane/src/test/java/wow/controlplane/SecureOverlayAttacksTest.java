package wow.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.journal.FibListener;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.session.Revocations;
import wow.controlplane.session.SessionCounters;
import wow.dataplane.DataPlane;
import wow.dataplane.QueueAgent;
import wow.dataplane.ThreadingMode;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CountersFile;
import wow.dataplane.transport.Endpoints;

/**
 * The attacks a stranger made on an insecure node, each now a regression test against two secure
 * overlay nodes (conductor and data plane, on the in-memory network, a manual clock): a forged
 * link request naming a linked peer, a forged CLOSE, 3,000 forged lease replies, a Connect-To-Me
 * naming eight endpoints, 520 fake link requests, and a sealed datagram replayed from elsewhere.
 * None changes anything; the node answers none of them with a single datagram.
 */
class SecureOverlayAttacksTest
{
    static final int PREFIX = 24;
    final long[] now = {1_000_000_000L};
    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final List<Member> members = new ArrayList<>();

    @TempDir
    Path dir;

    final class Member implements AutoCloseable
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final CountersFile counters = CountersFile.inMemory(512);
        final DataPlane dataPlane;
        final OverlayConductor conductor;
        final long endpoint;
        final MemoryUdpNetwork.Port port;
        final MemoryTapPort tap = new MemoryTapPort();

        Member(final Bundle bundle, final int udpPort, final long[] seeds)
        {
            this(bundle, bundle.certificate().address(), udpPort, seeds);
        }

        /** @param ip the virtual IP it runs with (one of its certificate's pool, its fixed one, or 0: DHCP from its pool). */
        Member(final Bundle bundle, final int ip, final int udpPort, final long[] seeds)
        {
            endpoint = Endpoints.udp(Ipv4.parse("198.51.100.1"), udpPort);
            final SessionPublication tables = new SessionPublication();
            final byte[] address = bundle.certificate().ringAddress();
            this.port = net.bind(endpoint);
            dataPlane = new DataPlane(ThreadingMode.SHARED, List.of(tap), List.of(port),
                Frames.HOST_MAC, 1388, new Fib.Builder(ip, PREFIX, address).build(1), counters, tables);
            final var down = dataPlane.proxy();
            final EventLog events = new EventLog(new PrintStream(log, true));
            final LinkSessions sessions = new LinkSessions(bundle, tables, (to, b, o, l) -> down.send(0, to, b, o, l),
                () -> now[0] * 1_000_000L, () -> System.currentTimeMillis() / 1000, events,
                new SessionCounters(counters.manager()), new Revocations(bundle.trusted(), list -> { }));
            conductor = new OverlayConductor(new ConductorContext().localIp(ip).localAddress(address).prefix(PREFIX)
                .dhcpPool(ip == 0 ? bundle.certificate().address() : 0, ip == 0 ? bundle.certificate().prefix() : 0)
                .seeds(seeds).localEndpoints(new long[] {endpoint}).dataPlane(down).counters(counters.manager())
                .clock(() -> now[0]).log(events).fibListener(FibListener.NONE).overlayConfig(OverlayConfig.defaults())
                .sessions(sessions));
            members.add(this);
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

        long counter(final String label)
        {
            final long[] value = new long[1];
            counters.manager().forEach((v, id, l) ->
            {
                if (l.startsWith(label))
                {
                    value[0] += v;
                }
            });
            return value[0];
        }

        int connections()
        {
            return conductor.status().connections().size();
        }

        @Override
        public void close()
        {
            dataPlane.close();
        }
    }

    @AfterEach
    void close()
    {
        members.forEach(Member::close);
    }

    void run(final long millis)
    {
        for (long t = 0; t < millis; t += 10)
        {
            now[0] += 10;
            members.forEach(Member::step);
        }
    }

    Bundle bundle(final CertificateAuthority ca, final String name, final String ip)
    {
        return ca.sign(name, Certificate.ADDRESS_IP, Ipv4.parse(ip), PREFIX, List.of(), true, 30, null,
            System.currentTimeMillis() / 1000);
    }

    /** @return a new network CA for 10.77.0.0/PREFIX in the test's directory. */
    CertificateAuthority lab(final long nowS)
    {
        return CertificateAuthority.init(dir.resolve("ca"), "lab", Ipv4.parse("10.77.0.0"), PREFIX, 1, nowS);
    }

    static byte[] control(final int linkId, final byte[] message)
    {
        final UnsafeBuffer d = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + message.length]);
        WireHeader.writeLinkHeader(d, 0, WireHeader.TYPE_CONTROL, linkId);
        d.putBytes(WireHeader.CONTROL_LENGTH, message);
        return d.byteArray();
    }

    @Test
    void nothingAStrangerSendsChangesAnythingOrIsAnswered()
    {
        final long nowS = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = lab(nowS);
        final Member a = new Member(bundle(ca, "a", "10.77.0.1"), 7001, new long[0]);
        final Member b = new Member(bundle(ca, "b", "10.77.0.2"), 7002, new long[] {a.endpoint});
        run(5_000);
        assertEquals(1, a.connections(), a.log.toString());
        assertEquals(1, b.connections(), b.log.toString());
        final byte[] bAddress = b.conductor.status().address();

        // the stranger: its own socket, and a copy of what b sends a (as a tap on the path would see)
        final long strangerEndpoint = Endpoints.udp(Ipv4.parse("203.0.113.66"), 6666);
        final MemoryUdpNetwork.Port stranger = net.bind(strangerEndpoint);
        final long sentBefore = a.counter("udp_tx_datagrams");
        final List<byte[]> attacks = new ArrayList<>();
        final long[] eight = new long[8];
        for (int i = 0; i < 8; i++)
        {
            eight[i] = Endpoints.udp(Ipv4.parse("192.0.2." + (i + 1)), 9000 + i);
        }
        attacks.add(control(0, Messages.link(Messages.LINK_REQUEST, 1, 77, Ipv4.parse("10.77.0.2"), bAddress, 0,
            new long[] {strangerEndpoint})));
        attacks.add(control(0, Messages.close(bAddress)));
        for (int token = 1; token <= 3_000; token++)
        {
            attacks.add(control(0, Messages.leaseReply(token, new byte[20], 1, bAddress)));
        }
        attacks.add(control(0, Messages.ctmRequest(1, 5, new Messages.Peer(new byte[20], 0, eight))));
        for (int i = 0; i < 520; i++)
        {
            final byte[] fake = new byte[20];
            fake[0] = (byte)i;
            fake[1] = (byte)(i >> 8);
            attacks.add(control(0, Messages.link(Messages.LINK_REQUEST, 1, 1000 + i, 0, fake, 0, new long[0])));
        }
        for (int i = 0; i < attacks.size(); i++)
        {
            a.port.inject(strangerEndpoint, attacks.get(i));
            if (i % 50 == 49)
            {
                run(10);
            }
        }
        run(2_000);
        // what b sends a, taken off the path, delivered, and replayed by the stranger from its own address
        for (int i = 0; i < 1_000 && a.port.pending() == 0; i++)
        {
            now[0] += 10;
            b.step(); // until b sends a keepalive
        }
        final FrameBatch batch = new FrameBatch(64, 2048);
        final List<byte[]> captured = new ArrayList<>();
        while (a.port.receive(batch) > 0)
        {
            for (int i = 0; i < batch.count(); i++)
            {
                captured.add(batch.copy(i));
            }
        }
        assertTrue(!captured.isEmpty(), "b sent a something");
        captured.forEach(d -> a.port.inject(b.endpoint, d));
        captured.forEach(d -> a.port.inject(strangerEndpoint, d));
        run(100);
        assertTrue(a.counter("drop replayed") >= captured.size(), "every replay dropped");
        assertEquals(0, stranger.pending(), "the node answered the stranger");
        assertTrue(a.counter("drop unauthenticated") >= attacks.size(), "every forged datagram dropped unauthenticated");
        assertEquals(1, a.connections(), "the link to b is still there: " + a.conductor.status().connections());
        org.junit.jupiter.api.Assertions.assertArrayEquals(bAddress, a.conductor.status().connections().get(0).peerAddress(),
            "and it is b's, not the forged request's");
        assertNull(a.conductor.fatal(), "the node keeps its address");
        assertEquals(0, a.counter("control_rejected"), "nothing reached the overlay");
        run(10_000);
        assertEquals(1, a.connections());
        assertEquals(1, b.connections());
        assertEquals(0, stranger.pending());
        assertTrue(a.counter("udp_tx_datagrams") - sentBefore < 50, "keepalives to b only, nothing for the attacks");
        assertEquals(b.endpoint, a.conductor.status().connections().get(0).endpoint(), "the link did not follow the replay");
    }

    @Test
    void aPoolMemberDeclaringAnotherMembersAddressOnItsLinksGetsNeitherItsTrafficNorItsSource()
    {
        final long nowS = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = lab(nowS);
        final int taken = Ipv4.parse("10.77.0.130");
        final Member a = new Member(bundle(ca, "a", "10.77.0.1"), 7001, new long[0]);
        final Member owner = new Member(ca.sign("owner", Certificate.ADDRESS_POOL, Ipv4.parse("10.77.0.128"), 25, List.of(),
            false, 30, null, nowS), taken, 7002, new long[] {a.endpoint});
        run(5_000);
        final Member squatter = new Member(ca.sign("squatter", Certificate.ADDRESS_POOL, Ipv4.parse("10.77.0.128"), 25,
            List.of(), false, 30, null, nowS), taken, 7003, new long[] {a.endpoint});
        run(10_000);
        assertEquals(2, a.connections(), a.log.toString());
        final Fib fib = a.dataPlane.proxy().current();
        final UnsafeBuffer squatterAddress = new UnsafeBuffer(squatter.conductor.status().address());
        final int link = fib.linkByAddress(squatterAddress, 0);
        assertTrue(link != Fib.NONE, "a links to the squatter");
        assertEquals(0, fib.linkVirtualIp(link), "the squatter's declared address is not its expected source");
        final int route = fib.route(taken);
        final byte[] routedTo = new byte[20];
        if (route != Fib.NONE)
        {
            fib.routeAddresses().getBytes(route * 20, routedTo);
        }
        assertFalse(java.util.Arrays.equals(squatter.conductor.status().address(), routedTo),
            "the address does not route to the squatter");
        assertEquals(0, owner.counter("drop spoofed"));
    }

    @Test
    void aPoolMemberThatLeasesAfterLinkingIsKnownByTheAddressItsLeaseHolds()
    {
        final long nowS = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = lab(nowS);
        final Member a = new Member(bundle(ca, "a", "10.77.0.1"), 7001, new long[0]);
        final Bundle pooled = ca.sign("dhcp", Certificate.ADDRESS_POOL, Ipv4.parse("10.77.0.128"), 25, List.of(), false, 30, null,
            nowS);
        final Member dhcp = new Member(pooled, 0, 7002, new long[] {a.endpoint});
        run(8_000);
        final int leased = dhcp.conductor.status().virtualIp();
        assertTrue(leased != 0 && pooled.certificate().allows(leased), "leased in its pool: " + Ipv4.toString(leased));
        // a sends to the leased address: it is looked up, and the link it already had is the route
        a.tap.inject(Frames.ethernet(Frames.ipv4(Ipv4.parse("10.77.0.1"), leased, 60, 1)));
        run(2_000);
        final Fib fib = a.dataPlane.proxy().current();
        final int link = fib.linkByAddress(new UnsafeBuffer(dhcp.conductor.status().address()), 0);
        assertTrue(link != Fib.NONE);
        assertEquals(leased, fib.linkVirtualIp(link), "its DATA may come from the address it leased: " + a.log);
    }
}
