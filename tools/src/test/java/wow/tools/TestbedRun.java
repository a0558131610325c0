package wow.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code tools/testbed.sh} testbed for a system test: built with the jar under test and this JVM
 * as its owner (a killed test's testbed is reaped by the next), removed by {@link #close()} with
 * a check that none of its namespaces is left. Used by the test thread.
 */
final class TestbedRun implements AutoCloseable
{
    final Path dir;
    final Path script;
    final Path launcher;
    final Testbed testbed;

    private TestbedRun(final Path dir, final Path script, final Path launcher, final Testbed testbed)
    {
        this.dir = dir;
        this.script = script;
        this.launcher = launcher;
        this.testbed = testbed;
    }

    /** Builds a testbed (skipping the test where system tests cannot run). */
    static TestbedRun up(final String domains, final int hosts, final String... options) throws Exception
    {
        final Path launcher = Path.of(Netns.launcherOrSkip());
        final Path script = launcher.resolveSibling("testbed.sh");
        final Path dir = Files.createTempDirectory("wow-testbed");
        final List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString(), "up", dir.toString(), "--domains",
            domains, "--hosts", Integer.toString(hosts)));
        command.addAll(List.of(options));
        final long started = System.nanoTime();
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("WOW_JAR", System.getProperty("wow.jar"));
        pb.environment().put("TESTBED_OWNER", Long.toString(ProcessHandle.current().pid()));
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "testbed up failed: " + out);
        System.out.printf("testbed up in %d ms: %s%n", (System.nanoTime() - started) / 1_000_000, out.trim());
        return new TestbedRun(dir, script, launcher, Testbed.read(dir));
    }

    /** Runs a testbed command ({@code move}, {@code rebind}, ...) on this testbed. */
    void run(final String command, final String... arguments) throws Exception
    {
        final List<String> full = new java.util.ArrayList<>(List.of("bash", script.toString(), command, dir.toString()));
        full.addAll(List.of(arguments));
        Netns.run(full.toArray(new String[0]));
    }

    @Override
    public void close() throws Exception
    {
        Netns.run("bash", script.toString(), "down", dir.toString());
        for (final Testbed.Member m : testbed.nodes())
        {
            assertFalse(Netns.exists(m.namespace()), "namespace " + m.namespace() + " left behind");
        }
        Netns.exec("rm", "-rf", dir.toString());
    }
}
