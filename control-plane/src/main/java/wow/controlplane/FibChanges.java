package wow.controlplane;

/**
 * What the parts of a node's control logic tell about forwarding: it must be rebuilt, and why.
 * The conductor's {@link FibPublisher} builds the next FIB version from it; the simulator, which
 * has no data plane, ignores it. Called on the thread that owns the node.
 */
public interface FibChanges
{
    /** Ignores every change (a node without a data plane). */
    FibChanges NONE = new FibChanges()
    {
        @Override
        public void dirty()
        {
        }

        @Override
        public void reason(final String why)
        {
        }
    };

    /** The forwarding must be rebuilt. */
    void dirty();

    /** Names why the next version is built (the journal records it). */
    void reason(String why);

    /** The forwarding must be rebuilt, for this reason. */
    default void dirty(final String why)
    {
        reason(why);
        dirty();
    }
}
