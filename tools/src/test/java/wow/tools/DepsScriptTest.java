package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/deps.sh, which `wow demo`, the testbed and .ci/run call first, against a PATH of stubs:
 * nothing happens when every tool is there; a missing one is installed with apt-get, in one line
 * saying what; where it cannot be (not root, no apt-get, apt-get failing) the script stops with
 * one line naming the command that would. No root needed: apt-get and id are stubs.
 */
class DepsScriptTest
{

    @TempDir
    Path bin;

    record Run(int exit, String out, String err)
    {
    }

    void stub(final String name, final String body) throws IOException
    {
        final Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    void tools(final String... names) throws IOException
    {
        for (final String n : names)
        {
            stub(n, "exit 0");
        }
    }

    /** apt-get that "installs" a package by making its command, and logs what it was asked. */
    void aptGet(final int exit) throws IOException
    {
        stub("apt-get", String.join("\n",
            "echo \"$*\" >> " + bin.resolve("apt.log"),
            "[ \"$1\" = install ] || exit 0",
            "[ " + exit + " = 0 ] || exit " + exit,
            "for p in \"$@\"; do case $p in",
            "  iproute2) c=ip;; nftables) c=nft;; iputils-ping) c=ping;; conntrack) c=conntrack;; gcc) c=gcc;;",
            "  libfast-dev) : > " + bin.resolve("fast.h") + "; continue;; *) continue;;",
            "esac; printf '#!/bin/bash\\nexit 0\\n' > " + bin + "/$c; /bin/chmod +x " + bin + "/$c; done"));
    }

    Run run(final String task) throws Exception
    {
        return run(task, "");
    }

    /** @param optional the optional PATH:package pairs (the real list names files on this host). */
    Run run(final String task, final String optional) throws Exception
    {
        final Path script = Path.of(System.getProperty("user.dir")).resolve("deps.sh");
        final ProcessBuilder pb = new ProcessBuilder("/bin/bash", script.toString(), task);
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("WOW_DEPS_OPTIONAL", optional);
        final Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(),
            new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }

    @Test
    void installsOnlyWhatIsMissingAndSaysSo() throws Exception
    {
        stub("id", "echo 0");
        tools("ip", "conntrack", "gcc");
        aptGet(0);
        final Run r = run("demo");
        assertEquals(0, r.exit(), r.err());
        assertEquals("wow demo: installing nftables iputils-ping (apt-get)", r.out());
        assertTrue(Files.readString(bin.resolve("apt.log")).contains("install -y -q --no-install-recommends nftables iputils-ping"));

        Files.delete(bin.resolve("apt.log"));
        final Run again = run("demo");
        assertEquals(0, again.exit());
        assertEquals("", again.out() + again.err(), "everything there: silent");
        assertFalse(Files.exists(bin.resolve("apt.log")), "and apt-get not run");
    }

    @Test
    void stopsWithTheCommandThatWouldWhereItCannotInstall() throws Exception
    {
        tools("ip", "conntrack", "gcc");
        stub("id", "echo 1000");
        aptGet(0);
        Run r = run("demo");
        assertEquals(1, r.exit());
        assertEquals("wow demo: needs nftables iputils-ping: run 'sudo apt-get install -y --no-install-recommends nftables "
            + "iputils-ping'", r.err());

        stub("id", "echo 0");
        aptGet(100);
        r = run("demo");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("wow demo: could not install nftables iputils-ping: run 'apt-get install"), r.err());

        Files.delete(bin.resolve("apt-get"));
        r = run("demo");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("install them with your package manager"), r.err());
        assertEquals(1, r.err().lines().count(), "one line");
    }

    @Test
    void anOptionalLibraryIsInstalledWhereItCanBeAndNeverStopsTheTask() throws Exception
    {
        final String optional = bin.resolve("fast.h") + ":libfast-dev";
        tools("ip", "nft", "ping", "conntrack", "gcc");
        stub("id", "echo 1000");
        aptGet(0);
        Run r = run("demo", optional);
        assertEquals(0, r.exit(), "not root: goes on without it");
        assertTrue(r.err().startsWith("wow demo: optional libfast-dev not installed"), r.err());
        assertEquals(1, r.err().lines().count(), "one line");

        stub("id", "echo 0");
        aptGet(100);
        r = run("demo", optional);
        assertEquals(0, r.exit(), "apt-get failing: goes on without it");
        assertEquals("wow demo: could not install optional libfast-dev; going on without it", r.err());

        aptGet(0);
        r = run("demo", optional);
        assertEquals(0, r.exit(), r.err());
        assertEquals("wow demo: installing libfast-dev (apt-get, optional)", r.out());
        assertTrue(Files.exists(bin.resolve("fast.h")));
        assertEquals("update -q", Files.readString(bin.resolve("apt.log")).lines().filter(l -> l.startsWith("update"))
            .findFirst().orElse(""), "the package lists are read first");

        Files.delete(bin.resolve("apt.log"));
        r = run("demo", optional);
        assertEquals("", r.out() + r.err(), "there: silent");
        assertFalse(Files.exists(bin.resolve("apt.log")));
    }
}
