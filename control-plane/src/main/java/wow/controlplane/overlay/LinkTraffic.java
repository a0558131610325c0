package wow.controlplane.overlay;

/** Reads what a link carried (the conductor's link counters); called on the node's thread. */
@FunctionalInterface
public interface LinkTraffic
{
    /** @return packets sent on the link with this local id so far, or -1 if it has no counter. */
    long txPackets(int localId);
}
