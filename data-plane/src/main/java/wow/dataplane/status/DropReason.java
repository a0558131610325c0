package wow.dataplane.status;

/**
 * Why the data plane dropped a frame or datagram. Each reason is a counter per queue; nothing is
 * dropped without being counted under one of these.
 */
public enum DropReason
{
    /** TAP frame shorter than an Ethernet header, or ARP/IPv4 shorter than its header. */
    TAP_TRUNCATED("tap_truncated"),
    /** TAP frame whose virtio-net header asks for an offload this node did not enable. */
    TAP_OFFLOAD_UNEXPECTED("tap_offload_unexpected"),
    /** Frame of another protocol than IPv4 or ARP (IPv6, LLDP, ...). */
    NOT_IPV4("not_ipv4"),
    /** IPv4 header that does not check out (version, IHL, total length). */
    BAD_IPV4("bad_ipv4"),
    /** IPv4 packet larger than the inner MTU. */
    OVERSIZED("oversized"),
    /** Multicast or broadcast IPv4: the overlay carries unicast only. */
    NOT_UNICAST("not_unicast"),
    /** Unicast to an address with no route (outside the subnet or not resolved). */
    NO_ROUTE("no_route"),
    /** Route whose link has not finished its handshake (peer's link id unknown). */
    LINK_NOT_READY("link_not_ready"),
    /** ARP request this host does not answer (its own address, outside the subnet). */
    ARP_IGNORED("arp_ignored"),
    /** Datagram shorter than its header, of another version, or of an unknown type. */
    BAD_HEADER("bad_header"),
    /** Datagram longer than the receive buffer. */
    DATAGRAM_OVERSIZED("datagram_oversized"),
    /** DATA naming a link id this host does not have. */
    UNKNOWN_LINK("unknown_link"),
    /** DATA from another endpoint than its link's. */
    ENDPOINT_MISMATCH("endpoint_mismatch"),
    /** Inner IPv4 packet to another address than this host's. */
    NOT_FOR_US("not_for_us"),
    /** Inner IPv4 source that is not the link peer's virtual IP (spoofing). */
    SPOOFED_SOURCE("spoofed_source"),
    /** Routed packet whose TTL ran out. */
    TTL_EXPIRED("ttl_expired"),
    /** Routed packet for an exact address this host cannot get closer to. */
    NO_NEXT_HOP("no_next_hop"),
    /** Relay-flagged packet for a pair this node was not asked to relay for (or not from a link). */
    RELAY_DENIED("relay_denied"),
    /** Relay-flagged packet over this node's relay rate limit. */
    RELAY_RATE("relay_rate"),
    /**
     * DHCP request not answered: from another hardware address than the TAP's host, malformed, of
     * a type a server does not answer, or before this node has a leased address.
     */
    DHCP_IGNORED("dhcp_ignored"),
    /** Control frame while the ring to the conductor was full. */
    CONTROL_RING_FULL("control_ring_full"),
    /** Datagram the kernel refused to send (no route to the underlay endpoint). */
    UDP_SEND_REFUSED("udp_send_refused"),
    /** Datagram not sent because the socket stayed full (back-pressure gave up). */
    UDP_SEND_BACKPRESSURE("udp_send_backpressure"),
    /** Frame the TAP device did not take. */
    TAP_WRITE_FAILED("tap_write_failed"),
    /** Datagram to an endpoint with no session (the conductor sets one up before it sends). */
    NO_SESSION("no_session"),
    /** Sealed datagram naming a session index this node does not have. */
    UNKNOWN_SESSION("unknown_session"),
    /** Sealed datagram whose tag does not verify (forged, corrupted or for an old key). */
    AUTH_FAILED("auth_failed"),
    /** Sealed datagram whose counter was seen before or is behind the replay window. */
    REPLAYED("replayed"),
    /** Unsealed datagram on a secure node, or a sealed or handshake one on an insecure node. */
    UNAUTHENTICATED("unauthenticated"),
    /** Handshake beyond the per-source or per-queue rate the conductor is handed. */
    HANDSHAKE_RATE("handshake_rate"),
    /**
     * Packet to be routed over other nodes to a node with no end-to-end session yet, that could
     * not be held (or was held too long) while the session is set up.
     */
    END_TO_END_PENDING("end_to_end_pending"),
    /** Control message of a member over its session's rate (it floods this node's conductor; others are not slowed). */
    CONTROL_RATE("control_rate");

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    /** @return the counter label. */
    public String label()
    {
        return label;
    }
}
