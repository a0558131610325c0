package wow.controlplane.sim;

import java.math.BigInteger;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.wire.OverlayMessage;

/**
 * The simulated network between the nodes: one-way latency with a little jitter, optional loss,
 * the cut of a partition, and routed messages forwarded hop by hop with the same greedy decision
 * the data plane's transit path makes. A message's loss and delay are drawn from its sender's own
 * random source, and an event is keyed by the node whose code scheduled it, so a node's run does
 * not depend on which worker runs which node. Called by the worker that runs the acting node (or
 * by the coordinator between windows); what it reads of other nodes (their worker, which side of a
 * cut they are on) changes only between windows.
 */
final class SimNetwork
{
    /** A message sent to an endpoint. */
    record Direct(long from, int linkId, byte[] message)
    {
    }

    /** A routed message on its way. */
    record Routed(BigInteger source, BigInteger destination, byte[] destinationBytes, int delivery, boolean excludeSource,
        int ttl, int hops, byte[] message, int relayLinkId)
    {
    }

    private final Simulator sim;
    private final double latencyMs;
    private final double loss;
    /** True while the coordinator keeps a partition's sides apart. */
    boolean partitioned;
    /** True while the workers run a window (the coordinator waits); false between windows. */
    boolean inWindow;

    SimNetwork(final Simulator sim, final double latencyMs, final double loss)
    {
        this.sim = sim;
        this.latencyMs = latencyMs;
        this.loss = loss;
    }

    /** @return the shortest delay of a message: no event one node schedules for another falls closer than this. */
    long lookaheadMs()
    {
        return Math.round(latencyMs);
    }

    /** Schedules {@code action} for {@code target} at {@code time}, keyed by {@code acting}, the node whose code asks. */
    void post(final SimNode acting, final SimNode target, final long time, final Runnable action)
    {
        final SimEventQueue.Event e = new SimEventQueue.Event(action, time, acting.worker.now, acting.index,
            acting.sequence++);
        if (!inWindow || acting.worker == target.worker)
        {
            target.worker.queue.add(e);
        }
        else
        {
            acting.worker.send(target.worker, e); // at least one lookahead away: after the window
        }
    }

    /** Sends {@code payload} from {@code from} to the node at endpoint {@code to}, if any and unless lost or cut. */
    void transmit(final SimNode from, final long to, final Object payload)
    {
        from.worker.transmissions++;
        if (loss > 0 && from.network.nextDouble() < loss)
        {
            return;
        }
        final SimNode target = sim.byEndpoint(to);
        if (target == null || partitioned && from.cutOff != target.cutOff)
        {
            return; // no one there, or the cut
        }
        final long delay = Math.round(latencyMs * (1 + 0.1 * from.network.nextDouble()));
        post(from, target, from.worker.now + delay, () -> arrive(target, payload));
    }

    private void arrive(final SimNode target, final Object payload)
    {
        if (!target.alive)
        {
            return;
        }
        final long now = target.worker.now;
        if (payload instanceof Direct d)
        {
            target.node.onDirect(d.from(), d.linkId(), d.message(), 0, d.message().length, now);
            return;
        }
        final Routed r = (Routed)payload;
        final OverlayNode node = target.node;
        if (r.relayLinkId() != 0)
        {
            // as a relay: only over the named link, then an ordinary routed message again
            final Connection next = node.connectionByLocalId(r.relayLinkId());
            if (next != null && next.via() == null)
            {
                transmit(target, next.endpoint(), new Routed(r.source(), r.destination(), r.destinationBytes(), r.delivery(),
                    r.excludeSource(), r.ttl() - 1, r.hops() + 1, r.message(), 0));
            }
            return;
        }
        if (r.delivery() == OverlayNode.EXACT && node.value().equals(r.destination()))
        {
            deliverRouted(target, r);
            return;
        }
        // as the data plane: the destination's own link first, relayed packets only to it
        Connection hop = node.connection(r.destination());
        if (hop == null || (r.excludeSource() && hop.value().equals(r.source())))
        {
            hop = node.nextHop(r.destination(), r.excludeSource() ? r.source() : null);
        }
        if (hop == null)
        {
            if (r.delivery() == OverlayNode.CLOSEST && !(r.excludeSource() && node.value().equals(r.source())))
            {
                deliverRouted(target, r);
            }
            return;
        }
        if (r.ttl() <= 1)
        {
            return;
        }
        long next = hop.endpoint();
        int relayLinkId = 0;
        if (hop.via() != null)
        {
            final Connection relay = node.connection(Ring.value(hop.via()));
            if (relay == null)
            {
                return;
            }
            next = relay.endpoint();
            relayLinkId = hop.relayId();
        }
        transmit(target, next, new Routed(r.source(), r.destination(), r.destinationBytes(), r.delivery(), r.excludeSource(),
            r.ttl() - 1, r.hops() + 1, r.message(), relayLinkId));
    }

    private void deliverRouted(final SimNode target, final Routed r)
    {
        if (Messages.decode(r.message(), 0, r.message().length) instanceof OverlayMessage.Probe probe &&
            probe.type() == Messages.PROBE)
        {
            sim.measures().probeArrived(r.source(), probe.token(), r.hops());
        }
        target.node.onRouted(Ring.address(r.source()), r.message(), 0, r.message().length, target.worker.now);
    }
}
