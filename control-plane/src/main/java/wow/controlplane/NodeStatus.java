package wow.controlplane;

import wow.dataplane.protocol.Ipv4;
import wow.dataplane.transport.Endpoints;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What {@code wow status} shows: the node's identity and endpoints and every connection with its
 * type, peer, underlay endpoint, RTT and age, direct or relayed. Immutable; built by a conductor
 * on its thread and read by any thread.
 *
 * @param address   this node's ring address.
 * @param virtualIp this node's virtual IP (0: none).
 * @param endpoints endpoints it listens on and those peers saw it from (learned, NAT).
 * @param connections its connections.
 * @param timeMs    when it was built.
 * @param udpBlocked true once the node found that UDP gets nowhere and uses TCP and relays only.
 * @param relaying  pairs of other nodes this node relays for.
 * @param self      what this node's own certificate says; null on an insecure node.
 * @param routes    the virtual IPs this node resolved, and how it reaches each now ({@code wow path}).
 * @param names     its host name and the DNS it answers; null for none.
 */
public record NodeStatus(byte[] address, int virtualIp, List<Long> endpoints, List<PeerStatus> connections, long timeMs,
    boolean udpBlocked, int relaying, Member self, List<RouteStatus> routes, Names names)
{
    /** A status without routes (static tunnels, a node not joined yet). */
    public NodeStatus(final byte[] address, final int virtualIp, final List<Long> endpoints, final List<PeerStatus> connections,
        final long timeMs, final boolean udpBlocked, final int relaying, final Member self)
    {
        this(address, virtualIp, endpoints, connections, timeMs, udpBlocked, relaying, self, List.of(), null);
    }

    /**
     * The node's host name and its DNS.
     *
     * @param name      its host name (null: none).
     * @param dnsServer where it answers DNS (0: nowhere yet, or no DNS).
     * @param domain    the DNS domain it answers for (null: no DNS).
     */
    public record Names(String name, int dnsServer, String domain)
    {
    }

    /** @return this status with the node's name and DNS. */
    public NodeStatus withNames(final Names newNames)
    {
        return new NodeStatus(address, virtualIp, endpoints, connections, timeMs, udpBlocked, relaying, self, routes, newNames);
    }

    /**
     * A virtual IP this node resolved, and the overlay node it goes to now when it is not linked to
     * the owner (the greedy first hop on the ring).
     *
     * @param virtualIp        the address.
     * @param owner            the ring address its lease names.
     * @param nextHop          the ring address of the connection packets for it leave by, when no
     *                         connection goes to the owner itself; null when one does, or none is known.
     * @param nextHopVirtualIp that connection's virtual IP (0: none).
     */
    public record RouteStatus(int virtualIp, byte[] owner, byte[] nextHop, int nextHopVirtualIp)
    {
    }

    /** A status with no relaying and UDP working (static tunnels). */
    public NodeStatus(final byte[] address, final int virtualIp, final List<Long> endpoints, final List<PeerStatus> connections,
        final long timeMs, final Member self)
    {
        this(address, virtualIp, endpoints, connections, timeMs, false, 0, self);
    }

    /**
     * One connection.
     *
     * @param type          e.g. {@code near}, {@code far,near}, {@code leaf}, {@code static}.
     * @param peerAddress   the peer's ring address.
     * @param peerVirtualIp the peer's virtual IP (0: none).
     * @param endpoint      the peer's underlay endpoint (0 when relayed).
     * @param rttMs         round trip of the last answered keepalive, -1 if none yet.
     * @param upSinceMs     when the link came up.
     * @param lastHeardMs   when the peer was last heard from.
     * @param via           the ring address of the relay the peer is reached through; null: direct.
     * @param viaVirtualIp  the relay's virtual IP (0: none or direct).
     * @param member        what the peer's certificate says, on a secure node's direct link; else null.
     */
    public record PeerStatus(String type, byte[] peerAddress, int peerVirtualIp, long endpoint, long rttMs, long upSinceMs,
        long lastHeardMs, byte[] via, int viaVirtualIp, Member member)
    {
        public boolean direct()
        {
            return via == null;
        }

        /** @return "direct", or "relayed via HEX(6) [IP]". */
        public String path()
        {
            return via == null ? "direct" : "relayed via " + HexFormat.of().formatHex(via, 0, 6) +
                (viaVirtualIp == 0 ? "" : " " + Ipv4.toString(viaVirtualIp));
        }
    }

    /**
     * A peer's certificate, as status shows it.
     *
     * @param name     the name it was issued to.
     * @param groups   its groups.
     * @param expiresS when it expires, epoch seconds.
     */
    public record Member(String name, List<String> groups, long expiresS)
    {
        /** @return the member of a certificate, or null for none. */
        public static Member of(final wow.controlplane.security.Certificate certificate)
        {
            return certificate == null ? null : new Member(certificate.name(), certificate.groups(), certificate.notAfter());
        }

        String toJson()
        {
            final StringBuilder sb = new StringBuilder("{\"name\":\"").append(name).append("\",\"groups\":[");
            for (int i = 0; i < groups.size(); i++)
            {
                sb.append(i == 0 ? "" : ",").append('"').append(groups.get(i)).append('"');
            }
            return sb.append("],\"expires\":\"").append(java.time.Instant.ofEpochSecond(expiresS)).append("\"}").toString();
        }
    }

    private static String endpoint(final long e)
    {
        return e == 0 ? "-" : Endpoints.toString(e);
    }

    private static String ip(final int ip)
    {
        return ip == 0 ? "null" : "\"" + Ipv4.toString(ip) + "\"";
    }

    /** @return one JSON object: address, virtual_ip, endpoints, connections (type, peer_address, ...). */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder(256 + connections.size() * 200);
        sb.append("{\"address\":\"").append(HexFormat.of().formatHex(address)).append("\",\"virtual_ip\":").append(ip(virtualIp))
            .append(",\"endpoints\":[");
        for (int i = 0; i < endpoints.size(); i++)
        {
            sb.append(i == 0 ? "" : ",").append('"').append(endpoint(endpoints.get(i))).append('"');
        }
        sb.append("],\"member\":").append(self == null ? "null" : self.toJson());
        sb.append(",\"name\":").append(names == null || names.name() == null ? "null" : "\"" + names.name() + "\"");
        sb.append(",\"dns\":").append(names == null || names.domain() == null ? "null" : "{\"server\":" +
            ip(names.dnsServer()) + ",\"domain\":\"" + names.domain() + "\"}");
        sb.append(",\"udp_blocked\":").append(udpBlocked).append(",\"relaying\":").append(relaying)
            .append(",\"connections\":[");
        for (int i = 0; i < connections.size(); i++)
        {
            final PeerStatus c = connections.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"type\":\"").append(c.type()).append("\",\"peer_address\":\"")
                .append(HexFormat.of().formatHex(c.peerAddress())).append("\",\"peer_virtual_ip\":").append(ip(c.peerVirtualIp()))
                .append(",\"endpoint\":").append(c.endpoint() == 0 ? "null" : "\"" + endpoint(c.endpoint()) + "\"")
                .append(",\"rtt_ms\":")
                .append(c.rttMs() < 0 ? "null" : Long.toString(c.rttMs())).append(",\"age_s\":")
                .append((timeMs - c.upSinceMs()) / 1000).append(",\"last_heard_s\":").append((timeMs - c.lastHeardMs()) / 1000)
                .append(",\"direct\":").append(c.direct()).append(",\"via\":")
                .append(c.via() == null ? "null" : "\"" + HexFormat.of().formatHex(c.via()) + "\"").append(",\"via_virtual_ip\":")
                .append(ip(c.viaVirtualIp())).append(",\"member\":").append(c.member() == null ? "null" : c.member().toJson())
                .append('}');
        }
        sb.append("],\"routes\":[");
        for (int i = 0; i < routes.size(); i++)
        {
            final RouteStatus r = routes.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"virtual_ip\":").append(ip(r.virtualIp())).append(",\"owner\":\"")
                .append(HexFormat.of().formatHex(r.owner())).append("\",\"next_hop\":")
                .append(r.nextHop() == null ? "null" : "\"" + HexFormat.of().formatHex(r.nextHop()) + "\"")
                .append(",\"next_hop_virtual_ip\":").append(ip(r.nextHopVirtualIp())).append('}');
        }
        return sb.append("],\"time\":\"").append(java.time.Instant.ofEpochMilli(timeMs)).append("\"}").toString();
    }

    /** @return a human-readable summary and one aligned row per connection. */
    public String toTable()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("address    ").append(HexFormat.of().formatHex(address)).append('\n');
        sb.append("virtual ip ").append(virtualIp == 0 ? "none" : Ipv4.toString(virtualIp)).append('\n');
        sb.append("member     ").append(self == null ? "none (--insecure)" : self.name() + " (groups " +
            (self.groups().isEmpty() ? "-" : String.join(",", self.groups())) + ", expires " +
            java.time.Instant.ofEpochSecond(self.expiresS()) + ")").append('\n');
        if (names != null && names.name() != null)
        {
            sb.append("name       ").append(names.name()).append(names.domain() == null ? "" : "." + names.domain()).append('\n');
        }
        if (names != null && names.domain() != null)
        {
            sb.append("dns        ").append(names.dnsServer() == 0 ? "not serving yet" : Ipv4.toString(names.dnsServer()) +
                ":53").append(" for *.").append(names.domain()).append('\n');
        }
        sb.append("endpoints ");
        for (final long e : endpoints)
        {
            sb.append(' ').append(endpoint(e));
        }
        if (udpBlocked)
        {
            sb.append("  (UDP gets nowhere: TCP and relays only)");
        }
        if (relaying > 0)
        {
            sb.append("\nrelaying   ").append(relaying).append(" pair(s)");
        }
        sb.append('\n').append(String.format(Locale.ROOT, "%-12s %-14s %-16s %-22s %8s %8s %-40s %s%n", "TYPE", "PEER",
            "PEER IP", "ENDPOINT", "RTT ms", "AGE s", "PATH", "MEMBER (GROUPS, EXPIRES)"));
        for (final PeerStatus c : connections)
        {
            sb.append(String.format(Locale.ROOT, "%-12s %-14s %-16s %-22s %8s %8d %-40s %s%n", c.type(),
                HexFormat.of().formatHex(c.peerAddress(), 0, 6), c.peerVirtualIp() == 0 ? "-" : Ipv4.toString(c.peerVirtualIp()),
                endpoint(c.endpoint()), c.rttMs() < 0 ? "-" : Long.toString(c.rttMs()),
                (timeMs - c.upSinceMs()) / 1000, c.path(), c.member() == null ? "-" : c.member().name() + " (" +
                    (c.member().groups().isEmpty() ? "-" : String.join(",", c.member().groups())) + ", " +
                    java.time.Instant.ofEpochSecond(c.member().expiresS()).toString().substring(0, 10) + ")"));
        }
        return sb.toString();
    }
}
