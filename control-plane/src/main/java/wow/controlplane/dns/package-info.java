/** The overlay's DNS: names of members answered on the TAP host's side (RFC 1035, the part a stub resolver needs). */
package wow.controlplane.dns;
