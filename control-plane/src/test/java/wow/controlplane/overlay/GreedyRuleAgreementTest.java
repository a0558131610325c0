package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.RingDistance;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The greedy next-hop rule exists twice: in the overlay (control messages it routes) and in the
 * FIB (what the data plane forwards in transit). On random rings — random addresses, routable and
 * bootstrap-only links, random destinations, with and without an excluded source — both choose
 * the same next hop, or both none. And the table's walk to the closest connection (the nearest
 * eligible entry on either side of the destination) finds what measuring every connection finds.
 */
class GreedyRuleAgreementTest
{
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void theOverlayAndTheFibPickTheSameNextHop(final long seed)
    {
        final Random random = new Random(seed);
        final OverlayNodeTest.Recorder r = new OverlayNodeTest.Recorder();
        final byte[] self = randomAddress(random);
        final OverlayNode node = new OverlayNode(self, 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(seed), LeaseAuthority.OPEN);
        final int links = 1 + random.nextInt(40);
        for (int i = 0; i < links; i++)
        {
            final byte[] peer = randomAddress(random);
            final int types = random.nextInt(4) == 0 ? OverlayNode.LEAF : OverlayNode.NEAR;
            final long endpoint = 1000 + i;
            final byte[] request = Messages.link(Messages.LINK_REQUEST, types, 1 + i, 0, peer, 1, new long[] {endpoint});
            node.onDirect(endpoint, request, 0, request.length, 0);
        }
        final Fib.Builder builder = new Fib.Builder(0, 24, self);
        for (final Connection c : node.connections())
        {
            builder.link(c.address(), 0, c.endpoint(), c.localId(), c.remoteId(), new int[4], c.routable());
        }
        final Fib fib = builder.build(1);
        final RingDistance scratch = new RingDistance();
        final RingDistance best = new RingDistance();
        for (int k = 0; k < 500; k++)
        {
            final byte[] destination = randomAddress(random);
            final Connection excluded = random.nextBoolean() ? null :
                node.connections().stream().skip(random.nextInt(node.connections().size())).findFirst().orElseThrow();
            final Connection expected = node.nextHop(Ring.value(destination), excluded == null ? null : excluded.value());
            final int hop = fib.closestLink(new UnsafeBuffer(destination), 0,
                excluded == null ? null : new UnsafeBuffer(excluded.address()), 0, scratch, best);
            final byte[] address = new byte[Ring.ADDRESS_LENGTH];
            if (hop != Fib.NONE)
            {
                fib.linkAddresses().getBytes(hop * Ring.ADDRESS_LENGTH, address);
            }
            final BigInteger chosen = hop == Fib.NONE ? null : Ring.value(address);
            assertEquals(expected == null ? null : expected.value(), chosen, "seed " + seed + ", destination " + k);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void theClosestConnectionIsTheOneEveryDistanceSays(final long seed)
    {
        final Random random = new Random(seed);
        // even seeds: every address shares its first 8 bytes, so the table's search must look past them
        final byte[] shared = seed % 2 == 0 ? randomAddress(random) : null;
        final OverlayNodeTest.Recorder r = new OverlayNodeTest.Recorder();
        final OverlayNode node = new OverlayNode(randomAddress(random, shared), 0, new long[] {1}, OverlayConfig.defaults(), r, r,
            new Random(seed), LeaseAuthority.OPEN);
        final int links = 1 + random.nextInt(60);
        for (int i = 0; i < links; i++)
        {
            final int types = random.nextInt(3) == 0 ? OverlayNode.LEAF : OverlayNode.NEAR;
            final byte[] request = Messages.link(Messages.LINK_REQUEST, types, 1 + i, 0, randomAddress(random, shared), 1,
                new long[] {1000 + i});
            node.onDirect(1000 + i, request, 0, request.length, 0);
        }
        for (final Connection c : node.connections())
        {
            assertEquals(c, node.table.get(c.value()), "seed " + seed);
        }
        for (int k = 0; k < 500; k++)
        {
            // destinations anywhere, and exactly on a connection's address
            final BigInteger destination = random.nextInt(4) == 0 ?
                node.connections().stream().skip(random.nextInt(node.connections().size())).findFirst().orElseThrow().value() :
                Ring.value(randomAddress(random, shared));
            assertEquals(node.connections().stream().anyMatch(c -> c.value().equals(destination)), node.table.contains(destination),
                "seed " + seed + ", case " + k);
            final BigInteger exclude = random.nextBoolean() ? null :
                node.connections().stream().skip(random.nextInt(node.connections().size())).findFirst().orElseThrow().value();
            final BigInteger bound = random.nextBoolean() ? null : Ring.value(randomAddress(random)).shiftRight(random.nextInt(8));
            Connection expected = null;
            BigInteger best = bound;
            for (final Connection c : node.connections())
            {
                final BigInteger d = Ring.distance(c.value(), destination);
                if (c.routable() && !c.value().equals(exclude) && (best == null || d.compareTo(best) < 0 ||
                    (d.equals(best) && expected != null && c.value().compareTo(expected.value()) < 0)))
                {
                    best = d;
                    expected = c;
                }
            }
            assertEquals(expected, node.table.closest(destination, exclude, bound), "seed " + seed + ", case " + k);
        }
    }

    private static byte[] randomAddress(final Random random)
    {
        final byte[] a = new byte[Ring.ADDRESS_LENGTH];
        random.nextBytes(a);
        return a;
    }

    /** @return a random address that begins with the first 8 bytes of {@code shared} (if not null). */
    private static byte[] randomAddress(final Random random, final byte[] shared)
    {
        final byte[] a = randomAddress(random);
        if (shared != null)
        {
            System.arraycopy(shared, 0, a, 0, 8);
        }
        return a;
    }
}
