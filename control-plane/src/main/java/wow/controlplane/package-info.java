/** The control plane: the conductor agent that owns links and builds and publishes FIB versions. */
package wow.controlplane;
