/** The overlay's messages on the wire: their layouts, one record per kind, and the codec that never throws. */
package wow.controlplane.overlay.wire;
