package wow.controlplane.overlay.shortcut;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which destinations deserve a direct shortcut link: the original rule (+1 per packet, decay per
 * heartbeat, threshold) made rate-based. Each destination's score is an exponentially decaying
 * packet count (time constant {@link #TAU_MS}), so score / tau estimates its packet rate; the
 * data plane reports one sample per {@code samplePackets} routed packets. A destination at or
 * above {@code thresholdPps} gets a shortcut (the highest rates first, at most
 * {@code maxShortcuts}); a shortcut whose rate stayed below a quarter of the threshold for
 * {@code idleMs} is trimmed. Bounded: at most {@link #MAX_TRACKED} destinations are scored (the
 * lowest score is forgotten first). Owned by the node's thread (the shortcut overlord's).
 */
public final class ShortcutPolicy
{
    /** Time constant of the rate estimate. */
    public static final long TAU_MS = 1_000;
    public static final int MAX_TRACKED = 1_024;
    /** A shortcut asked for and not yet up is asked for again after this long. */
    public static final long RETRY_MS = 5_000;

    private static final class Score
    {
        double value;
        long atMs;
        long lowSinceMs = -1;
        long requestedMs = Long.MIN_VALUE / 2;
    }

    private final double thresholdPps;
    private final int maxShortcuts;
    private final long idleMs;
    private final int samplePackets;
    private final Map<BigInteger, Score> scores = new HashMap<>();
    private final Set<BigInteger> shortcuts = new HashSet<>();

    /**
     * @param thresholdPps  packets per second to a destination that earn it a shortcut (> 0).
     * @param maxShortcuts  most shortcuts at once.
     * @param idleMs        how long a shortcut may stay under a quarter of the threshold.
     * @param samplePackets packets one sample stands for.
     */
    public ShortcutPolicy(final double thresholdPps, final int maxShortcuts, final long idleMs, final int samplePackets)
    {
        if (thresholdPps <= 0 || maxShortcuts < 1 || idleMs < 0 || samplePackets < 1)
        {
            throw new IllegalArgumentException("bad shortcut policy");
        }
        this.thresholdPps = thresholdPps;
        this.maxShortcuts = maxShortcuts;
        this.idleMs = idleMs;
        this.samplePackets = samplePackets;
    }

    /** The data plane saw {@code samplePackets} packets routed (not sent directly) to a destination. */
    public void sampled(final BigInteger destination, final long nowMs)
    {
        Score s = scores.get(destination);
        if (s == null)
        {
            if (scores.size() >= MAX_TRACKED)
            {
                forgetLowest(nowMs);
            }
            s = new Score();
            s.atMs = nowMs;
            scores.put(destination, s);
        }
        decay(s, nowMs);
        s.value += samplePackets;
    }

    /** @return the estimated packet rate to a destination, packets per second. */
    public double rate(final BigInteger destination, final long nowMs)
    {
        final Score s = scores.get(destination);
        if (s == null)
        {
            return 0;
        }
        decay(s, nowMs);
        return s.value * 1000.0 / TAU_MS;
    }

    /** @return destinations to link to now, highest rate first, within the cap (each asked again after {@link #RETRY_MS}). */
    public List<BigInteger> toCreate(final long nowMs)
    {
        final List<BigInteger> out = new ArrayList<>();
        for (final Map.Entry<BigInteger, Score> e : scores.entrySet())
        {
            final Score s = e.getValue();
            if (!shortcuts.contains(e.getKey()) && rate(e.getKey(), nowMs) >= thresholdPps && nowMs - s.requestedMs >= RETRY_MS)
            {
                out.add(e.getKey());
            }
        }
        out.sort((a, b) -> Double.compare(rate(b, nowMs), rate(a, nowMs)));
        final int room = Math.max(0, maxShortcuts - shortcuts.size());
        final List<BigInteger> chosen = out.subList(0, Math.min(room, out.size()));
        for (final BigInteger d : chosen)
        {
            scores.get(d).requestedMs = nowMs;
        }
        return new ArrayList<>(chosen);
    }

    /** The shortcut to a destination is up (whether this policy or the peer asked for it). */
    public void established(final BigInteger destination)
    {
        shortcuts.add(destination);
    }

    /** The link to a destination went: it is no longer a shortcut. */
    public void removed(final BigInteger destination)
    {
        shortcuts.remove(destination);
    }

    /** @return shortcuts whose traffic stayed low for the idle time: to be trimmed (and forgotten here). */
    public List<BigInteger> toTrim(final long nowMs)
    {
        final List<BigInteger> out = new ArrayList<>();
        for (final BigInteger d : shortcuts)
        {
            Score s = scores.get(d);
            if (s == null)
            {
                s = new Score();
                s.atMs = nowMs;
                scores.put(d, s);
            }
            decay(s, nowMs);
            // traffic over a shortcut is no longer sampled as routed: the shortcut's own counters
            // feed it through sampledDirect
            if (s.value * 1000.0 / TAU_MS < thresholdPps / 4)
            {
                if (s.lowSinceMs < 0)
                {
                    s.lowSinceMs = nowMs;
                }
                else if (nowMs - s.lowSinceMs >= idleMs)
                {
                    out.add(d);
                }
            }
            else
            {
                s.lowSinceMs = -1;
            }
        }
        for (final BigInteger d : out)
        {
            shortcuts.remove(d);
            scores.remove(d);
        }
        return out;
    }

    /** Packets that went over a shortcut's own link since the last call (from its counters). */
    public void sentDirect(final BigInteger destination, final long packets, final long nowMs)
    {
        final Score s = scores.get(destination);
        if (s != null && packets > 0)
        {
            decay(s, nowMs);
            s.value += packets;
        }
    }

    /** Makes the set of shortcuts exactly these (the connections that have the shortcut role now). */
    public void retain(final Set<BigInteger> up)
    {
        shortcuts.retainAll(up);
        shortcuts.addAll(up);
    }

    /** @return the number of shortcuts up. */
    public int shortcuts()
    {
        return shortcuts.size();
    }

    private static void decay(final Score s, final long nowMs)
    {
        if (nowMs > s.atMs)
        {
            s.value *= Math.exp(-(double)(nowMs - s.atMs) / TAU_MS);
            s.atMs = nowMs;
        }
    }

    private void forgetLowest(final long nowMs)
    {
        BigInteger lowest = null;
        double min = Double.MAX_VALUE;
        for (final Map.Entry<BigInteger, Score> e : scores.entrySet())
        {
            if (!shortcuts.contains(e.getKey()) && rate(e.getKey(), nowMs) < min)
            {
                min = rate(e.getKey(), nowMs);
                lowest = e.getKey();
            }
        }
        if (lowest != null)
        {
            scores.remove(lowest);
        }
    }
}
