/** Underlay endpoints (packed UDP and TCP addresses: one renderer, one parser) and the TCP transport. */
package wow.dataplane.transport;
