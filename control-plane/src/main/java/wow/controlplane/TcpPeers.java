package wow.controlplane;

import java.util.HashMap;
import java.util.Map;
import wow.dataplane.transport.Endpoints;
import wow.dataplane.transport.TcpBridge;

/**
 * The peers this node reaches over the TCP transport: each {@code tcp://} overlay endpoint's
 * bridge (the local UDP endpoint the data plane sends to for it), connected on first use.
 * Conductor thread only; the bridge's events reach it through the conductor's command queue.
 */
final class TcpPeers
{
    private final TcpBridge tcp;
    private final Map<Long, Long> bridgeByRemote = new HashMap<>();
    private final Map<Long, Long> remoteByBridge = new HashMap<>();

    /** @param tcp the TCP transport, or null if the node has none. */
    TcpPeers(final TcpBridge tcp)
    {
        this.tcp = tcp;
    }

    /** @return the endpoint the data plane sends to for an overlay endpoint (a TCP peer's bridge), 0 if none yet. */
    long dataEndpoint(final long endpoint)
    {
        if (!Endpoints.isTcp(endpoint))
        {
            return endpoint;
        }
        final Long bridge = bridgeByRemote.get(endpoint);
        if (bridge == null && tcp != null)
        {
            tcp.connect(endpoint);
        }
        return bridge == null ? 0 : bridge;
    }

    /**
     * @return the endpoint the data plane sends to for an overlay endpoint without connecting: a TCP
     *         peer's bridge, 0 if it has none, or the endpoint itself.
     */
    long knownDataEndpoint(final long endpoint)
    {
        if (!Endpoints.isTcp(endpoint))
        {
            return endpoint;
        }
        final Long bridge = bridgeByRemote.get(endpoint);
        return bridge == null ? 0 : bridge;
    }

    /** @return the overlay endpoint a datagram came from: the TCP peer behind a bridge, or the endpoint itself. */
    long overlayEndpoint(final long received)
    {
        final Long peer = remoteByBridge.get(received);
        return peer == null ? received : peer;
    }

    void opened(final long remote, final long bridge)
    {
        bridgeByRemote.put(remote, bridge);
        remoteByBridge.put(bridge, remote);
    }

    void closed(final long remote, final long bridge)
    {
        bridgeByRemote.remove(remote, bridge);
        remoteByBridge.remove(bridge);
    }

    /** @return datagrams the TCP transport dropped, 0 without one. */
    long dropped()
    {
        return tcp == null ? 0 : tcp.dropped();
    }

    /** @return zero-length or oversized frames the TCP transport refused, 0 without one. */
    long badFrames()
    {
        return tcp == null ? 0 : tcp.badFrames();
    }
}
