package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;

/**
 * The far overlord (Symphony's long links): keeps about log2(n)/2 far links, each at a ring
 * distance drawn with density proportional to 1/d, the ring size n estimated from the spread of
 * the near neighbours. Owned by the node's thread.
 */
final class FarOverlord
{
    private final OverlayNode node;
    private long nextFarMs;

    FarOverlord(final OverlayNode node)
    {
        this.node = node;
    }

    void start(final long nowMs)
    {
        nextFarMs = nowMs + node.config.farIntervalMs();
    }

    void tick(final long nowMs)
    {
        if (node.near.joined() && nowMs >= nextFarMs)
        {
            nextFarMs = nowMs + node.config.farIntervalMs();
            requestFar();
        }
    }

    /** Symphony: a far link at ring distance d with P(d) proportional to 1/d over [ring/N, ring/2]. */
    private void requestFar()
    {
        int far = 0;
        for (final Connection c : node.table.all())
        {
            far += (c.types & OverlayNode.FAR) != 0 ? 1 : 0;
        }
        final double n = estimateSize();
        final int wanted = Math.max(1, (int)Math.ceil(0.5 * Math.log(n) / Math.log(2)));
        if (far >= wanted || n < 8)
        {
            return;
        }
        final BigInteger target = node.self.add(farDistance(n, node.random)).mod(Ring.SIZE);
        node.sender.route(Ring.address(target), OverlayNode.CLOSEST,
            Messages.ctmRequest(OverlayNode.FAR, node.sender.newToken(), node.endpoints.me()));
    }

    /** @return a ring distance drawn with density proportional to 1/d on [ring/n, ring/2]. */
    static BigInteger farDistance(final double n, final Random random)
    {
        final double lo = 160 * Math.log(2) - Math.log(Math.max(n, 2));
        final double hi = 159 * Math.log(2);
        final double ln = lo + random.nextDouble() * (hi - lo);
        return new BigDecimal(Math.exp(ln)).toBigInteger();
    }

    /** @return the ring size estimated from the spread of the near neighbours. */
    double estimateSize()
    {
        final List<Connection> right = node.table.side(true);
        final List<Connection> left = node.table.side(false);
        if (right.isEmpty() || left.isEmpty())
        {
            return node.table.size() + 1;
        }
        final BigInteger span = Ring.clockwise(left.get(left.size() - 1).value, right.get(right.size() - 1).value);
        final int gaps = right.size() + left.size();
        if (span.signum() == 0)
        {
            return node.table.size() + 1;
        }
        return Ring.SIZE.doubleValue() / (span.doubleValue() / gaps);
    }
}
