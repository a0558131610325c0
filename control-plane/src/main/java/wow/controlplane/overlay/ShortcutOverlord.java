package wow.controlplane.overlay;

import java.util.Arrays;

/**
 * The shortcut overlord (Brunet's {@code ChotaConnectionOverlord}, its decisions made by the
 * conductor's {@code ShortcutPolicy}): gives a connection the shortcut role, or asks a destination
 * by Connect-To-Me for a direct link; and gives the role up again. Owned by the node's thread.
 */
final class ShortcutOverlord
{
    private final OverlayNode node;

    ShortcutOverlord(final OverlayNode node)
    {
        this.node = node;
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
