package wow.tools;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.EventLog;
import wow.controlplane.NameResolver;
import wow.controlplane.dns.DnsResponder;
import wow.controlplane.dns.DnsServer;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.protocol.Ipv4;

/**
 * A node's DNS on the TAP host's side: the {@link DnsServer} follows the node's virtual IP (bound
 * once the IP is known, again when it changes) and, where systemd-resolved runs, split DNS for the
 * TAP — only the overlay's domain goes to the node — set once serving and reverted on close;
 * elsewhere one log line says how to point the host at it. A port it cannot have is one log line,
 * not the end of the node. {@link #follow} on the wow-status thread; {@link #close} from the
 * thread that closes the node.
 */
final class NodeDns implements AutoCloseable
{
    /** Runs a command, returning its exit status (the tests' stand-in for resolvectl). */
    interface Runner
    {
        int run(List<String> command) throws IOException, InterruptedException;
    }

    static final int PORT = 53;

    private final DnsServer server;
    private final String tap;
    private final String domain;
    private final EventLog log;
    private final Runner runner;
    private final int port;
    private volatile int serving;
    private int failedFor;
    private boolean split;

    /** @param resolver resolves a member's host name (the conductor's proxy). */
    NodeDns(final String tap, final String domain, final Function<String, CompletableFuture<NameResolver.Answer>> resolver,
        final CountersManager counters, final EventLog log, final Runner runner, final int port)
    {
        this.tap = tap;
        this.domain = domain;
        this.log = log;
        this.runner = runner;
        this.port = port;
        this.server = new DnsServer(new DnsResponder(domain, resolver),
            counters.newCounter("dns_answered", CounterTypes.TRAFFIC, key -> key.putInt(0, -1)),
            counters.newCounter("dns_dropped", CounterTypes.TRAFFIC, key -> key.putInt(0, -1)));
    }

    /** @return runs a command with this JVM's PATH, its output discarded, waiting at most 5 s. */
    static Runner system()
    {
        return command ->
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        };
    }

    /** @return the address DNS is answered at now (0: not yet). */
    int serving()
    {
        return serving;
    }

    /** Serves at the node's virtual IP as it is now ({@code ip} 0: none yet). */
    void follow(final IntSupplier virtualIp)
    {
        final int ip = virtualIp.getAsInt();
        if (ip == 0 || ip == serving || ip == failedFor)
        {
            return;
        }
        try
        {
            server.bind(inet(ip), port);
        }
        catch (final IllegalStateException ex)
        {
            failedFor = ip;
            log.event("dns_failed", "error=\"" + ex.getMessage() + "\" note=\"names of members are not answered on this host\"");
            return;
        }
        serving = ip;
        final String at = Ipv4.toString(ip);
        split = resolvectl("dns", tap, at) && resolvectl("domain", tap, "~" + domain);
        log.event("dns_serving", "server=" + at + " domain=" + domain + (split ?
            " split_dns=systemd-resolved" : " note=\"to resolve NAME." + domain + " point the host at " + at + " (e.g. " +
            "'resolvectl dns " + tap + " " + at + "; resolvectl domain " + tap + " ~" + domain + "', or 'nameserver " + at +
            "' in /etc/resolv.conf)\""));
    }

    private boolean resolvectl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("resolvectl"));
        command.addAll(List.of(args));
        try
        {
            return runner.run(command) == 0;
        }
        catch (final IOException ex)
        {
            return false; // no resolvectl here
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static InetAddress inet(final int ip)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {(byte)(ip >>> 24), (byte)(ip >>> 16), (byte)(ip >>> 8), (byte)ip});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close()
    {
        if (split)
        {
            split = false;
            resolvectl("revert", tap);
        }
        server.close();
    }
}
