package wow.controlplane.overlay;

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
}
