package wow.controlplane.session;

import java.util.BitSet;
import java.util.Collection;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import wow.controlplane.security.Keys;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;

/**
 * The session indices and keypair slots of {@link LinkSessions}: which peer each index this node
 * chose belongs to (a keypair's, or a handshake's in flight), the slots queues cache cipher
 * contexts by, and the {@link SessionTable} built from the peers and published. Owned by the
 * conductor thread.
 */
final class KeypairRegistry
{
    private final Int2ObjectHashMap<SessionPeer> peerByIndex = new Int2ObjectHashMap<>();
    private final BitSet slots = new BitSet(SessionTable.MAX_KEYPAIRS);

    /** @return a new keypair in a free slot, or null if every slot is taken. */
    Keypair keypair(final int localIndex, final int remoteIndex, final byte[][] keys, final long nowNs)
    {
        final int slot = slots.nextClearBit(0);
        if (slot >= SessionTable.MAX_KEYPAIRS)
        {
            return null;
        }
        slots.set(slot);
        return new Keypair(localIndex, remoteIndex, slot, keys[0], keys[1], nowNs);
    }

    /** Frees a keypair's slot and index (null is ignored). */
    void free(final Keypair keypair)
    {
        if (keypair != null)
        {
            slots.clear(keypair.slot());
            peerByIndex.remove(keypair.localIndex());
        }
    }

    void bind(final int index, final SessionPeer peer)
    {
        peerByIndex.put(index, peer);
    }

    void unbind(final int index)
    {
        peerByIndex.remove(index);
    }

    SessionPeer peer(final int index)
    {
        return peerByIndex.get(index);
    }

    /** @return a random non-zero index no keypair or handshake of this node uses. */
    int newIndex()
    {
        while (true)
        {
            final int index = Keys.randomInt();
            if (index != 0 && !peerByIndex.containsKey(index))
            {
                return index;
            }
        }
    }

    /** Publishes every peer's keypairs for opening, and each one's current keypair for sealing. */
    int publish(final Collection<SessionPeer> peers, final SessionPublication publication)
    {
        final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
        final Long2ObjectHashMap<Keypair> byEndpoint = new Long2ObjectHashMap<>();
        for (final SessionPeer peer : peers)
        {
            for (final Keypair k : new Keypair[] {peer.previous, peer.current, peer.next})
            {
                if (k != null)
                {
                    k.endpoint(peer.endpoint);
                    byIndex.put(k.localIndex(), k);
                }
            }
            if (peer.current != null)
            {
                byEndpoint.put(peer.endpoint, peer.current);
            }
        }
        publication.publish(new SessionTable(byIndex, byEndpoint));
        return byEndpoint.size();
    }
}
