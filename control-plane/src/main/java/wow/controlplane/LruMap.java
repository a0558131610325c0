package wow.controlplane;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map that keeps at most a given number of entries, dropping the least recently used first (a
 * cache). Not thread-safe: owned by the one thread that uses it.
 *
 * @param <K> the key type.
 * @param <V> the value type.
 */
public final class LruMap<K, V> extends LinkedHashMap<K, V>
{
    private static final long serialVersionUID = 1L;
    private final int capacity;

    /** @param capacity the most entries kept. */
    public LruMap(final int capacity)
    {
        super(64, 0.75f, true);
        this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(final Map.Entry<K, V> eldest)
    {
        return size() > capacity;
    }
}
