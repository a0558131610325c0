/** A deterministic simulator that runs the real overlay code on a virtual network and clock. */
package wow.controlplane.sim;
