package wow.controlplane.overlay;

/**
 * Timing and shape of the overlay, one place for every default. Times in milliseconds.
 *
 * @param nearPerSide       near connections wanted on each side of the ring.
 * @param keepaliveMs       a PING on a connection not heard from for this long.
 * @param deadMs            a connection not heard from for this long is dropped.
 * @param linkRetryMs       first retry of an unanswered link request (doubles each time).
 * @param linkAttempts      link request attempts before giving up.
 * @param ctmIntervalMs     Connect-To-Me retry while the node still lacks near neighbours.
 * @param neighbourIntervalMs neighbour lists to near connections at least this often.
 * @param farIntervalMs     at most one far-link request per this interval.
 * @param dhtReplicas       copies of each DHT record (r).
 * @param dhtRepublishMs    owners re-put their records, and holders re-replicate, this often.
 */
public record OverlayConfig(
    int nearPerSide,
    long keepaliveMs,
    long deadMs,
    long linkRetryMs,
    int linkAttempts,
    long ctmIntervalMs,
    long neighbourIntervalMs,
    long farIntervalMs,
    int dhtReplicas,
    long dhtRepublishMs)
{
    /** The defaults: 2 near links per side, keepalive 3 s, dead after 10 s, r = 3. */
    public static OverlayConfig defaults()
    {
        return new OverlayConfig(2, 3_000, 10_000, 500, 6, 1_000, 5_000, 2_000, 3, 30_000);
    }

    /** @return these settings with another keepalive; a link is dead after three missed ones (at least 10 s). */
    public OverlayConfig withKeepalive(final long ms)
    {
        return new OverlayConfig(nearPerSide, ms, Math.max(10_000, ms * 3 + 1_000), linkRetryMs, linkAttempts, ctmIntervalMs,
            neighbourIntervalMs, farIntervalMs, dhtReplicas, dhtRepublishMs);
    }
}
