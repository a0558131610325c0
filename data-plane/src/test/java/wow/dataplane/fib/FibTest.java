package wow.dataplane.fib;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import wow.dataplane.protocol.Ipv4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FibTest
{
    static final int[] COUNTERS = {1, 2, 3, 4};

    static byte[] addr(final int first)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)first;
        return a;
    }

    @Test
    void mapsVirtualIpsToLinksDirectlyOrGreedily()
    {
        final Fib fib = new Fib.Builder(Ipv4.parse("10.0.0.1"), 16, addr(0x10))
            .link(addr(0x40), Ipv4.parse("10.0.0.4"), 44, 100, 200, COUNTERS)
            .link(addr(0x80), Ipv4.parse("10.0.0.8"), 88, 101, 201, COUNTERS)
            .route(Ipv4.parse("10.0.0.4"), addr(0x40))
            .route(Ipv4.parse("10.0.0.8"), addr(0x80))
            .route(Ipv4.parse("10.0.0.7"), addr(0x70))
            .route(Ipv4.parse("10.0.0.2"), addr(0x12))
            .build(5);
        assertEquals(5, fib.version());
        final int direct = fib.route(Ipv4.parse("10.0.0.8"));
        assertTrue(fib.routeDirect(direct));
        assertEquals(1, fib.routeNextHop(direct));
        final int greedy = fib.route(Ipv4.parse("10.0.0.7"));
        assertFalse(fib.routeDirect(greedy));
        assertEquals(1, fib.routeNextHop(greedy), "0x80 is closer to 0x70 than 0x40 is");
        assertEquals(Fib.NONE, fib.routeNextHop(fib.route(Ipv4.parse("10.0.0.2"))), "this node is closest to 0x12");
        assertEquals(Fib.NONE, fib.route(Ipv4.parse("10.0.0.9")));
        assertEquals(0, fib.linkByLocalId(100));
        assertEquals(Fib.NONE, fib.linkByLocalId(555));
        assertEquals(200, fib.linkRemoteId(0));
        assertEquals(88, fib.linkEndpoint(1));
        assertEquals(3, fib.linkCounterId(1, 2));
        assertTrue(fib.isLocalAddress(new UnsafeBuffer(addr(0x10)), 0));
        assertFalse(fib.isLocalAddress(new UnsafeBuffer(addr(0x11)), 0));
    }

    @Test
    void greedyRoutingSkipsLinksThatAreNotRoutable()
    {
        final Fib fib = new Fib.Builder(Ipv4.parse("10.0.0.1"), 16, addr(0x10))
            .link(addr(0x70), 0, 70, 100, 200, COUNTERS, false) // a bootstrap leaf link
            .link(addr(0x40), 0, 40, 101, 201, COUNTERS, true)
            .build(1);
        final RingDistance a = new RingDistance();
        final RingDistance b = new RingDistance();
        assertEquals(1, fib.closestLink(new UnsafeBuffer(addr(0x70)), 0, null, 0, a, b), "the leaf is never a transit hop");
        assertEquals(Fib.NONE, fib.closestLink(new UnsafeBuffer(addr(0x70)), 0, new UnsafeBuffer(addr(0x40)), 0, a, b),
            "and the excluded source neither");
        assertEquals(0, fib.linkByLocalId(100), "but the leaf still carries DATA by its id");
    }

    @Test
    void relayedLinksGoThroughTheirRelayAndGrantsAreBothWays()
    {
        final int peerIp = Ipv4.parse("10.0.0.2");
        final int farIp = Ipv4.parse("10.0.0.4");
        final Fib fib = new Fib.Builder(Ipv4.parse("10.0.0.1"), 24, addr(0x10))
            .link(addr(0x20), peerIp, 200, 1, 21, COUNTERS)
            .link(addr(0x30), Ipv4.parse("10.0.0.3"), 300, 2, 31, COUNTERS)
            .relayedLink(addr(0x40), farIp, addr(0x20), 3, 99, COUNTERS, true)
            .relayedLink(addr(0x50), Ipv4.parse("10.0.0.5"), addr(0x60), 4, 98, COUNTERS, true) // its relay is unknown
            .route(farIp, addr(0x40))
            .relayGrant(addr(0x20), addr(0x30))
            .relayGrant(addr(0x20), addr(0x40)) // never between a relayed link and another
            .build(5);
        final int far = fib.route(farIp);
        final int hop = fib.routeNextHop(far);
        assertFalse(fib.routeDirect(far), "a relayed peer gets ROUTED packets, never DATA");
        assertTrue(fib.linkRelayed(hop));
        assertEquals(200, fib.linkEndpoint(hop), "sent to the relay's endpoint");
        assertEquals(99, fib.linkRemoteId(hop), "naming the relay's link");
        assertEquals(0, fib.linkEndpoint(fib.linkByLocalId(4)), "a relayed link without its relay is inert");
        assertEquals(0, fib.linkByEndpoint(200));
        assertEquals(Fib.NONE, fib.linkByEndpoint(999));
        assertEquals(2, fib.linkByAddress(new UnsafeBuffer(addr(0x40)), 0));
        assertEquals(Fib.NONE, fib.linkByAddress(new UnsafeBuffer(addr(0x50)), 0));
        final byte[] almost = addr(0x20);
        almost[19] = 1;
        assertEquals(Fib.NONE, fib.linkByAddress(new UnsafeBuffer(almost), 0), "all 20 bytes must match");
        assertTrue(fib.relayAllowed(0, 1));
        assertTrue(fib.relayAllowed(1, 0));
        assertFalse(fib.relayAllowed(0, 2));
        assertFalse(fib.relayAllowed(1, 1));
    }

    @Test
    void knowsItsSubnet()
    {
        final Fib fib = new Fib.Builder(Ipv4.parse("10.1.2.3"), 24, addr(1)).build(1);
        assertTrue(fib.inSubnet(Ipv4.parse("10.1.2.200")));
        assertFalse(fib.inSubnet(Ipv4.parse("10.1.3.1")));
        assertTrue(fib.isSubnetBroadcast(Ipv4.parse("10.1.2.255")));
        assertFalse(fib.isSubnetBroadcast(Ipv4.parse("10.1.2.254")));
        assertFalse(fib.isSubnetBroadcast(Ipv4.parse("10.1.3.255")));
    }

    @Test
    void refusesBadEntriesAndOldVersions()
    {
        final Fib.Builder b = new Fib.Builder(1, 24, addr(1));
        assertThrows(IllegalArgumentException.class, () -> b.link(new byte[19], 2, 3, 4, 5, COUNTERS));
        assertThrows(IllegalArgumentException.class, () -> b.link(addr(2), 2, 3, 0, 5, COUNTERS));
        assertThrows(IllegalArgumentException.class, () -> new Fib.Builder(1, 33, addr(1)));
        final FibPublication publication = new FibPublication(b.build(3), () -> { });
        assertThrows(IllegalArgumentException.class, () -> publication.publish(b.build(3)));
        final int[] woken = new int[1];
        final FibPublication p2 = new FibPublication(b.build(3), () -> woken[0]++);
        p2.publish(b.build(4));
        assertEquals(4, p2.current().version());
        assertEquals(1, woken[0]);
    }
}
