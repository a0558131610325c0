package wow.controlplane.overlay;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlayNodeTest
{
    /** Collects what a node sends. */
    static final class Recorder implements OverlayNode.Transport, OverlayNode.Events
    {
        final List<long[]> direct = new ArrayList<>();
        final List<byte[]> messages = new ArrayList<>();

        @Override
        public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
        {
            direct.add(new long[] {endpoint, remoteLinkId});
            messages.add(message);
        }

        @Override
        public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
            final boolean excludeSource, final byte[] message)
        {
            direct.add(new long[] {firstHop, -1});
            messages.add(message);
        }

        @Override
        public void connectionsChanged()
        {
        }
    }

    static byte[] addr(final int top)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)top;
        return a;
    }

    /** Makes {@code node} linked (as near) to a peer at the given address and endpoint. */
    static void link(final OverlayNode node, final int top, final long endpoint)
    {
        node.onDirect(endpoint, Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, top, 0, addr(top), 1, new long[] {endpoint}),
            0, Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, top, 0, addr(top), 1, new long[] {endpoint}).length, 0);
    }

    @Test
    void greedyNextHopIsTheClosestStrictlyCloserConnection()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = new OverlayNode(addr(0x10), 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(1));
        link(node, 0x20, 20);
        link(node, 0x40, 40);
        link(node, 0x80, 80);
        assertEquals(3, node.connections().size());
        assertEquals(40, node.nextHop(Ring.value(addr(0x3F)), null).endpoint());
        assertEquals(80, node.nextHop(Ring.value(addr(0x90)), null).endpoint());
        assertNull(node.nextHop(Ring.value(addr(0x12)), null), "this node is the closest");
        assertEquals(20, node.nextHop(Ring.value(addr(0x3F)), Ring.value(addr(0x40))).endpoint(), "excluded source skipped");
        // the ring wraps: 0xF0 is closer to 0x10 than to 0x80
        assertNull(node.nextHop(Ring.value(addr(0xF8)), null));
    }

    @Test
    void nearNeighboursAreTheClosestEachSideAroundTheRing()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = new OverlayNode(addr(0x10), 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(1));
        for (final int top : new int[] {0x20, 0x30, 0x40, 0xE0, 0xF0})
        {
            link(node, top, top);
        }
        assertEquals(List.of(0x20L, 0x30L), node.side(true).stream().map(OverlayNode.Connection::endpoint).toList());
        assertEquals(List.of(0xF0L, 0xE0L), node.side(false).stream().map(OverlayNode.Connection::endpoint).toList());
        assertTrue(node.estimateSize() > 1);
    }

    @Test
    void ignoresMalformedAndSelfAddressedMessages()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = new OverlayNode(addr(0x10), 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(1));
        node.onDirect(5, new byte[] {1, 2}, 0, 2, 0);
        final byte[] fromSelf = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 3, 0, addr(0x10), 1, new long[] {5});
        node.onDirect(5, fromSelf, 0, fromSelf.length, 0);
        final byte[] zeroId = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 0, 0, addr(0x20), 1, new long[] {5});
        node.onDirect(5, zeroId, 0, zeroId.length, 0);
        final byte[] unsolicited = Messages.link(Messages.LINK_REPLY, OverlayNode.NEAR, 3, 0, addr(0x20), 1, new long[] {5});
        node.onDirect(5, unsolicited, 0, unsolicited.length, 0);
        assertEquals(0, node.connections().size());
        assertEquals(4, node.malformed());
    }

    @Test
    void aFloodingPeerCannotMakeTheNodeGrowWithoutBound()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = new OverlayNode(addr(0x10), 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(1));
        link(node, 0x20, 20);
        final Random random = new Random(5);
        for (int round = 0; round < 200; round++)
        {
            final List<Messages.Peer> fake = new ArrayList<>();
            for (int i = 0; i < Messages.MAX_PEERS; i++)
            {
                final byte[] a = new byte[20];
                random.nextBytes(a);
                a[0] = 0x11; // all "closer" than anything the node knows, so each is a near candidate
                fake.add(new Messages.Peer(a, 0, new long[] {random.nextLong()}));
            }
            final byte[] list = Messages.neighbours(fake);
            node.onDirect(20, list, 0, list.length, round);
            final byte[] put = Messages.dhtPut(60, fake.get(0).address(), 1, new byte[200]);
            node.onDirect(20, put, 0, put.length, round);
            final byte[] link = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 1 + round, 0, fake.get(1).address(), 1,
                new long[] {round});
            node.onDirect(1000 + round, link, 0, link.length, round);
        }
        assertTrue(r.direct.size() < 200 * 10 + OverlayNode.MAX_PENDING * 2, "link attempts are bounded: " + r.direct.size());
        assertTrue(node.connections().size() <= OverlayNode.MAX_CONNECTIONS);
    }

    @Test
    void farDistancesFollowTheHarmonicDistribution()
    {
        // P(d) ~ 1/d on [ring/n, ring/2] means log2(d) is uniform on [160 - log2 n, 159]
        final double n = 1024;
        final Random random = new Random(7);
        final int samples = 40_000;
        final int buckets = 9; // log2 d from 150 to 159
        final int[] counts = new int[buckets];
        for (int i = 0; i < samples; i++)
        {
            final BigInteger d = OverlayNode.farDistance(n, random);
            final int log2 = d.bitLength() - 1;
            assertTrue(log2 >= 150 && log2 < 159, "within [ring/n, ring/2): " + log2);
            counts[log2 - 150]++;
        }
        final double expected = samples / (double)buckets;
        double chi2 = 0;
        for (final int c : counts)
        {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 8 degrees of freedom: 26.1 is the 0.1 % critical value
        assertTrue(chi2 < 26.1, "log-uniform: chi2=" + chi2 + " counts=" + java.util.Arrays.toString(counts));
    }
}
