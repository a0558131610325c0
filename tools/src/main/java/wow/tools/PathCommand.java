package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code wow path NAME|IP}: how a running node's traffic to a member (by name, {@link NameLookup})
 * or a virtual IP goes right now — over a direct
 * link (its endpoint and round trip), through a relay (which one), or routed over the ring (by
 * which first hop), or not at all yet (never resolved) — and why, from the status file the node
 * rewrites every second; read from another process, never disturbing the node. Main thread.
 */
final class PathCommand
{
    private PathCommand()
    {
    }

    static int run(final String[] argv)
    {
        if (argv.length == 0 || argv[0].startsWith("--"))
        {
            throw new UsageException("usage: wow path NAME|VIRTUAL_IP [--state-dir DIR | --tap NAME] [--json]");
        }
        final String target = argv[0];
        final Args args = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length), Set.of("--state-dir", "--tap"), Set.of(),
            Set.of("--json"));
        final Path dir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            NodeCommand.defaultStateDir(args.get("--tap", NodeConfig.DEFAULT_TAP));
        final Path file = dir.resolve(Node.STATUS_FILE);
        final Map<String, Object> status;
        try
        {
            status = Json.object(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("no status at " + file + ": is a node running with this state directory?");
        }
        final String ip = NameLookup.resolve(target, status);
        final Map<String, Object> path = new java.util.LinkedHashMap<>(describe(status, ip));
        if (!NameLookup.isAddress(target))
        {
            path.put("name", target);
        }
        if (args.has("--json"))
        {
            System.out.println(toJson(path));
        }
        else
        {
            System.out.println((NameLookup.isAddress(target) ? "" : target + ": ") + path.get("text"));
        }
        return "none".equals(path.get("path")) ? 1 : 0;
    }

    /** @return path (direct, relayed, routed, self, none), the fields that go with it, and a sentence saying it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> describe(final Map<String, Object> status, final String ip)
    {
        if (ip.equals(status.get("virtual_ip")))
        {
            return Map.of("virtual_ip", ip, "path", "self", "text", ip + " is this node");
        }
        final List<Map<String, Object>> connections = (List<Map<String, Object>>)status.getOrDefault("connections", List.of());
        final List<Map<String, Object>> routes = (List<Map<String, Object>>)status.getOrDefault("routes", List.of());
        final Map<String, Object> route = routes.stream().filter(r -> ip.equals(r.get("virtual_ip"))).findFirst().orElse(null);
        final Object owner = route == null ? null : route.get("owner");
        final Map<String, Object> link = connections.stream()
            .filter(c -> ip.equals(c.get("peer_virtual_ip")) || owner != null && owner.equals(c.get("peer_address")))
            .findFirst().orElse(null);
        final boolean blocked = Boolean.TRUE.equals(status.get("udp_blocked"));
        if (link != null)
        {
            final String peer = shortHex(link.get("peer_address"));
            final String rtt = link.get("rtt_ms") == null ? "no round trip measured yet" :
                "RTT " + String.format(Locale.ROOT, "%.0f ms", ((Number)link.get("rtt_ms")).doubleValue());
            if (Boolean.TRUE.equals(link.get("direct")))
            {
                final String why = "leaf".equals(link.get("type")) ? "" : "; a " + link.get("type") + " link of the ring";
                return Map.of("virtual_ip", ip, "path", "direct", "peer_address", link.get("peer_address"), "endpoint",
                    String.valueOf(link.get("endpoint")),
                    "text", ip + " (" + peer + "): direct to " + link.get("endpoint") + ", " + rtt + why);
            }
            final String via = shortHex(link.get("via")) +
                (link.get("via_virtual_ip") == null ? "" : " " + link.get("via_virtual_ip"));
            final String why = blocked ? "UDP from this node gets nowhere (TCP and relays only)" :
                "no direct link could be made (the two NATs do not allow hole punching, or the peer's UDP is blocked)";
            return Map.of("virtual_ip", ip, "path", "relayed", "peer_address", link.get("peer_address"), "via",
                String.valueOf(link.get("via")), "text", ip + " (" + peer + "): relayed via " + via + ", " + rtt + "; " + why);
        }
        if (route != null)
        {
            final String peer = shortHex(owner);
            if (route.get("next_hop") == null)
            {
                return Map.of("virtual_ip", ip, "path", "none", "peer_address", owner, "text", ip + " (" + peer
                    + "): resolved, but this node has no connection to route it by (not joined?)");
            }
            final String hop = shortHex(route.get("next_hop")) + (route.get("next_hop_virtual_ip") == null ? "" :
                " " + route.get("next_hop_virtual_ip"));
            return Map.of("virtual_ip", ip, "path", "routed", "peer_address", owner, "next_hop", route.get("next_hop"),
                "text", ip + " (" + peer + "): routed over the ring, first hop " + hop + "; not linked directly (traffic "
                    + "to it earns a shortcut link within a second or two where the NATs allow one)");
        }
        return Map.of("virtual_ip", ip, "path", "none", "text", ip + ": not resolved by this node (no packet was sent to it "
            + "yet, or no node holds the address)");
    }

    private static String shortHex(final Object hex)
    {
        final String s = String.valueOf(hex);
        return s.length() > 12 ? s.substring(0, 12) : s;
    }

    private static String toJson(final Map<String, Object> path)
    {
        final StringBuilder sb = new StringBuilder("{");
        for (final String key : List.of("name", "virtual_ip", "path", "peer_address", "endpoint", "via", "next_hop", "text"))
        {
            if (path.containsKey(key))
            {
                sb.append(sb.length() > 1 ? "," : "").append('"').append(key).append("\":\"")
                    .append(String.valueOf(path.get(key)).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }
}
