package wow.controlplane.overlay;

/**
 * What an overlay node reports to its owner: probe, DHT and lease answers, link events, endpoint
 * and path changes. All optional; called on the node's thread only, never inside the call that
 * sent the request being answered.
 */
public interface OverlayEvents
{
    default void onProbeReply(int token, byte[] from)
    {
    }

    /** @param responder the ring address of the node that answered. */
    default void onDhtReply(int token, byte[] responder, boolean found, byte[] value)
    {
    }

    default void onLinkUp(Connection connection)
    {
    }

    default void onLinkDown(Connection connection, String reason)
    {
    }

    default void onEndpointLearned(long endpoint)
    {
    }

    /** A connection switched between direct and relayed. */
    default void onLinkPathChanged(Connection connection)
    {
    }

    /** UDP got no answer for long while TCP works: the node now links over TCP and relays only. */
    default void onUdpGaveUp()
    {
    }

    /** The primary holder of a lease answered this node's operation. */
    default void onLeaseReply(int token, byte[] key, int result, byte[] value)
    {
    }

    /** A peer's datagrams come from a new endpoint now, and the link followed it. */
    default void onPeerMoved(Connection connection)
    {
    }

    /** A handshake message of an end-to-end session came routed from the node at {@code source}. */
    default void onEndToEnd(byte[] source, byte[] handshake)
    {
    }

    /** A data packet this node sent could not reach {@code address}: no such node (any more). */
    default void onUnreachable(byte[] address)
    {
    }

    /** Traffic earned a shortcut to this address: it was asked for. */
    default void onShortcutRequested(byte[] address, double ratePps)
    {
    }

    /** A shortcut went idle and lost its role. */
    default void onShortcutTrimmed(byte[] address)
    {
    }
}
