package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.Messages;

/**
 * Where an overlay node's messages go: the conductor's data-plane sender, or the simulated
 * network. Called on the node's thread only.
 */
public interface OverlayTransport
{
    /** Sends a message to an endpoint; {@code remoteLinkId} is the peer's id for the link, 0 if none yet. */
    void sendDirect(long endpoint, int remoteLinkId, byte[] message);

    /**
     * Sends a routed message whose first hop this node chose.
     *
     * @param firstHop      the first hop's endpoint, or its relay's when the first hop is relayed.
     * @param relayLinkId   0 for a direct first hop; else the relay's id of its link to the first hop.
     * @param excludeSource the message is for the node closest to the destination other than
     *                      this one (Connect-To-Me toward one's own address).
     */
    void sendRouted(long firstHop, int relayLinkId, byte[] destination, int delivery, boolean excludeSource, byte[] message);

    /** The set of connections or their ids changed: forwarding must be rebuilt. */
    void connectionsChanged();

    /**
     * The node queued a message for itself: its owner should call
     * {@link OverlayNode#deliverQueued} in its next duty cycle (an owner that does so every cycle
     * needs nothing here).
     */
    default void selfQueued()
    {
    }

    /** @return this node's static public key, named in messages about itself; {@link Messages#NO_KEY} if insecure. */
    default byte[] ownKey()
    {
        return Messages.NO_KEY;
    }

    /**
     * @return the static key the session at a linked peer's endpoint proved, if it is the key its ring
     *         address is bound to; else {@link Messages#NO_KEY}.
     */
    default byte[] peerKey(final long endpoint, final byte[] address)
    {
        return Messages.NO_KEY;
    }

    /**
     * A message named a node's key and endpoints: the first handshake toward those endpoints may start
     * with it (one round trip instead of two). Ignored unless the key is the one the address is bound to.
     */
    default void keyHint(final Messages.Peer peer)
    {
    }
}
