/** Ring arithmetic on 160-bit overlay addresses: values, clockwise and ring distances, short names. */
package wow.controlplane.overlay.ring;
