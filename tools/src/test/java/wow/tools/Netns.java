package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Network namespaces and processes for system tests: every namespace and process made here is
 * recorded and removed by {@link #close()}, even when the test failed. Names are unique per JVM
 * and call, so tests can run in parallel. Used by the test thread.
 */
final class Netns implements AutoCloseable
{
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** @return the reason system tests cannot run here, or null if they can. */
    static String unavailableReason()
    {
        if (!"root".equals(System.getProperty("user.name")))
        {
            return "system tests need root (network namespaces, TAP devices)";
        }
        if (!Files.exists(Path.of("/dev/net/tun")))
        {
            return "system tests need /dev/net/tun";
        }
        try
        {
            if (new ProcessBuilder("ip", "netns", "list").start().waitFor() != 0)
            {
                return "system tests need 'ip netns' (iproute2)";
            }
        }
        catch (final IOException | InterruptedException ex)
        {
            return "system tests need 'ip' (iproute2): " + ex.getMessage();
        }
        return null;
    }

    /**
     * Skips the calling test class (with the reason) unless system tests can run here and Maven's
     * failsafe gave the launcher and jar to run.
     *
     * @return the path of tools/wow.
     */
    static String launcherOrSkip()
    {
        final String reason = unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, reason);
        final String launcher = System.getProperty("wow.launcher");
        org.junit.jupiter.api.Assumptions.assumeTrue(launcher != null && System.getProperty("wow.jar") != null,
            "run through Maven (failsafe sets wow.launcher and wow.jar)");
        return launcher;
    }

    /** Creates a namespace with loopback up; returns its unique name. */
    String create(final String role) throws Exception
    {
        final String name = "wowt-" + role + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        run("ip", "netns", "add", name);
        namespaces.add(name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** Joins two namespaces with a veth pair and addresses both ends. */
    void veth(final String nsA, final String addrA, final String nsB, final String addrB) throws Exception
    {
        final String a = "va" + SEQUENCE.incrementAndGet();
        final String b = "vb" + SEQUENCE.get();
        run("ip", "link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB);
        run("ip", "-n", nsA, "addr", "add", addrA, "dev", a);
        run("ip", "-n", nsB, "addr", "add", addrB, "dev", b);
        run("ip", "-n", nsA, "link", "set", a, "up");
        run("ip", "-n", nsB, "link", "set", b, "up");
    }

    /** Creates a namespace holding one bridge; returns its name. Namespaces join it with {@link #joinBridge}. */
    String createHub() throws Exception
    {
        final String hub = create("hub");
        run("ip", "-n", hub, "link", "add", "br0", "type", "bridge");
        run("ip", "-n", hub, "link", "set", "br0", "up");
        return hub;
    }

    /** Plugs a namespace into a hub's bridge with a veth pair and gives its end an address. */
    void joinBridge(final String hub, final String ns, final String address) throws Exception
    {
        final String inside = "vn" + SEQUENCE.incrementAndGet();
        final String port = "vp" + SEQUENCE.get();
        run("ip", "link", "add", inside, "netns", ns, "type", "veth", "peer", "name", port, "netns", hub);
        run("ip", "-n", hub, "link", "set", port, "master", "br0");
        run("ip", "-n", hub, "link", "set", port, "up");
        run("ip", "-n", ns, "addr", "add", address, "dev", inside);
        run("ip", "-n", ns, "link", "set", inside, "up");
    }

    /** Runs a command to completion (at most 120 s) and returns its output; fails on non-zero exit. */
    static String run(final String... command) throws Exception
    {
        final Result r = exec(command);
        if (r.exit != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    record Result(int exit, String output)
    {
    }

    /** Runs a command to completion (at most 120 s), output and errors together. */
    static Result exec(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts a long-running process in a namespace with output to a file; it is ended on close. */
    Process start(final String ns, final Path log, final String... command) throws IOException
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        final Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /** Ends a process this helper started: SIGTERM, then SIGKILL after 10 s. */
    static int stop(final Process p) throws InterruptedException
    {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        return p.isAlive() ? -1 : p.exitValue();
    }

    /** @return true if the namespace still exists. */
    static boolean exists(final String ns) throws Exception
    {
        return run("ip", "netns", "list").lines().anyMatch(l -> l.split(" ")[0].equals(ns));
    }

    @Override
    public void close() throws Exception
    {
        for (final Process p : processes)
        {
            stop(p);
        }
        processes.clear();
        for (final String ns : namespaces)
        {
            exec("ip", "netns", "del", ns);
        }
        namespaces.clear();
    }
}
