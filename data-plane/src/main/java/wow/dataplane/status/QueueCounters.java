package wow.dataplane.status;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters one queue's agent owns and is the only writer of: drops by reason, traffic, and
 * the FIB version it applied. Link counters are shared by all queues and are added to once
 * per batch ({@link #addToCounter}). Allocated by the wiring thread, updated by the agent.
 */
public final class QueueCounters
{
    /** Counters one queue allocates: the 16 below, 4 of routed hops, one per drop reason. */
    public static final int PER_QUEUE = 16 + 4 + DropReason.values().length;

    public final AtomicCounter tapRxFrames;
    public final AtomicCounter tapTxFrames;
    public final AtomicCounter tapReadErrors;
    public final AtomicCounter tapMergedSegments;
    public final AtomicCounter udpRxDatagrams;
    public final AtomicCounter udpTxDatagrams;
    public final AtomicCounter udpRxKernelDrops;
    public final AtomicCounter arpReplies;
    public final AtomicCounter transitForwarded;
    public final AtomicCounter relayForwarded;
    public final AtomicCounter pathSwitchPauses;
    public final AtomicCounter dhcpReplies;
    public final AtomicCounter controlUp;
    public final AtomicCounter controlDown;
    public final AtomicCounter resolutionHeld;
    public final AtomicCounter fibVersion;
    /** Routed packets delivered to the TAP by the overlay hops they took: 1, 2, 3, 4 or more. */
    private final AtomicCounter[] routedByHops = new AtomicCounter[4];
    private final AtomicCounter[] drops;
    private final UnsafeBuffer values;

    public QueueCounters(final CountersManager manager, final UnsafeBuffer values, final int queue)
    {
        this.values = values;
        tapRxFrames = traffic(manager, "tap_rx_frames", queue);
        tapTxFrames = traffic(manager, "tap_tx_frames", queue);
        tapReadErrors = traffic(manager, "tap_read_errors", queue);
        tapMergedSegments = traffic(manager, "tap_tx_merged_segments", queue);
        udpRxDatagrams = traffic(manager, "udp_rx_datagrams", queue);
        udpTxDatagrams = traffic(manager, "udp_tx_datagrams", queue);
        udpRxKernelDrops = traffic(manager, "udp_rx_kernel_drops", queue);
        arpReplies = traffic(manager, "arp_replies", queue);
        transitForwarded = traffic(manager, "transit_forwarded", queue);
        relayForwarded = traffic(manager, "relay_forwarded", queue);
        pathSwitchPauses = traffic(manager, "path_switch_pauses", queue);
        dhcpReplies = traffic(manager, "dhcp_replies", queue);
        controlUp = traffic(manager, "control_up", queue);
        controlDown = traffic(manager, "control_down", queue);
        resolutionHeld = traffic(manager, "resolution_held", queue);
        for (int h = 0; h < routedByHops.length; h++)
        {
            routedByHops[h] = traffic(manager, "routed_rx_hops_" + (h + 1) + (h == routedByHops.length - 1 ? "plus" : ""), queue);
        }
        fibVersion = manager.newCounter("fib_version q" + queue, CounterTypes.FIB_VERSION, key -> key.putInt(0, queue));
        final DropReason[] reasons = DropReason.values();
        drops = new AtomicCounter[reasons.length];
        for (final DropReason reason : reasons)
        {
            drops[reason.ordinal()] = manager.newCounter(
                "drop " + reason.label() + " q" + queue, CounterTypes.DROP, key -> key.putInt(0, queue));
        }
    }

    private static AtomicCounter traffic(final CountersManager manager, final String name, final int queue)
    {
        return manager.newCounter(name + " q" + queue, CounterTypes.TRAFFIC, key -> key.putInt(0, queue));
    }

    /** Counts a routed packet delivered to the TAP after this many overlay hops (at least 1). */
    public void countRoutedDelivered(final int overlayHops)
    {
        routedByHops[Math.min(Math.max(overlayHops, 1), routedByHops.length) - 1].incrementRelease();
    }

    /** @return routed packets delivered after this many overlay hops (4: four or more). */
    public long routedDelivered(final int overlayHops)
    {
        return routedByHops[overlayHops - 1].get();
    }

    /** Counts one drop. */
    public void drop(final DropReason reason)
    {
        drops[reason.ordinal()].incrementRelease();
    }

    /** Counts several drops. */
    public void drop(final DropReason reason, final int count)
    {
        drops[reason.ordinal()].getAndAddRelease(count);
    }

    /** @return the number of drops for a reason so far. */
    public long drops(final DropReason reason)
    {
        return drops[reason.ordinal()].get();
    }

    /** Adds atomically to a shared counter (a link's) by id: once per batch, not per packet. */
    public void addToCounter(final int counterId, final long delta)
    {
        values.getAndAddLong(CountersReader.counterOffset(counterId), delta);
    }
}
