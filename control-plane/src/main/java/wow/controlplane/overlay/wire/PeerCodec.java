package wow.controlplane.overlay.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding and decoding of the {@link Messages.Peer}s and endpoint lists inside overlay messages
 * (layout in {@link Messages}). Decoding returns null for anything malformed (the caller turns a
 * short buffer's exception into null too). Stateless; used by whichever thread codes messages.
 */
final class PeerCodec
{
    private PeerCodec()
    {
    }

    static void putEndpoints(final ByteBuffer b, final long[] endpoints)
    {
        final int n = Math.min(endpoints.length, Messages.MAX_ENDPOINTS);
        b.put((byte)n);
        for (int i = 0; i < n; i++)
        {
            b.putLong(endpoints[i]);
        }
    }

    static void putPeer(final ByteBuffer b, final Messages.Peer peer)
    {
        b.put(peer.address()).putInt(peer.virtualIp());
        putEndpoints(b, peer.endpoints());
        final byte[] key = peer.hasKey() ? peer.key() : Messages.NO_KEY;
        b.put((byte)key.length).put(key);
    }

    static int peerSize(final Messages.Peer peer)
    {
        final int key = peer.hasKey() ? Messages.KEY_LENGTH : 0;
        return 20 + 4 + 1 + 8 * Math.min(peer.endpoints().length, Messages.MAX_ENDPOINTS) + 1 + key;
    }

    static long[] endpoints(final ByteBuffer b)
    {
        final int n = b.get() & 0xFF;
        if (n > Messages.MAX_ENDPOINTS)
        {
            return null;
        }
        final long[] eps = new long[n];
        for (int i = 0; i < n; i++)
        {
            eps[i] = b.getLong();
        }
        return eps;
    }

    static Messages.Peer peer(final ByteBuffer b)
    {
        final byte[] address = Messages.bytes20(b);
        final int vip = b.getInt();
        final long[] eps = endpoints(b);
        if (eps == null)
        {
            return null;
        }
        final int keyLength = b.get() & 0xFF;
        if (keyLength != 0 && keyLength != Messages.KEY_LENGTH)
        {
            return null;
        }
        final byte[] key = keyLength == 0 ? Messages.NO_KEY : new byte[Messages.KEY_LENGTH];
        b.get(key);
        return new Messages.Peer(address, vip, eps, key);
    }

    static List<Messages.Peer> peers(final ByteBuffer b)
    {
        final int n = b.get() & 0xFF;
        if (n > Messages.MAX_PEERS)
        {
            return null;
        }
        final List<Messages.Peer> peers = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            final Messages.Peer p = peer(b);
            if (p == null)
            {
                return null;
            }
            peers.add(p);
        }
        return peers;
    }
}
