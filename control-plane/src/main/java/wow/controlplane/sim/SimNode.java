package wow.controlplane.sim;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import wow.controlplane.EventLog;
import wow.controlplane.FibChanges;
import wow.controlplane.OverlayStack;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;

/**
 * One simulated node: the same {@link OverlayStack} a real node's conductor drives (overlay,
 * resolution, virtual-IP lease and registration, shortcuts), with the simulator's network as its
 * transport and, for the flows it sends, traffic the shortcut policy sees as the data plane's
 * samples and link counters would show it. Run by its {@link SimWorker}'s thread (node index
 * modulo the number of workers), or by the coordinator's between windows.
 */
final class SimNode implements OverlayTransport
{
    /** Packets per second a simulated flow sends; one sample is reported per 64 (as the data plane does). */
    static final int FLOW_PPS = 400;
    static final int SAMPLE_PACKETS = 64;
    private static final int TTL = 30;
    private static final int PORT = 4000;
    /** How often a conductor runs a node's timers. */
    static final long TICK_MS = 250;

    final int index;
    final long endpoint;
    final OverlayStack stack;
    final OverlayNode node;
    boolean alive = true;
    long joinStartMs;
    boolean routable;
    /** On the far side of a partition while one lasts. */
    boolean cutOff;
    /** A lying member ({@link SimLiar}). */
    boolean liar;
    final LeaseSigner signer;
    /** Flows this node sends: destination ring value &rarr; when the flow started. */
    final Map<BigInteger, Long> flows = new HashMap<>();
    /** The worker that runs this node's events. */
    final SimWorker worker;
    /** The network's draws for what this node sends (loss, delay) and what it lies about. */
    final SplittableRandom network;
    /** Events this node's code has scheduled: with its index, the key that orders them. */
    long sequence;
    private final Simulator sim;
    private final SimNetwork net;

    /**
     * @param virtualIp  the node's fixed virtual IP, or 0 to lease one from {@code subnet}.
     * @param signer     signs its leases (a fixed virtual IP is leased too: resolution reads the leases).
     * @param shortcuts  the shortcut policy, or null for none.
     */
    SimNode(final Simulator sim, final int index, final byte[] address, final int virtualIp, final int subnet, final int prefix,
        final LeaseSigner signer, final OverlayConfig config, final ShortcutPolicy shortcuts, final Random random,
        final SimWorker worker, final SplittableRandom network)
    {
        this.sim = sim;
        this.net = sim.network();
        this.worker = worker;
        this.network = network;
        this.index = index;
        this.signer = signer;
        this.endpoint = endpointOf(index);
        this.stack = new OverlayStack(new OverlayStack.Setup(address, virtualIp, prefix, subnet, prefix, signer,
            worker.authority, new long[] {endpoint}, config, shortcuts, random, null), this, FibChanges.NONE, EventLog.NONE,
            () -> worker.now, token -> sim.measures().probeAnswered(this, token));
        this.node = stack.node();
    }

    @Override
    public void sendDirect(final long to, final int remoteLinkId, final byte[] message)
    {
        final byte[] said = liar ? sim.liars().rewrite(this, message) : message;
        net.transmit(this, to, new SimNetwork.Direct(endpoint, remoteLinkId, said));
    }

    @Override
    public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
        final boolean excludeSource, final byte[] message)
    {
        net.transmit(this, firstHop, new SimNetwork.Routed(node.value(), Ring.value(destination), destination, delivery,
            excludeSource, TTL, 1, liar ? sim.liars().rewrite(this, message) : message, relayLinkId));
    }

    @Override
    public void connectionsChanged()
    {
    }

    @Override
    public void selfQueued()
    {
        net.post(this, this, worker.now, () ->
        {
            if (alive)
            {
                node.deliverQueued(worker.now);
            }
        });
    }

    /**
     * Runs the node's timers as its conductor does, every 250 ms (the resolution cache's once a
     * second), from {@code firstMs} on while it is alive. A node that finds its address is another
     * live node's stops, as {@code wow node} does; the coordinator then starts another in its place,
     * as its operator would, which leases another address.
     */
    void startTicks(final long firstMs)
    {
        net.post(this, this, firstMs, () -> tickLoop(0));
    }

    private void tickLoop(final int ticks)
    {
        if (!alive)
        {
            return;
        }
        final long now = worker.now;
        stack.tick(now, this::txPackets);
        if (ticks % 4 == 0)
        {
            stack.maintain(now);
        }
        if (stack.fatal() != null)
        {
            worker.conflicts++;
            stack.leave(now);
            alive = false;
            return;
        }
        net.post(this, this, now + TICK_MS, () -> tickLoop(ticks + 1));
    }

    /** @return what a flow sent over the link with this id since the flow started, -1 if none of this node's flows uses it. */
    private long txPackets(final int localId)
    {
        final Connection c = node.connectionByLocalId(localId);
        final Long started = c == null ? null : flows.get(c.value());
        return started == null ? -1 : (worker.now - started) * FLOW_PPS / 1000;
    }

    /** One sample of each flow that still goes over the overlay (no link to its destination yet). */
    void sampleFlows(final long nowMs)
    {
        for (final BigInteger destination : flows.keySet())
        {
            if (node.connection(destination) == null)
            {
                node.trafficSampled(Ring.address(destination), nowMs);
            }
        }
    }

    /** @return the simulated endpoint of the node started {@code index}-th (10.0.0.0 + index, port 4000). */
    static long endpointOf(final int index)
    {
        return ((0x0A000000L + index) << 16) | PORT;
    }

    /** @return the index of the node whose endpoint this is, or -1 if it is no simulated node's. */
    static int indexOf(final long endpoint)
    {
        final long index = (endpoint >>> 16) - 0x0A000000L;
        return (endpoint & 0xFFFF) == PORT && index >= 0 && index < Integer.MAX_VALUE ? (int)index : -1;
    }
}
