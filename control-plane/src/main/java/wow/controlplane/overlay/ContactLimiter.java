package wow.controlplane.overlay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds the contacts a node makes to endpoints other nodes named to it (the requester's in a
 * Connect-To-Me, the peer's in a punch), so that no member can use it to flood a third party: each
 * such endpoint is contacted (answered and linked to) at most once per {@link #PER_ENDPOINT_MS},
 * and at most {@link #PER_SECOND} endpoints a second in all; what is over is skipped and counted.
 * Endpoints the node links to for its own reasons, and answers to datagrams it received, are not
 * limited. Remembers at most {@link #REMEMBERED} endpoints. Owned by the node's thread.
 */
final class ContactLimiter
{
    static final long PER_ENDPOINT_MS = 5_000;
    static final int PER_SECOND = 32;
    static final int REMEMBERED = 4_096;

    private final Map<Long, Long> lastContactMs = new LinkedHashMap<>(64, 0.75f, false)
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<Long, Long> eldest)
        {
            return size() > REMEMBERED;
        }
    };
    private long windowMs = -1_000;
    private int inWindow;
    private long skipped;

    /** @return the named endpoints that may be contacted now (each counted as contacted). */
    long[] allowed(final long[] endpoints, final long nowMs)
    {
        if (nowMs - windowMs >= 1000)
        {
            windowMs = nowMs;
            inWindow = 0;
        }
        final long[] out = new long[endpoints.length];
        int n = 0;
        for (final long endpoint : endpoints)
        {
            final Long last = lastContactMs.get(endpoint);
            if (last != null && nowMs - last < PER_ENDPOINT_MS || inWindow >= PER_SECOND)
            {
                skipped++;
                continue;
            }
            lastContactMs.remove(endpoint); // re-inserted last: the map drops the longest unused first
            lastContactMs.put(endpoint, nowMs);
            inWindow++;
            out[n++] = endpoint;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** @return named endpoints not contacted because of the bounds. */
    long skipped()
    {
        return skipped;
    }
}
