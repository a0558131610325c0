package wow.tools;

import wow.controlplane.StaticPeer;
import wow.dataplane.ThreadingMode;
import wow.dataplane.protocol.Ipv4;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code wow node}: parses and validates the options into a {@link NodeConfig}, starts a
 * {@link Node} and runs until SIGINT/SIGTERM, then shuts it down cleanly. Main thread.
 */
final class NodeCommand
{
    static final String HELP = String.join("\n",
        "usage: wow node --listen HOST:PORT --ip A.B.C.D/P [--seed [udp://|tcp://]HOST:PORT]... [--tcp-listen HOST:PORT]",
        "                [--peer VIRTUAL_IP=HOST:PORT]... [options]",
        "  --seed ENDPOINT        join the overlay through this node (repeatable): HOST:PORT or udp://HOST:PORT",
        "                         over UDP, tcp://HOST:PORT over TCP (where UDP is blocked); without --seed",
        "                         and --peer the node starts a new overlay that others join through it",
        "  --tcp-listen HOST:PORT also accept overlay links over TCP here (advertised as tcp://HOST:PORT),",
        "                         for peers whose UDP is blocked",
        "  --relay-mbps N         relay for pairs that cannot link directly up to N Mbit/s per peer and queue",
        "                         (default 5000; 0: never relay)",
        "  --shortcut-pps N       link directly to a destination that gets N packets/s or more over",
        "                         overlay routes (default 100; 0: no shortcuts); at most 16, trimmed",
        "                         after 30 s under a quarter of the rate",
        "  --cert FILE            this node's bundle from the network's CA (wow ca sign): its certificate,",
        "                         key and the CA's; every link is authenticated and encrypted",
        "  --key FILE             the private key's own file, when the CA signed a public key (wow key)",
        "  --insecure             no certificates and no cryptography: a lab or benchmark only (warned at",
        "                         every start; cannot talk to secure nodes)",
        "  --name NAME            an --insecure node's host name (a secure node's is its certificate's)",
        "  --dns-domain DOMAIN    answer DNS for NAME.DOMAIN of every member at this node's virtual IP, port 53,",
        "                         for this host only (default wow); split DNS through systemd-resolved where",
        "                         it runs; DHCP hands the server and domain out",
        "  --no-dns               no DNS",
        "  --listen HOST:PORT     underlay UDP address to bind (HOST an IPv4 address, 0.0.0.0 for all)",
        "  --ip A.B.C.D/P         this host's virtual IP and the virtual subnet's prefix length",
        "  --dhcp --subnet A.B.C.D/P  lease a free virtual IP from this subnet in the DHT instead, and",
        "                         hand it to the host by DHCP on the TAP (run a DHCP client on it)",
        "  --peer VIP=HOST:PORT   a static peer (repeatable): its virtual IP and underlay endpoint",
        "  --tap NAME             TAP device to create (default wow0); it is removed on exit",
        "  --queues N             TAP queues, each with its own UDP socket and thread (default 1)",
        "  --no-tap               run without a TAP device (a router node)",
        "  --state-dir DIR        identity, counters, FIB journal, status (default /var/lib/wow/NAME as root,",
        "                         else $XDG_STATE_HOME/wow/NAME or ~/.local/state/wow/NAME)",
        "  --underlay-mtu N       MTU of the underlay path (default 1500); the TAP MTU is N-144 (N-80 insecure)",
        "  --threading MODE       dedicated (a thread per queue, default) or shared (one thread)",
        "  --keepalive-ms N       keepalive interval on a link (default 5000 static, 3000 overlay; keep it",
        "                         below the NAT's UDP mapping timeout, often 30 s)",
        "  --offload on|off       TSO, USO and coalescing on the TAP, UDP GSO/GRO on the sockets (default on)",
        "                         (virtio-net header on the TAP; default on)",
        "  --cpus LIST            pin queue threads to these CPUs, e.g. 0 or 2,3 or 4-7 (queue q on the",
        "                         q-th, round robin; default: the scheduler places them)",
        "  --config FILE          read options from a YAML file (keys are the options without --; flags win)",
        "  --print-config         print the effective configuration and exit",
        "  --metrics HOST:PORT    serve counters and overlay health as Prometheus text on /metrics",
        "  --journal-retention-hours N  hours of FIB versions kept in STATE_DIR/fib (default 24)",
        "  --spin-us N            spin N microseconds after work before sleeping in poll (default 0;",
        "                         lowers latency on hosts with idle cores, costs CPU while traffic flows)");

    static final Set<String> VALUED = Set.of("--listen", "--ip", "--peer", "--tap", "--queues", "--state-dir", "--underlay-mtu",
        "--threading",
                "--keepalive-ms", "--spin-us", "--offload", "--cpus", "--seed", "--journal-retention-hours", "--metrics",
                    "--config",
                "--tcp-listen", "--relay-mbps", "--shortcut-pps", "--subnet", "--cert", "--key", "--name", "--dns-domain");
    static final Set<String> REPEATED = Set.of("--peer", "--seed");
    static final Set<String> FLAGS = Set.of("--no-tap", "--print-config", "--dhcp", "--insecure", "--no-dns");

    private NodeCommand()
    {
    }

    /**
     * Parses the command line, after the configuration file it names (if any): flags override
     * the file, and an error about a value from the file names the file, line and key.
     */
    static NodeConfig parseWithConfig(final String[] argv)
    {
        final List<String> commandLine = new ArrayList<>(List.of(argv));
        final int at = commandLine.indexOf("--config");
        if (at < 0)
        {
            return parse(argv);
        }
        if (at + 1 >= commandLine.size())
        {
            throw new UsageException("--config needs a value");
        }
        final Path file = Path.of(commandLine.get(at + 1));
        commandLine.remove(at + 1);
        commandLine.remove(at);
        final java.util.Set<String> known = new java.util.HashSet<>(VALUED);
        known.addAll(FLAGS);
        final ConfigFile config = ConfigFile.read(file, known);
        final List<String> merged = new ArrayList<>(config.argsOverriddenBy(commandLine));
        merged.addAll(commandLine);
        try
        {
            return parse(merged.toArray(new String[0]));
        }
        catch (final UsageException ex)
        {
            throw config.locate(ex, commandLine);
        }
    }

    /** @return the effective configuration in the config file's own format, every key with its value. */
    static String printConfig(final NodeConfig c)
    {
        final StringBuilder sb = new StringBuilder("# effective wow node configuration (usable with --config)\n");
        sb.append("listen: ").append(Ipv4.toString(c.listenAddress())).append(':').append(c.listenPort()).append('\n');
        if (c.virtualIp() != 0)
        {
            sb.append("ip: ").append(Ipv4.toString(c.virtualIp())).append('/').append(c.prefix()).append('\n');
        }
        sb.append("seed: [");
        for (int i = 0; i < c.seeds().length; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(wow.dataplane.transport.Endpoints.toString(c.seeds()[i]));
        }
        sb.append("]\npeer: [");
        for (int i = 0; i < c.peers().size(); i++)
        {
            sb.append(i == 0 ? "" : ", ").append(c.peers().get(i));
        }
        sb.append("]\n");
        if (c.tapName() == null)
        {
            sb.append("no-tap: true\n");
        }
        else
        {
            sb.append("tap: ").append(c.tapName()).append('\n');
        }
        sb.append("queues: ").append(c.queues()).append('\n');
        sb.append("state-dir: ").append(c.stateDir()).append('\n');
        sb.append("underlay-mtu: ").append(c.underlayMtu()).append('\n');
        sb.append("threading: ").append(c.threading().name().toLowerCase()).append('\n');
        sb.append("keepalive-ms: ").append(c.keepaliveMs()).append('\n');
        if (c.tcpListen() != 0)
        {
            sb.append("tcp-listen: ").append(wow.dataplane.transport.Endpoints.toString(
                wow.dataplane.transport.Endpoints.plain(c.tcpListen())))
                .append('\n');
        }
        sb.append("relay-mbps: ").append(c.relayMbps()).append('\n');
        sb.append("shortcut-pps: ").append(c.shortcutPps()).append('\n');
        if (c.dhcp())
        {
            sb.append("dhcp: true\nsubnet: ").append(Ipv4.toString(c.dhcpSubnet())).append('/').append(c.prefix()).append('\n');
        }
        sb.append("offload: ").append(c.offload() ? "on" : "off").append('\n');
        if (c.secure())
        {
            sb.append("cert: ").append(c.cert()).append('\n');
            if (c.key() != null)
            {
                sb.append("key: ").append(c.key()).append('\n');
            }
        }
        else
        {
            sb.append("insecure: true\n");
            if (c.name() != null)
            {
                sb.append("name: ").append(c.name()).append('\n');
            }
        }
        if (c.dnsDomain() == null)
        {
            sb.append("no-dns: true\n");
        }
        else
        {
            sb.append("dns-domain: ").append(c.dnsDomain()).append('\n');
        }
        if (c.cpus().length > 0)
        {
            sb.append("cpus: ").append(java.util.Arrays.stream(c.cpus()).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(","))).append('\n');
        }
        sb.append("spin-us: ").append(c.spinUs()).append('\n');
        sb.append("journal-retention-hours: ").append(c.journalRetentionHours()).append('\n');
        if (c.metricsHost() != null)
        {
            sb.append("metrics: ").append(c.metricsHost()).append(':').append(c.metricsPort()).append('\n');
        }
        return sb.toString();
    }

    static int run(final String[] argv)
    {
        if (argv.length == 1 && ("--help".equals(argv[0]) || "-h".equals(argv[0])))
        {
            System.out.println(HELP);
            return 0;
        }
        final NodeConfig config = parseWithConfig(argv);
        if (List.of(argv).contains("--print-config"))
        {
            System.out.print(printConfig(config));
            return 0;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Node node = Node.start(config, System.err);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            node.close();
            stopped.countDown();
        }, "wow-shutdown"));
        try
        {
            while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS))
            {
                final String fatal = node.fatal();
                if (fatal != null)
                {
                    System.err.println("wow: " + fatal);
                    node.close();
                    return 1;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static NodeConfig parse(final String[] argv)
    {
        final Args args = new Args(argv, VALUED, REPEATED, FLAGS);
        if (!args.has("--listen"))
        {
            throw new UsageException("--listen HOST:PORT is required");
        }
        final String listen = args.get("--listen", null);
        final int colon = listen.lastIndexOf(':');
        if (colon < 0)
        {
            throw new UsageException("bad --listen '" + listen + "': expected HOST:PORT");
        }
        final int listenAddress = parseIp(listen.substring(0, colon), "--listen");
        final int listenPort = parsePort(listen.substring(colon + 1), "--listen");

        final boolean noTap = args.has("--no-tap");
        int virtualIp = 0;
        int prefix = 0;
        if (args.has("--ip"))
        {
            final String ip = args.get("--ip", null);
            final int[] parsed = parsePrefixed(ip, "--ip");
            virtualIp = parsed[0];
            prefix = parsed[1];
            final int hostMask = (int)(0xFFFF_FFFFL >>> prefix);
            if ((virtualIp & hostMask) == 0 || (virtualIp & hostMask) == hostMask)
            {
                throw new UsageException("bad --ip '" + ip + "': that is the subnet's network or broadcast address");
            }
        }
        int dhcpSubnet = 0;
        if (args.has("--dhcp") || args.has("--subnet"))
        {
            if (!args.has("--dhcp") || !args.has("--subnet"))
            {
                throw new UsageException("--dhcp and --subnet A.B.C.D/P go together");
            }
            if (args.has("--ip") || noTap)
            {
                throw new UsageException("--dhcp leases the virtual IP: not with --ip or --no-tap");
            }
            final String text = args.get("--subnet", null);
            final int[] parsed = parsePrefixed(text, "--subnet");
            prefix = parsed[1];
            dhcpSubnet = parsed[0] & (int)(0xFFFF_FFFFL << (32 - prefix));
            if (dhcpSubnet == 0)
            {
                throw new UsageException("bad --subnet '" + text + "': 0.0.0.0/" + prefix + " is not a virtual subnet");
            }
        }
        else if (!args.has("--ip") && !noTap)
        {
            throw new UsageException("--ip A.B.C.D/P is required (or --dhcp --subnet A.B.C.D/P, or --no-tap)");
        }
        if (noTap && args.has("--tap"))
        {
            throw new UsageException("--tap and --no-tap exclude each other");
        }

        final List<StaticPeer> peers = new ArrayList<>();
        for (final String text : args.all("--peer"))
        {
            try
            {
                peers.add(StaticPeer.parse(text));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException(ex.getMessage());
            }
        }
        final List<String> seedTexts = args.all("--seed");
        final long[] seeds = new long[seedTexts.size()];
        for (int i = 0; i < seeds.length; i++)
        {
            try
            {
                seeds[i] = wow.dataplane.transport.Endpoints.parse(seedTexts.get(i));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("bad --seed '" + seedTexts.get(i) + "': " + ex.getMessage());
            }
        }
        String metricsHost = null;
        int metricsPort = 0;
        if (args.has("--metrics"))
        {
            final String m = args.get("--metrics", null);
            final int c = m.lastIndexOf(':');
            if (c <= 0)
            {
                throw new UsageException("bad --metrics '" + m + "': expected HOST:PORT");
            }
            metricsHost = m.substring(0, c);
            parseIp(metricsHost, "--metrics");
            metricsPort = parsePort(m.substring(c + 1), "--metrics");
        }
        long tcpListen = 0;
        if (args.has("--tcp-listen"))
        {
            final String t = args.get("--tcp-listen", null);
            try
            {
                tcpListen = wow.dataplane.transport.Endpoints.parse(t.startsWith("tcp://") ? t : "tcp://" + t);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("bad --tcp-listen '" + t + "': " + ex.getMessage());
            }
            if (!peers.isEmpty())
            {
                throw new UsageException("--tcp-listen is for the overlay; static tunnels (--peer) use UDP only");
            }
        }
        final int relayMbps = args.getInt("--relay-mbps", NodeConfig.DEFAULT_RELAY_MBPS, 0, 1_000_000);
        final int shortcutPps = args.getInt("--shortcut-pps", NodeConfig.DEFAULT_SHORTCUT_PPS, 0, 100_000_000);
        if (seeds.length > 0 && !peers.isEmpty())
        {
            throw new UsageException("--seed and --peer exclude each other: a node runs the overlay or static tunnels");
        }
        final String tap = noTap ? null : args.get("--tap", NodeConfig.DEFAULT_TAP);
        final int queues = args.getInt("--queues", 1, 1, 64);
        final int mtu = args.getInt("--underlay-mtu", NodeConfig.DEFAULT_UNDERLAY_MTU, 576, 9000);
        final long keepalive = args.getInt("--keepalive-ms", (int)(peers.isEmpty() ? NodeConfig.DEFAULT_OVERLAY_KEEPALIVE_MS :
            NodeConfig.DEFAULT_KEEPALIVE_MS), 100, 3_600_000);
        final int spinUs = args.getInt("--spin-us", 0, 0, 1_000_000);
        final String offloadText = args.get("--offload", "on");
        if (!offloadText.equals("on") && !offloadText.equals("off"))
        {
            throw new UsageException("bad --offload '" + offloadText + "': on or off");
        }
        final String threadingText = args.get("--threading", "dedicated");
        final ThreadingMode threading;
        switch (threadingText)
        {
            case "dedicated":
                threading = ThreadingMode.DEDICATED;
                break;
            case "shared":
                threading = ThreadingMode.SHARED;
                break;
            default:
                throw new UsageException("bad --threading '" + threadingText + "': dedicated or shared");
        }
        if (args.has("--cert") == args.has("--insecure"))
        {
            throw new UsageException(args.has("--cert") ? "--cert and --insecure exclude each other" :
                "a node needs its certificate bundle: --cert FILE (the network's admin makes one with " +
                "'wow ca sign --dir CA_DIR --name HOST --ip A.B.C.D/P --out FILE'), " +
                "or --insecure for a lab without cryptography");
        }
        if (args.has("--key") && !args.has("--cert"))
        {
            throw new UsageException("--key goes with --cert");
        }
        final Path cert = args.has("--cert") ? Path.of(args.get("--cert", null)) : null;
        final Path key = args.has("--key") ? Path.of(args.get("--key", null)) : null;
        final String name = args.get("--name", null);
        if (name != null && args.has("--cert"))
        {
            throw new UsageException("--name is for an --insecure node: a secure node's name is its certificate's " +
                "(wow ca sign --name)");
        }
        if (name != null && !wow.controlplane.dns.DnsResponder.validDomain(name))
        {
            throw new UsageException("bad --name '" + name + "': DNS labels (letters, digits, inner dashes) joined by dots");
        }
        final String dnsDomain = args.get("--dns-domain", NodeConfig.DEFAULT_DNS_DOMAIN).toLowerCase(java.util.Locale.ROOT);
        if (!wow.controlplane.dns.DnsResponder.validDomain(dnsDomain))
        {
            throw new UsageException("bad --dns-domain '" + dnsDomain + "': DNS labels joined by dots, at most 63 bytes");
        }
        if (args.has("--dns-domain") && (args.has("--no-dns") || tap == null || !peers.isEmpty()))
        {
            throw new UsageException("--dns-domain needs DNS: not with --no-dns, --no-tap or static --peer tunnels");
        }
        final boolean dns = !args.has("--no-dns") && tap != null && peers.isEmpty();
        final Path stateDir = args.has("--state-dir") ? Path.of(args.get("--state-dir", null)) :
            defaultStateDir(tap == null ? "router-" + listenPort : tap);
        return new NodeConfig(listenAddress, listenPort, virtualIp, prefix, List.copyOf(peers), tap, queues, stateDir, mtu,
            threading, keepalive, spinUs, offloadText.equals("on"),
            parseCpus(args.get("--cpus", "")), seeds, args.getInt("--journal-retention-hours", 24, 1, 24 * 365),
            metricsHost, metricsPort, tcpListen, relayMbps, shortcutPps, dhcpSubnet, cert, key,
            name == null ? null : name.toLowerCase(java.util.Locale.ROOT), dns ? dnsDomain : null);
    }

    /** @return {address, prefix length} of an option's {@code A.B.C.D/P} value (prefix 1 to 30). */
    static int[] parsePrefixed(final String text, final String option)
    {
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            throw new UsageException("bad " + option + " '" + text + "': expected A.B.C.D/PREFIX");
        }
        final int address = parseIp(text.substring(0, slash), option);
        int prefix;
        try
        {
            prefix = Integer.parseInt(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            prefix = -1;
        }
        if (prefix < 1 || prefix > 30)
        {
            throw new UsageException("bad " + option + " '" + text + "': prefix length must be 1 to 30");
        }
        return new int[] {address, prefix};
    }

    /** The state directory a node named {@code name} uses when none is given; tools look there too. */
    static Path defaultStateDir(final String name)
    {
        if ("root".equals(System.getProperty("user.name")))
        {
            return Path.of("/var/lib/wow", name);
        }
        final String xdg = System.getenv("XDG_STATE_HOME");
        final Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local",
            "state");
        return base.resolve("wow").resolve(name);
    }

    /** Parses a CPU list such as {@code 0}, {@code 2,3} or {@code 4-7}, checked against this host. */
    static int[] parseCpus(final String text)
    {
        if (text.isEmpty())
        {
            return new int[0];
        }
        final int available = Runtime.getRuntime().availableProcessors();
        final List<Integer> cpus = new ArrayList<>();
        try
        {
            for (final String part : text.split(",", -1))
            {
                final int dash = part.indexOf('-');
                final int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                final int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
                if (from < 0 || to < from || to >= available)
                {
                    throw new NumberFormatException();
                }
                for (int c = from; c <= to; c++)
                {
                    cpus.add(c);
                }
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("bad --cpus '" + text + "': expected a list like 0,2-3 of CPUs 0 to " + (available - 1));
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int parseIp(final String text, final String option)
    {
        try
        {
            return Ipv4.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("bad " + option + ": " + ex.getMessage());
        }
    }

    private static int parsePort(final String text, final String option)
    {
        try
        {
            final int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535)
            {
                return port;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw new UsageException("bad port '" + text + "' in " + option);
    }
}
