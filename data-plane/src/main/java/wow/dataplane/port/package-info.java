/** Batch-shaped frame and datagram ports: the TAP queue and the UDP socket, over off-heap batches. */
package wow.dataplane.port;
