/** Flyweights over the wire format and the Ethernet, ARP and IPv4 headers the data plane reads and writes. */
package wow.dataplane.protocol;
