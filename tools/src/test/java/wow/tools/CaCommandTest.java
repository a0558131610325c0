package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;

class CaCommandTest
{
    @TempDir
    Path dir;

    private int wow(final String... args)
    {
        return Main.run(args);
    }

    @Test
    void addingAHostIsTwoCommandsAndTheBundleLoads()
    {
        final String ca = dir.resolve("ca").toString();
        assertEquals(0, wow("ca", "init", "--dir", ca, "--name", "lab", "--subnet", "10.128.0.0/16"));
        final Path bundle = dir.resolve("h1.bundle");
        assertEquals(0, wow("ca", "sign", "--dir", ca, "--name", "h1", "--ip", "10.128.0.5/16", "--groups", "a,b", "--relay",
            "--out", bundle.toString()));
        final Bundle loaded = Bundle.load(bundle, null, System.currentTimeMillis() / 1000);
        assertEquals("h1", loaded.certificate().name());
        assertTrue(loaded.certificate().allows(0x0A800005));
        assertEquals(0, wow("cert", "show", bundle.toString()));
        // refusing to overwrite, an address outside the subnet, a bad option: non-zero, one line
        assertEquals(1, wow("ca", "sign", "--dir", ca, "--name", "h1", "--out", bundle.toString()));
        assertEquals(1, wow("ca", "sign", "--dir", ca, "--name", "h2", "--ip", "10.1.0.1/16", "--out", dir.resolve("x").toString()));
        assertEquals(2, wow("ca", "sign", "--dir", ca, "--name", "h2", "--ip", "10.128.0.1", "--out", dir.resolve("x").toString()));
        assertEquals(2, wow("ca", "sign", "--dir", ca, "--name", "bad name", "--out", dir.resolve("x").toString()));
        assertEquals(1, wow("ca", "sign", "--dir", dir.resolve("none").toString(), "--name", "h", "--out", dir.resolve("y").toString()));
    }

    @Test
    void aCaThatSignsAPublicKeyNeverSeesThePrivateOne() throws Exception
    {
        final String ca = dir.resolve("ca").toString();
        assertEquals(0, wow("ca", "init", "--dir", ca, "--name", "lab", "--subnet", "10.128.0.0/16"));
        final Path key = dir.resolve("node.key");
        assertEquals(0, wow("key", "--out", key.toString()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        final Path bundle = dir.resolve("n.bundle");
        assertEquals(0, wow("ca", "sign", "--dir", ca, "--name", "n", "--pool", "10.128.4.0/24", "--public-key", key + ".pub",
            "--out", bundle.toString()));
        final String text = Files.readString(bundle);
        assertTrue(!text.contains("PRIVATE KEY"), text);
        final Bundle loaded = Bundle.load(bundle, key, System.currentTimeMillis() / 1000);
        assertEquals(Certificate.ADDRESS_POOL, loaded.certificate().addressKind());
        final Path list = dir.resolve("crl");
        assertEquals(0, wow("ca", "revoke", "--dir", ca, "--name", "n", "--out", list.toString()));
        assertEquals(0, wow("cert", "show", list.toString()));
        assertEquals(1, wow("cert", "show", key + ".pub"));
        assertEquals(2, wow("ca", "revoke", "--dir", ca, "--out", dir.resolve("c2").toString()));
    }

    @Test
    void aBundleMayTrustAnotherCaForARotation()
    {
        final String oldCa = dir.resolve("old").toString();
        final String newCa = dir.resolve("new").toString();
        assertEquals(0, wow("ca", "init", "--dir", oldCa, "--name", "lab", "--subnet", "10.128.0.0/16"));
        assertEquals(0, wow("ca", "init", "--dir", newCa, "--name", "lab", "--subnet", "10.128.0.0/16"));
        final Path oldHost = dir.resolve("old.bundle");
        final Path newHost = dir.resolve("new.bundle");
        assertEquals(0, wow("ca", "sign", "--dir", oldCa, "--name", "o", "--ip", "10.128.0.1/16", "--out", oldHost.toString()));
        assertEquals(0, wow("ca", "sign", "--dir", newCa, "--name", "n", "--ip", "10.128.0.2/16", "--also-trust",
            dir.resolve("old").resolve("ca.crt").toString(), "--out", newHost.toString()));
        final long now = System.currentTimeMillis() / 1000;
        final Bundle rotated = Bundle.load(newHost, null, now);
        assertEquals(2, rotated.trusted().size());
        final Certificate fromOld = Bundle.load(oldHost, null, now).certificate();
        assertEquals(null, fromOld.problem(rotated.trusted(), now, java.util.List.of()), "a member of the old CA is taken");
        assertEquals(1, wow("ca", "sign", "--dir", newCa, "--name", "x", "--also-trust", oldHost.toString() + ".missing",
            "--out", dir.resolve("x").toString()));
    }
}
