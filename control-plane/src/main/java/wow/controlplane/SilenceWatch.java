package wow.controlplane;

import java.util.HashMap;
import java.util.Map;
import org.agrona.concurrent.status.AtomicCounter;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.OverlayNode;
import wow.dataplane.status.CounterTypes;

/**
 * Pings a peer whose data stopped arriving after a busy spell (its link's received packets grew
 * two ticks in a row, then not for {@link #SILENCE_PROBE_MS}). If this node's NAT lost its mapping
 * (rebound, flushed), the peer's packets are dropped at the NAT until this node sends to it; the
 * ping makes the mapping anew now instead of at the next keepalive, seconds later. A flow that
 * simply ended costs one ping and pong; a trickle (no two busy ticks) none. Conductor thread only.
 */
final class SilenceWatch
{
    /** A link that was receiving data and went silent this long is pinged at once. */
    static final long SILENCE_PROBE_MS = 250;

    /** Per link (local id): received packets at the last tick, ticks in a row they grew, when they last grew. */
    private final Map<Integer, long[]> watched = new HashMap<>();
    private final OverlayNode overlay;
    private final FibPublisher fib;
    private final AtomicCounter pings;

    SilenceWatch(final OverlayNode overlay, final FibPublisher fib, final AtomicCounter pings)
    {
        this.overlay = overlay;
        this.fib = fib;
        this.pings = pings;
    }

    /** Called every tick. */
    void tick(final long now)
    {
        for (final Connection c : overlay.connections())
        {
            final long rx = fib.linkCounter(c.localId(), CounterTypes.LINK_RX_PACKETS);
            if (rx < 0)
            {
                continue;
            }
            final long[] w = watched.computeIfAbsent(c.localId(), id -> new long[] {rx, 0, 0});
            if (rx != w[0])
            {
                w[0] = rx;
                w[1]++;
                w[2] = now;
            }
            else if (w[1] >= 2 && now - w[2] >= SILENCE_PROBE_MS)
            {
                w[1] = 0;
                overlay.keepaliveNow(c, now);
                pings.increment();
            }
            else if (now - w[2] >= SILENCE_PROBE_MS)
            {
                w[1] = 0; // a trickle, not a busy spell
            }
        }
        watched.keySet().removeIf(id -> fib.linkCounter(id, CounterTypes.LINK_RX_PACKETS) < 0);
    }
}
