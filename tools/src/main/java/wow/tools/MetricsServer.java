package wow.tools;

import com.sun.net.httpserver.HttpServer;
import org.agrona.concurrent.status.CountersReader;
import wow.controlplane.NodeStatus;
import wow.controlplane.StatusSource;
import wow.dataplane.status.CounterTypes;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Serves a node's counters and overlay health in the Prometheus text format on
 * {@code http://HOST:PORT/metrics}: drops by reason, traffic per queue and per link, FIB versions,
 * whether the node is connected, links per type, each link's last-heard age and RTT. Runs on its
 * own HTTP thread, reading the counters and the conductor's thread-safe status; it never touches
 * the packet path.
 */
final class MetricsServer implements AutoCloseable
{
    private final HttpServer server;
    private final CountersReader counters;
    private final StatusSource status;

    MetricsServer(final String host, final int port, final CountersReader counters, final StatusSource status)
    {
        this.counters = counters;
        this.status = status;
        try
        {
            server = HttpServer.create(new InetSocketAddress(host, port), 8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot serve metrics on " + host + ":" + port + ": " + ex.getMessage());
        }
        server.createContext("/metrics", exchange ->
        {
            final byte[] body = render().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        });
        server.setExecutor(null);
        server.start();
    }

    int port()
    {
        return server.getAddress().getPort();
    }

    private static final class Family
    {
        final String type;
        final String help;
        final StringBuilder samples = new StringBuilder();

        Family(final String type, final String help)
        {
            this.type = type;
            this.help = help;
        }
    }

    private static String label(final String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** @return the metrics page. */
    String render()
    {
        final Map<String, Family> families = new LinkedHashMap<>();
        counters.forEach((id, type, key, text) ->
        {
            final long value = counters.getCounterValue(id);
            final String[] parts = text.split(" ");
            switch (type)
            {
                case CounterTypes.DROP:
                    sample(families, "wow_drops_total", "counter", "Packets dropped, by reason and queue.",
                        "reason=\"" + label(parts[1]) + "\",queue=\"" + queue(parts[2]) + "\"", value);
                    break;
                case CounterTypes.TRAFFIC:
                    if (parts.length == 2)
                    {
                        sample(families, "wow_" + parts[0] + "_total", "counter", "Per-queue " + parts[0].replace('_', ' ') + ".",
                            "queue=\"" + queue(parts[1]) + "\"", value);
                    }
                    else
                    {
                        sample(families, "wow_" + parts[0] + "_total", "counter", parts[0].replace('_', ' ') + ".", "", value);
                    }
                    break;
                case CounterTypes.LINK:
                    sample(families, "wow_link_" + parts[parts.length - 1] + "_total", "counter",
                        "Per-link " + parts[parts.length - 1].replace('_', ' ') + ".",
                        "peer=\"" + label(parts[1]) + "\",peer_ip=\"" + label(parts[2]) + "\"", value);
                    break;
                case CounterTypes.FIB_VERSION:
                    sample(families, "wow_fib_version_applied", "gauge", "FIB version each queue's agent applied.",
                        "queue=\"" + queue(parts[1]) + "\"", value);
                    break;
                case CounterTypes.FIB_PUBLISHED:
                    sample(families, "wow_fib_version_published", "gauge", "FIB version the conductor published.", "", value);
                    break;
                case CounterTypes.GAUGE:
                    sample(families, "wow_" + parts[0], "gauge", parts[0].replace('_', ' ') + " now.", "", value);
                    break;
                default:
                    break;
            }
        });
        final NodeStatus s = status.status();
        final long now = System.currentTimeMillis();
        final List<NodeStatus.PeerStatus> links = s == null ? List.of() : s.connections();
        sample(families, "wow_overlay_connected", "gauge", "1 if the node has at least one link.", "", links.isEmpty() ? 0 : 1);
        final Map<String, Integer> perType = new LinkedHashMap<>();
        for (final String t : new String[] {"leaf", "near", "far", "shortcut", "static"})
        {
            perType.put(t, 0);
        }
        for (final NodeStatus.PeerStatus c : links)
        {
            for (final String t : c.type().split(","))
            {
                perType.merge(t, 1, Integer::sum);
            }
            final String peer = "peer=\"" + HexFormat.of().formatHex(c.peerAddress(), 0, 4) + "\"";
            sample(families, "wow_link_age_seconds", "gauge", "Seconds since each link came up.", peer,
                Math.max(0, (now - c.upSinceMs()) / 1000));
            sample(families, "wow_link_last_heard_seconds", "gauge", "Seconds since each link's peer was last heard.", peer,
                Math.max(0, (now - c.lastHeardMs()) / 1000.0));
            if (c.rttMs() >= 0)
            {
                sample(families, "wow_link_rtt_seconds", "gauge", "Round trip of each link's last keepalive.", peer,
                    c.rttMs() / 1000.0);
            }
        }
        for (final Map.Entry<String, Integer> e : perType.entrySet())
        {
            sample(families, "wow_links", "gauge", "Links by type (a link may have several).", "type=\"" + e.getKey() + "\"",
                e.getValue());
        }
        final StringBuilder sb = new StringBuilder(4096);
        for (final Map.Entry<String, Family> e : families.entrySet())
        {
            sb.append("# HELP ").append(e.getKey()).append(' ').append(e.getValue().help).append('\n');
            sb.append("# TYPE ").append(e.getKey()).append(' ').append(e.getValue().type).append('\n');
            sb.append(e.getValue().samples);
        }
        return sb.toString();
    }

    private static String queue(final String q)
    {
        return q.startsWith("q") ? q.substring(1) : q;
    }

    private static void sample(
        final Map<String, Family> families, final String name, final String type, final String help, final String labels,
        final double value)
    {
        final Family f = families.computeIfAbsent(name, n -> new Family(type, help));
        f.samples.append(name);
        if (!labels.isEmpty())
        {
            f.samples.append('{').append(labels).append('}');
        }
        f.samples.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            f.samples.append((long)value);
        }
        else
        {
            f.samples.append(String.format(Locale.ROOT, "%.6f", value));
        }
        f.samples.append('\n');
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
