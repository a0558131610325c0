package wow.controlplane.session;

import wow.controlplane.LruMap;
import java.security.MessageDigest;
import java.util.Map;
import wow.controlplane.security.Certificate;

/**
 * The static keys other members named for endpoints (in neighbour lists, Connect-To-Me requests and
 * replies, punches and relay grants), so that the first handshake toward such an endpoint is IK:
 * one round trip instead of XX's one and a half. A hint is taken only if the key is the one the
 * named ring address is bound to, so a member can point a key at an endpoint but not a key at
 * another node's address; a wrong endpoint costs one unanswered IK message before XX. At most
 * {@link #MAX_HINTS}, the least recently used forgotten first. Owned by the conductor thread.
 */
final class KeyHints
{
    static final int MAX_HINTS = 1024;
    private static final int KEY_LENGTH = 32;

    private final Map<Long, byte[]> byEndpoint = new LruMap<>(MAX_HINTS);

    /**
     * @return true if the hint was taken: a key of the right length that the ring address is bound to.
     */
    boolean offer(final long endpoint, final byte[] address, final byte[] key)
    {
        if (endpoint == 0 || key.length != KEY_LENGTH || !MessageDigest.isEqual(Certificate.ringAddressOf(key), address))
        {
            return false;
        }
        byEndpoint.put(endpoint, key.clone());
        return true;
    }

    /** @return the key named for an endpoint, or null. */
    byte[] get(final long endpoint)
    {
        return byEndpoint.get(endpoint);
    }

    /** Forgets an endpoint's hint (IK toward it went unanswered). */
    void forget(final long endpoint)
    {
        byEndpoint.remove(endpoint);
    }

    int size()
    {
        return byEndpoint.size();
    }
}
