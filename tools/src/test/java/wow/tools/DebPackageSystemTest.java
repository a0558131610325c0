package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package {@code mvn package} builds installs on this machine with {@code dpkg -i}:
 * {@code wow --help} and {@code wow ca init} work from {@code /usr/bin/wow} with the packaged jar,
 * the systemd template and the example configuration are in place; purged, nothing of it is left.
 * Root only (it installs and removes a package); skipped where wow is installed already.
 */
@Tag("system")
class DebPackageSystemTest
{
    static final Path DEB = Path.of(System.getProperty("wow.jar", "target/wow.jar")).resolveSibling("wow.deb");

    @TempDir
    Path dir;

    static Run run(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    record Run(int exit, String output)
    {
    }

    @Test
    @Timeout(300)
    void installsRunsAndPurgesCleanly() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "dpkg -i needs root");
        Assumptions.assumeTrue(Files.isRegularFile(DEB), "no " + DEB + " (run through Maven: package builds it)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "not a Debian system");
        Assumptions.assumeTrue(run("dpkg", "-s", "wow").exit() != 0, "a wow package is installed here already: left alone");
        try
        {
            final Run install = run("dpkg", "-i", DEB.toString());
            assertEquals(0, install.exit(), install.output());
            final Run help = run("/usr/bin/wow", "--help");
            assertEquals(0, help.exit(), help.output());
            assertTrue(help.output().startsWith("usage: wow <command>"), help.output());
            final Run ca = run("/usr/bin/wow", "ca", "init", "--dir", dir.resolve("ca").toString(), "--name", "deb",
                "--subnet", "10.77.0.0/16");
            assertEquals(0, ca.exit(), ca.output());
            assertTrue(Files.isRegularFile(dir.resolve("ca/ca.crt")));
            for (final String f : List.of("/lib/systemd/system/wow@.service", "/etc/wow/example.yaml", "/usr/share/wow/wow.jar",
                "/usr/share/wow/demo.sh", "/usr/share/wow/deps.sh"))
            {
                assertTrue(Files.exists(Path.of(f)), f);
            }
            assertTrue(Files.isDirectory(Path.of("/var/lib/wow")));
            assertTrue(Files.readString(Path.of("/lib/systemd/system/wow@.service")).contains("--config /etc/wow/%i.yaml"));
        }
        finally
        {
            final Run purge = run("dpkg", "--purge", "wow");
            assertEquals(0, purge.exit(), purge.output());
        }
        assertFalse(Files.exists(Path.of("/usr/bin/wow")));
        assertFalse(Files.exists(Path.of("/usr/share/wow")));
        assertFalse(Files.exists(Path.of("/var/lib/wow")));
    }
}
