/**
 * The structured overlay (Brunet/Symphony), one class per part, all sharing the connection
 * table's state on the node's thread: {@link wow.controlplane.overlay.ConnectionTable} and
 * {@link wow.controlplane.overlay.Sender} at the bottom; the linker, keepalives, the near, far and
 * shortcut overlords, relays and NAT traversal, the DHT and its lease service above them;
 * {@link wow.controlplane.overlay.OverlayAdapter} that dispatches what arrives; and
 * {@link wow.controlplane.overlay.OverlayNode} that composes them.
 */
package wow.controlplane.overlay;
