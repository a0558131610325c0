/** The node's identity: an Ed25519 key pair kept in the state directory and the 160-bit ring address derived from it. */
package wow.controlplane.identity;
