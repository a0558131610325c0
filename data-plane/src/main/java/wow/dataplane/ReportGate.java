package wow.dataplane;

/**
 * Lets a report about a key (a virtual IP, a link, a destination) through at most once per
 * interval: a small direct-mapped table, so a flood of distinct keys cannot flood the conductor
 * and nothing is allocated. Owned by one queue agent's thread.
 */
final class ReportGate
{
    private static final int SLOTS = 64;

    private final long intervalNs;
    private final int[] keys = new int[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private final long[] at = new long[SLOTS];

    ReportGate(final long intervalNs)
    {
        this.intervalNs = intervalNs;
    }

    /** @return true if a report about {@code key} may go now (and records it). */
    boolean admit(final int key, final long nowNs)
    {
        final int slot = (key ^ (key >>> 16)) & (SLOTS - 1);
        if (used[slot] && keys[slot] == key && nowNs - at[slot] < intervalNs)
        {
            return false;
        }
        used[slot] = true;
        keys[slot] = key;
        at[slot] = nowNs;
        return true;
    }
}
