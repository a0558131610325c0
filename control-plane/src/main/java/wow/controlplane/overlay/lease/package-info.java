/** Leases in the DHT: owner-signed create-if-absent records and the quorum rounds a key's primary decides them in. */
package wow.controlplane.overlay.lease;
