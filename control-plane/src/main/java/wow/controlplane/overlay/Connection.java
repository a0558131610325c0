package wow.controlplane.overlay;

import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import wow.dataplane.transport.Endpoints;

/**
 * A connection to a peer, direct or through a relay: what each side uses it for, the peer's ids
 * and endpoints, and its liveness. Owned by the {@link ConnectionTable}; mutable, read and changed
 * only on the node's thread (the conductor's, or the simulator's). Other classes read it through
 * the public getters.
 */
public final class Connection
{
    final byte[] address;
    final BigInteger value;
    final int localId;
    long endpoint;
    int virtualIp;
    int types;
    int peerTypes;
    int remoteId;
    long lastHeardMs;
    long lastSentMs;
    long upSinceMs;
    long lastListSentMs;
    long pingSentMs;
    long rttMs = -1;
    long[] endpoints;
    /** The relay's address when the peer is reached through one; null for a direct link. */
    byte[] via;
    /** The relay's id of its link to the peer (what relayed headers carry). */
    int relayId;
    /** Why the connection must go at the next check (its relay went), or null. */
    String doomed;
    long nextDirectTryMs;

    Connection(final byte[] address, final int localId)
    {
        this.address = address;
        this.value = Ring.value(address);
        this.localId = localId;
    }

    public byte[] address()
    {
        return address.clone();
    }

    public BigInteger value()
    {
        return value;
    }

    public long endpoint()
    {
        return endpoint;
    }

    public int virtualIp()
    {
        return virtualIp;
    }

    /** @return what this node uses the connection for. */
    public int types()
    {
        return types;
    }

    /** @return what the peer uses the connection for (it is kept while either side needs it). */
    public int peerTypes()
    {
        return peerTypes;
    }

    public int localId()
    {
        return localId;
    }

    public int remoteId()
    {
        return remoteId;
    }

    public long upSinceMs()
    {
        return upSinceMs;
    }

    public long lastHeardMs()
    {
        return lastHeardMs;
    }

    /** @return the round trip of the last answered keepalive, -1 before one was answered. */
    public long rttMs()
    {
        return rttMs;
    }

    /** @return true if greedy routing may use it (leaf links only bootstrap). */
    public boolean routable()
    {
        return ((types | peerTypes) & OverlayNode.STRUCTURED) != 0;
    }

    /** @return the relay's id of its link to the peer (0 when direct). */
    public int relayId()
    {
        return relayId;
    }

    /** @return the ring address of the relay this peer is reached through, or null if direct. */
    public byte[] via()
    {
        return via == null ? null : via.clone();
    }

    /** @return true if the peer is reached through a relay. */
    boolean relayed()
    {
        return via != null;
    }

    /**
     * @return true if a direct link heard from {@code from} should move there: any other endpoint,
     * except that a link working over UDP stays there when the peer also answers over TCP.
     */
    boolean movesTo(final long from)
    {
        return endpoint != from && !(Endpoints.isTcp(from) && !Endpoints.isTcp(endpoint));
    }

    @Override
    public String toString()
    {
        return Ring.shortHex(address) + OverlayNode.typeNames(types);
    }
}
