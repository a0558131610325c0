/**
 * The control plane: the overlay conductor (its duty cycle, proxy, context, control adapter and
 * sender, resolution cache, virtual-IP lease, silence watch, FIB publisher) and the static-peer
 * conductor; each alone builds and publishes FIB versions.
 */
package wow.controlplane;
