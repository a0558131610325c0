package wow.tools;

import wow.controlplane.StaticPeer;
import wow.dataplane.ThreadingMode;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;

import java.nio.file.Path;
import java.util.List;

/**
 * The effective configuration of one node, validated: every {@code wow node} option in one place
 * with its default.
 *
 * @param listenAddress host-order IPv4 to bind.
 * @param listenPort    UDP port to bind (0 = any).
 * @param virtualIp     host-order virtual IP, 0 with no TAP.
 * @param prefix        prefix length of the virtual subnet.
 * @param peers         static peers.
 * @param tapName       TAP device name, null for a node without a TAP.
 * @param queues        TAP queues and UDP sockets.
 * @param stateDir      state directory.
 * @param underlayMtu   MTU of the underlay path; the inner MTU is derived from it.
 * @param threading     threading mode.
 * @param keepaliveMs   keepalive interval of a link.
 * @param spinUs        how long a data-plane thread spins after work before it blocks.
 * @param offload       whether TCP segments bound for the TAP are coalesced into GSO super-frames.
 * @param cpus          CPUs the queue threads are pinned to (empty: not pinned).
 * @param journalRetentionHours hours of FIB versions the journal keeps.
 * @param metricsHost   address to serve Prometheus metrics on, null for none.
 * @param metricsPort   its port.
 * @param seeds         packed endpoints of overlay seeds ({@code Endpoints}: UDP or TCP); with none
 *                      and no static peers the node starts a new overlay.
 * @param tcpListen     packed TCP endpoint to accept overlay links on, 0 for none.
 * @param relayMbps     most this node relays for other pairs, Mbit/s per queue (0: never relays).
 * @param shortcutPps   packets per second to a destination that earn it a shortcut link (0: none).
 * @param dhcpSubnet    with --dhcp: the virtual subnet's network address (its prefix is
 *                      {@code prefix}), from which the node leases an address; 0 otherwise.
 * @param cert          the node's certificate bundle; null for an insecure node (--insecure).
 * @param key           the private key's own file when the bundle holds none, else null.
 * @param name          an insecure node's host name (--name), null for none; a secure node's is its
 *                      certificate's.
 * @param dnsDomain     the DNS domain the node answers names of members in on the TAP side, null for
 *                      no DNS (--no-dns, no TAP, static tunnels).
 */
public record NodeConfig(
    int listenAddress,
    int listenPort,
    int virtualIp,
    int prefix,
    List<StaticPeer> peers,
    String tapName,
    int queues,
    Path stateDir,
    int underlayMtu,
    ThreadingMode threading,
    long keepaliveMs,
    int spinUs,
    boolean offload,
    int[] cpus,
    long[] seeds,
    int journalRetentionHours,
    String metricsHost,
    int metricsPort,
    long tcpListen,
    int relayMbps,
    int shortcutPps,
    int dhcpSubnet,
    Path cert,
    Path key,
    String name,
    String dnsDomain)
{
    /** @return true if the node runs with certificates and sealed links (not --insecure). */
    public boolean secure()
    {
        return cert != null;
    }

    /** @return true if the node leases its virtual IP from the subnet and serves it by DHCP. */
    public boolean dhcp()
    {
        return dhcpSubnet != 0;
    }

    public static final String DEFAULT_TAP = "wow0";
    public static final String DEFAULT_DNS_DOMAIN = "wow";
    public static final int DEFAULT_UNDERLAY_MTU = 1500;
    public static final long DEFAULT_KEEPALIVE_MS = 5_000;
    /** Overlay keepalive when none is given: well below common NAT UDP mapping timeouts (30 s+). */
    public static final long DEFAULT_OVERLAY_KEEPALIVE_MS = 3_000;
    public static final int DEFAULT_RELAY_MBPS = 5_000;
    public static final int DEFAULT_SHORTCUT_PPS = 100;
    /** Most shortcut links at once, and how long one may idle before it is trimmed. */
    public static final int MAX_SHORTCUTS = 16;
    public static final long SHORTCUT_IDLE_MS = 30_000;
    /** IPv4 (20) and UDP (8) headers of the underlay. */
    public static final int UNDERLAY_OVERHEAD = 28;

    /**
     * @return the largest inner IPv4 packet: the underlay MTU less its IPv4 and UDP headers, the
     *         largest WOW header and the seals, the link's and the end-to-end one (on a secure
     *         node), so that nothing is ever
     *         IP-fragmented on the underlay.
     */
    public int innerMtu()
    {
        return underlayMtu - UNDERLAY_OVERHEAD - WireHeader.MAX_HEADER_LENGTH -
            (secure() ? WireHeader.SEALED_OVERHEAD + WireHeader.END_TO_END_OVERHEAD : 0);
    }

    /** @return true if the node joins (or starts) a self-organizing overlay rather than static tunnels. */
    public boolean overlay()
    {
        return seeds.length > 0 || peers.isEmpty();
    }

    /** @return the configuration as {@code key=value} pairs for the start-up log line. */
    public String describe()
    {
        return "listen=" + Ipv4.toString(listenAddress) + ":" + listenPort +
            " ip=" + (dhcp() ? "dhcp:" + Ipv4.toString(dhcpSubnet) + "/" + prefix :
                virtualIp == 0 ? "none" : Ipv4.toString(virtualIp) + "/" + prefix) +
            " tap=" + (tapName == null ? "none" : tapName) + " queues=" + queues + " mtu=" + innerMtu() +
            " mode=" + (overlay() ? "overlay seeds=" + seeds.length : "static") + " threading=" +
                threading.name().toLowerCase() + " offload=" + (offload ? "on" : "off") +
            " cpus=" + (cpus.length == 0 ? "any" : java.util.Arrays.toString(cpus).replace(" ", "")) + " peers=" + peers.size() +
            (tcpListen == 0 ? "" : " tcp_listen=" + wow.dataplane.transport.Endpoints.toString(tcpListen)) + " state_dir=" +
                stateDir + " security=" + (secure() ? "certificates" : "insecure") + " dns=" +
                (dnsDomain == null ? "off" : dnsDomain);
    }
}
