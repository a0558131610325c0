package wow.dataplane.crypto;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * One version of the sessions a node's queues use: keypairs by local index (to open what
 * arrives) and the keypair to seal with per underlay endpoint. Immutable once published: the
 * conductor builds a new table when a handshake completes, a keypair confirms, expires or
 * follows its peer, and publishes it through a {@link SessionPublication}; queue threads read it
 * once per duty cycle.
 */
public final class SessionTable
{
    /** Keypairs alive at once, at most (the conductor refuses handshakes beyond). */
    public static final int MAX_KEYPAIRS = 4096;
    public static final SessionTable EMPTY = new SessionTable(new Int2ObjectHashMap<>(), new Long2ObjectHashMap<>());

    private final Int2ObjectHashMap<Keypair> byIndex;
    private final Long2ObjectHashMap<Keypair> byEndpoint;

    /** Takes ownership of the maps: the caller must not change them afterwards. */
    public SessionTable(final Int2ObjectHashMap<Keypair> byIndex, final Long2ObjectHashMap<Keypair> byEndpoint)
    {
        this.byIndex = byIndex;
        this.byEndpoint = byEndpoint;
    }

    /**
     * @return the key an end-to-end table files a peer's keypair under: the first 8 bytes of its
     *         ring address (a lookup then checks all 20, {@link Keypair#peerIs}).
     */
    public static long addressKey(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset, ByteOrder.BIG_ENDIAN);
    }

    /** @return the keypair this node chose {@code localIndex} for, or null. */
    public Keypair byIndex(final int localIndex)
    {
        return byIndex.get(localIndex);
    }

    /** @return the keypair to seal datagrams to this endpoint with, or null. */
    public Keypair forEndpoint(final long endpoint)
    {
        return byEndpoint.get(endpoint);
    }

    public int keypairs()
    {
        return byIndex.size();
    }
}
