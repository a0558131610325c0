/**
 * The structured overlay (Brunet/Symphony), one class per part: the connection table and sender,
 * the linker and keepalives, the near, far and shortcut overlords, NAT traversal and relays, the
 * DHT and its leases, the message codecs, and {@link wow.controlplane.overlay.OverlayNode} that
 * composes them.
 */
package wow.controlplane.overlay;
