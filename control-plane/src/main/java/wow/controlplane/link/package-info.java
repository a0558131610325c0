/** Links to peers: the link table, the HELLO handshake that swaps link ids, keepalives and liveness. */
package wow.controlplane.link;
