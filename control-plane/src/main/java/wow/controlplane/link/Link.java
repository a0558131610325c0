package wow.controlplane.link;

import wow.dataplane.protocol.Ipv4;
import wow.dataplane.transport.Endpoints;

/**
 * One link to a peer as the conductor sees it: ids both ways, endpoint, handshake state and
 * liveness. Mutable; owned by the conductor thread.
 */
public final class Link
{
    /** Handshake and liveness state. */
    public enum State
    {
        /** HELLO sent, the handshake not complete. */
        CONNECTING,
        /** Both ids known and the peer heard recently. */
        UP,
        /** Not heard for longer than the dead interval; still retried. */
        DOWN
    }

    private final int localId;
    private final int virtualIp;
    private final byte[] address;
    private final long endpoint;
    private final int[] counterIds;
    private int remoteId;
    private boolean peerKnowsUs;
    private State state = State.CONNECTING;
    private long lastHeardNs;
    private long upSinceNs;
    private long lastSentNs = Long.MIN_VALUE / 2;

    Link(final int localId, final int virtualIp, final byte[] address, final long endpoint, final int[] counterIds)
    {
        this.localId = localId;
        this.virtualIp = virtualIp;
        this.address = address.clone();
        this.endpoint = endpoint;
        this.counterIds = counterIds.clone();
    }

    /** @return the id this host gave the link: what the peer puts in DATA headers to us. */
    public int localId()
    {
        return localId;
    }

    /** @return the id the peer gave the link, 0 while unknown. */
    public int remoteId()
    {
        return remoteId;
    }

    public int virtualIp()
    {
        return virtualIp;
    }

    public byte[] address()
    {
        return address.clone();
    }

    public long endpoint()
    {
        return endpoint;
    }

    int[] counterIds()
    {
        return counterIds;
    }

    public State state()
    {
        return state;
    }

    public boolean isUp()
    {
        return state == State.UP;
    }

    /** @return true if the peer's last HELLO showed it knows our current link id. */
    public boolean peerKnowsUs()
    {
        return peerKnowsUs;
    }

    public long lastHeardNs()
    {
        return lastHeardNs;
    }

    /** @return when the link last came up (conductor clock). */
    public long upSinceNs()
    {
        return upSinceNs;
    }

    public long lastSentNs()
    {
        return lastSentNs;
    }

    /** Records that a HELLO went out. */
    public void sent(final long nowNs)
    {
        lastSentNs = nowNs;
    }

    /**
     * Records a HELLO from the peer.
     *
     * @param theirAddress the ring address the peer announced.
     * @return true if the peer's link id or address changed, so the FIB must be rebuilt.
     */
    public boolean heard(final int theirId, final byte[] theirAddress, final boolean knowsUs, final long nowNs)
    {
        final boolean changed = theirId != remoteId || !java.util.Arrays.equals(address, theirAddress);
        System.arraycopy(theirAddress, 0, address, 0, address.length);
        remoteId = theirId;
        peerKnowsUs = knowsUs;
        lastHeardNs = nowNs;
        if (state != State.UP)
        {
            upSinceNs = nowNs;
        }
        state = State.UP;
        return changed;
    }

    /** The peer went silent: retry the handshake until it answers. */
    public void markDown()
    {
        state = State.DOWN;
        peerKnowsUs = false;
    }

    @Override
    public String toString()
    {
        return "peer=" + Ipv4.toString(virtualIp) + " endpoint=" + Endpoints.toString(endpoint) +
            " state=" + state.name().toLowerCase();
    }
}
