package wow.controlplane.overlay;

import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The shortcut overlord (Brunet's {@code ChotaConnectionOverlord}): feeds the
 * {@link ShortcutPolicy} the traffic the data plane samples on overlay routes and what the
 * shortcut links carry, asks for the links the traffic earned (an existing connection takes the
 * shortcut role; else a Connect-To-Me goes to exactly that address) and trims the idle ones.
 * Owned by the node's thread.
 */
final class ShortcutOverlord
{
    private final OverlayNode node;
    private ShortcutPolicy policy;
    private final Map<Integer, Long> txBefore = new HashMap<>();

    ShortcutOverlord(final OverlayNode node)
    {
        this.node = node;
    }

    /** Lets traffic earn shortcut links under this policy (none: no shortcuts). */
    void use(final ShortcutPolicy policy)
    {
        this.policy = policy;
    }

    /** The data plane saw a routed packet to this destination (one per sample). */
    void sampled(final BigInteger destination, final long nowMs)
    {
        if (policy != null)
        {
            policy.sampled(destination, nowMs);
        }
    }

    /** Feeds the policy what the shortcut links carried, trims the idle ones and asks for those earned. */
    void maintain(final long nowMs, final LinkTraffic traffic)
    {
        if (policy == null)
        {
            return;
        }
        final Set<BigInteger> up = new HashSet<>();
        for (final Connection c : node.table.all())
        {
            if ((c.types & OverlayNode.SHORTCUT) == 0)
            {
                continue;
            }
            up.add(c.value);
            final long tx = traffic.txPackets(c.localId);
            if (tx >= 0)
            {
                final Long before = txBefore.put(c.localId, tx);
                if (before != null)
                {
                    policy.sentDirect(c.value, tx - before, nowMs);
                }
            }
        }
        txBefore.keySet().removeIf(id -> node.table.byLocalId(id) == null);
        policy.retain(up);
        for (final BigInteger d : policy.toTrim(nowMs))
        {
            drop(Ring.address(d));
            node.events.onShortcutTrimmed(Ring.address(d));
        }
        for (final BigInteger d : policy.toCreate(nowMs))
        {
            request(Ring.address(d));
            node.events.onShortcutRequested(Ring.address(d), policy.rate(d, nowMs));
        }
    }

    /**
     * Links directly to a node this host sends much traffic to: an existing connection takes the
     * shortcut role; else a Connect-To-Me goes to exactly that address, whose answer starts the
     * usual linking (hole punching, a relay if need be).
     */
    void request(final byte[] destination)
    {
        if (Arrays.equals(destination, node.address))
        {
            return;
        }
        final Connection c = node.table.get(Ring.value(destination));
        if (c != null)
        {
            if ((c.types & OverlayNode.SHORTCUT) == 0)
            {
                c.types |= OverlayNode.SHORTCUT;
                node.keepalives.announceTypes(c);
                node.sender.connectionsChanged();
            }
            return;
        }
        node.sender.route(destination, OverlayNode.EXACT,
            Messages.ctmRequest(OverlayNode.SHORTCUT, node.sender.newToken(), node.endpoints.me()));
    }

    /** Gives up the shortcut role of a connection; it closes unless something else needs it. */
    void drop(final byte[] destination)
    {
        final Connection c = node.table.get(Ring.value(destination));
        if (c != null && (c.types & OverlayNode.SHORTCUT) != 0)
        {
            c.types &= ~OverlayNode.SHORTCUT;
            node.keepalives.announceTypes(c);
            node.sender.connectionsChanged();
        }
    }
}
