package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import wow.controlplane.NodeStatus;

/**
 * {@code wow path} reads what a node's status file says about a virtual IP: a direct link (its
 * endpoint and RTT), a relayed one (via whom, and why), a route over the ring (the first hop),
 * the node itself, or nothing resolved; from the JSON the node really writes.
 */
class PathCommandTest
{
    static byte[] address(final int first)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)first;
        return a;
    }

    static final int SELF = 0x0A800001;

    Map<String, Object> status(final boolean udpBlocked)
    {
        final List<NodeStatus.PeerStatus> connections = List.of(
            new NodeStatus.PeerStatus("near", address(0x20), 0x0A800002, 0x0A0200110BB8L, 3, 0, 0, null, 0, null),
            new NodeStatus.PeerStatus("far", address(0x30), 0x0A800003, 0, -1, 0, 0, address(0x20), 0x0A800002, null));
        final List<NodeStatus.RouteStatus> routes = List.of(
            new NodeStatus.RouteStatus(0x0A800002, address(0x20), null, 0),
            new NodeStatus.RouteStatus(0x0A800009, address(0x90), address(0x30), 0x0A800003),
            new NodeStatus.RouteStatus(0x0A80000A, address(0xA0), null, 0));
        final NodeStatus s = new NodeStatus(address(0x10), SELF, List.of(), connections, 1_000, udpBlocked, 0, null, routes, null);
        return Json.object(s.toJson());
    }

    @Test
    void saysHowEachAddressIsReachedAndWhy()
    {
        final Map<String, Object> status = status(false);
        Map<String, Object> p = PathCommand.describe(status, "10.128.0.2");
        assertEquals("direct", p.get("path"));
        assertTrue(p.get("text").toString().contains("direct to 10.2.0.17:3000, RTT 3 ms"), p.get("text").toString());

        p = PathCommand.describe(status, "10.128.0.3");
        assertEquals("relayed", p.get("path"));
        assertTrue(p.get("text").toString().contains("relayed via 200000000000 10.128.0.2"), p.get("text").toString());
        assertTrue(p.get("text").toString().contains("hole punching"));
        assertTrue(PathCommand.describe(status(true), "10.128.0.3").get("text").toString().contains("UDP from this node gets nowhere"));

        p = PathCommand.describe(status, "10.128.0.9");
        assertEquals("routed", p.get("path"));
        assertTrue(p.get("text").toString().contains("first hop 300000000000 10.128.0.3"), p.get("text").toString());

        assertEquals("none", PathCommand.describe(status, "10.128.0.10").get("path"), "resolved, nothing to route by");
        assertEquals("none", PathCommand.describe(status, "10.128.0.77").get("path"));
        assertTrue(PathCommand.describe(status, "10.128.0.77").get("text").toString().contains("not resolved"));
        assertEquals("self", PathCommand.describe(status, "10.128.0.1").get("path"));
    }
}
