package wow.controlplane.overlay;

/**
 * The leaf overlord (Brunet's {@code LeafConnectionOverlord}): bootstrap links to the seeds, made
 * when the node starts and again whenever it lost every link, and given up once the ring formed
 * around the node, so that no node stays special. Owned by the node's thread.
 */
final class LeafOverlord
{
    private final OverlayNode node;
    private long[] seeds = new long[0];
    private long nextRetryMs;

    LeafOverlord(final OverlayNode node)
    {
        this.node = node;
    }

    /** Links to the seeds' endpoints (none: this node starts a new ring). */
    void join(final long[] seedEndpoints, final long nowMs)
    {
        seeds = seedEndpoints.clone();
        connectSeeds(nowMs);
        nextRetryMs = nowMs + node.config.deadMs();
    }

    /** @return true if the node has no seeds: it started the ring. */
    boolean alone()
    {
        return seeds.length == 0;
    }

    /** @return true if the endpoint is one of the seeds this node joined through. */
    boolean isSeed(final long endpoint)
    {
        return Linker.contains(seeds, endpoint);
    }

    /** Lost everything (or never got in): start over through the seeds. */
    void tick(final long nowMs)
    {
        if (seeds.length > 0 && node.table.isEmpty() && node.linker.idle() && nowMs >= nextRetryMs)
        {
            nextRetryMs = nowMs + node.config.deadMs();
            node.near.lostRing();
            connectSeeds(nowMs);
        }
    }

    /** Takes the leaf role off a bootstrap link once the ring formed and it had time to settle. */
    void releaseIfDone(final Connection c, final boolean ringFormed, final long nowMs)
    {
        if (ringFormed && (c.types & OverlayNode.LEAF) != 0 && nowMs - c.upSinceMs > node.config.keepaliveMs())
        {
            c.types &= ~OverlayNode.LEAF; // bootstrap done: no node stays special
        }
    }

    private void connectSeeds(final long nowMs)
    {
        for (final long seed : seeds)
        {
            node.linker.connect(new long[] {seed}, null, OverlayNode.LEAF, nowMs);
        }
    }
}
