package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multi-domain testbed made by {@code tools/testbed.sh}, read from its {@code nodes.tsv}: the
 * hosts (namespace, NAT type, virtual IP, state directory) and the seed. Measures the all-pairs
 * ping matrix (ping run inside each host's namespace, one thread per source host) and reads the
 * path matrix (direct, relayed and via whom, or no link) from every node's status file. Used by
 * {@code wow matrix}, the demo and the system tests; call from one thread.
 */
final class Testbed
{
    /** One node of the testbed. */
    record Member(String name, String namespace, String domain, String type, String virtualIp, String listen, Path stateDir)
    {
        boolean isSeed()
        {
            return "-".equals(virtualIp);
        }
    }

    /** What a node's status says about its connection to another: direct, or relayed via whom. */
    record Link(boolean direct, String via)
    {
    }

    private static final Pattern RTT = Pattern.compile("= [0-9.]+/([0-9.]+)/");
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) received");
    private static final Pattern REPLY_TIME = Pattern.compile("time=([0-9.]+) ms");

    private final List<Member> nodes;

    private Testbed(final List<Member> nodes)
    {
        this.nodes = nodes;
    }

    /** @throws IllegalArgumentException naming the problem if DIR holds no testbed. */
    static Testbed read(final Path dir)
    {
        final Path file = dir.resolve("nodes.tsv");
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("no testbed in " + dir + " (" + file + " unreadable: " + ex.getMessage() + ")");
        }
        final List<Member> nodes = new ArrayList<>();
        for (final String line : lines)
        {
            final String[] f = line.split("\t");
            if (f.length != 7)
            {
                throw new IllegalArgumentException("bad line in " + file + ": '" + line + "'");
            }
            // a --dhcp host's address is what its node leased, once it has: its status says
            final String vip = "dhcp".equals(f[4]) ? leased(Path.of(f[6])) : f[4];
            nodes.add(new Member(f[0], f[1], f[2], f[3], vip, f[5], Path.of(f[6])));
        }
        return new Testbed(nodes);
    }

    /** @return the virtual IP a --dhcp node leased (from its status file), or "dhcp" while it has none. */
    private static String leased(final Path stateDir)
    {
        final Map<String, Object> s = status(stateDir);
        final Object ip = s == null ? null : s.get("virtual_ip");
        return ip instanceof String v && !"0.0.0.0".equals(v) ? v : "dhcp";
    }

    List<Member> nodes()
    {
        return nodes;
    }

    /** @return the nodes with a TAP and a virtual IP (every one but the seed). */
    List<Member> hosts()
    {
        return nodes.stream().filter(n -> !n.isSeed()).toList();
    }

    /**
     * Pings every host from every other (in its namespace) and returns the average RTT in ms, or
     * -1 where no reply came; the diagonal is 0.
     */
    double[][] pingMatrix(final int count) throws InterruptedException
    {
        final List<Member> hosts = hosts();
        final double[][] rtt = new double[hosts.size()][hosts.size()];
        final ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, hosts.size()));
        try
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < hosts.size(); i++)
            {
                final int from = i;
                done.add(pool.submit(() ->
                {
                    for (int to = 0; to < hosts.size(); to++)
                    {
                        rtt[from][to] = from == to ? 0 : ping(hosts.get(from), hosts.get(to).virtualIp(), count);
                    }
                }));
            }
            for (final Future<?> f : done)
            {
                f.get();
            }
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw new IllegalStateException("ping failed to run: " + ex.getCause());
        }
        finally
        {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
        return rtt;
    }

    /**
     * Measures every pair's round trip one pair at a time (so that no measurement waits for
     * another's: every host and node of a testbed shares this machine's CPUs): the median of
     * {@code count} pings 50 ms apart, -1 where none answered; the diagonal is 0. Needs root
     * (ping's interval below 200 ms).
     */
    double[][] rttMatrix(final int count)
    {
        final List<Member> hosts = hosts();
        final double[][] rtt = new double[hosts.size()][hosts.size()];
        for (int i = 0; i < hosts.size(); i++)
        {
            for (int j = 0; j < hosts.size(); j++)
            {
                rtt[i][j] = i == j ? 0 : medianPing(hosts.get(i), hosts.get(j).virtualIp(), count);
            }
        }
        return rtt;
    }

    /** @return the median RTT in ms of the replies to {@code count} pings 50 ms apart (1 s wait), -1 if none. */
    static double medianPing(final Member from, final String ip, final int count)
    {
        final String out = runPing(from, ip, "-n", "-c", Integer.toString(count), "-i", "0.05", "-W", "1");
        final double[] times = out == null ? new double[0] :
            REPLY_TIME.matcher(out).results().mapToDouble(m -> Double.parseDouble(m.group(1))).sorted().toArray();
        if (times.length == 0)
        {
            return -1;
        }
        final int mid = times.length / 2;
        return times.length % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    }

    /** @return average RTT in ms of {@code count} pings (200 ms apart, 1 s wait), -1 if none answered. */
    static double ping(final Member from, final String ip, final int count)
    {
        final String out = runPing(from, ip, "-q", "-c", Integer.toString(count), "-i", "0.2", "-W", "1");
        final Matcher received = out == null ? null : RECEIVED.matcher(out);
        if (received == null || !received.find() || Integer.parseInt(received.group(1)) == 0)
        {
            return -1;
        }
        final Matcher m = RTT.matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** @return what ping printed, run in the host's namespace with these options, or null if interrupted. */
    private static String runPing(final Member from, final String ip, final String... options)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", from.namespace(), "ping"));
        command.addAll(List.of(options));
        command.add(ip);
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
            return out;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run ping in " + from.namespace() + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @return each node's ring address (from its status file), by node name; absent while it has none. */
    Map<String, String> addresses()
    {
        final Map<String, String> out = new HashMap<>();
        for (final Member n : nodes)
        {
            final Map<String, Object> s = status(n);
            if (s != null)
            {
                out.put(n.name(), (String)s.get("address"));
            }
        }
        return out;
    }

    /** @return the node's status (parsed status.json), or null while it has written none. */
    static Map<String, Object> status(final Member n)
    {
        return status(n.stateDir());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(final Path stateDir)
    {
        try
        {
            return (Map<String, Object>)Json.parse(Files.readString(stateDir.resolve(Node.STATUS_FILE), StandardCharsets.UTF_8));
        }
        catch (final IOException | IllegalArgumentException | ClassCastException ex)
        {
            return null;
        }
    }

    /**
     * @return for each host pair (row: the host whose status is read), its connection's path, or
     * null where it has none.
     */
    @SuppressWarnings("unchecked")
    Link[][] pathMatrix()
    {
        final List<Member> hosts = hosts();
        final Map<String, String> nameByAddress = new HashMap<>();
        addresses().forEach((name, address) -> nameByAddress.put(address, name));
        final Link[][] out = new Link[hosts.size()][hosts.size()];
        for (int i = 0; i < hosts.size(); i++)
        {
            final Map<String, Object> s = status(hosts.get(i));
            if (s == null)
            {
                continue;
            }
            for (final Object o : (List<Object>)s.get("connections"))
            {
                final Map<String, Object> c = (Map<String, Object>)o;
                final String peer = nameByAddress.get((String)c.get("peer_address"));
                for (int j = 0; j < hosts.size(); j++)
                {
                    if (hosts.get(j).name().equals(peer))
                    {
                        final Object via = c.get("via");
                        out[i][j] = new Link(Boolean.TRUE.equals(c.get("direct")),
                            via == null ? null : nameByAddress.getOrDefault((String)via, ((String)via).substring(0, 8)));
                    }
                }
            }
        }
        return out;
    }

    /** @return the ping matrix as text: RTT in ms per pair, FAIL where no reply came. */
    String formatPings(final double[][] rtt)
    {
        return formatPings(rtt, "ping RTT ms (row pings column)");
    }

    /** @return the ping matrix as text under a title saying how it was measured. */
    String formatPings(final double[][] rtt, final String title)
    {
        return matrix(title, (i, j) -> rtt[i][j] < 0 ? "FAIL" : String.format(Locale.ROOT, "%.2f", rtt[i][j]));
    }

    /** @return the path matrix as text: D direct, R:relay relayed via relay, . no link. */
    String formatPaths(final Link[][] paths)
    {
        return matrix("links (D direct, R:via relayed, . none)", (i, j) -> paths[i][j] == null ? "." :
            paths[i][j].direct() ? "D" : "R:" + paths[i][j].via());
    }

    /** @return a host-by-host table: a header row of names, one row per host, "-" on the diagonal. */
    private String matrix(final String title, final java.util.function.BiFunction<Integer, Integer, String> cell)
    {
        final List<Member> hosts = hosts();
        final StringBuilder sb = header(title);
        for (int i = 0; i < hosts.size(); i++)
        {
            sb.append(String.format(Locale.ROOT, "%-22s", label(hosts.get(i))));
            for (int j = 0; j < hosts.size(); j++)
            {
                sb.append(String.format(Locale.ROOT, "%7s", i == j ? "-" : cell.apply(i, j)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private StringBuilder header(final String title)
    {
        final StringBuilder sb = new StringBuilder(title).append('\n').append(String.format(Locale.ROOT, "%-22s", ""));
        for (final Member n : hosts())
        {
            sb.append(String.format(Locale.ROOT, "%7s", n.name()));
        }
        return sb.append('\n');
    }

    private static String label(final Member n)
    {
        return n.name() + " " + n.type();
    }
}
