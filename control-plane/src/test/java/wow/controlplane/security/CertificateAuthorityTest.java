package wow.controlplane.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest
{
    private static final long NOW = 1_800_000_000L;
    private static final int SUBNET = 0x0A800000; // 10.128.0.0

    @TempDir
    Path dir;

    private CertificateAuthority ca(final String name)
    {
        return CertificateAuthority.init(dir.resolve(name), name, SUBNET, 16, 3650, NOW);
    }

    private Path save(final Bundle bundle, final String file) throws Exception
    {
        final Path path = dir.resolve(file);
        AtomicFile.writePrivate(path, bundle.encode());
        return path;
    }

    @Test
    void signedBundleLoadsAndBindsItsAddress() throws Exception
    {
        final CertificateAuthority ca = ca("lab");
        final Bundle issued = ca.sign("host1", Certificate.ADDRESS_IP, SUBNET + 5, 16, List.of("dev", "ops"), true, 30, null,
            NOW);
        final Bundle loaded = Bundle.load(save(issued, "host1.bundle"), null, NOW + 10);
        final Certificate c = loaded.certificate();
        assertEquals("host1", c.name());
        assertEquals("lab", c.network());
        assertEquals(List.of("dev", "ops"), c.groups());
        assertTrue(c.relay());
        assertEquals(1, c.serial());
        assertTrue(c.allows(SUBNET + 5));
        assertFalse(c.allows(SUBNET + 6));
        assertArrayEquals(Keys.agreementPublic(loaded.privateKey()), c.publicKey());
        // the record key (leases, records) follows from the same secret, and is not the agreement key
        assertArrayEquals(Keys.signingPublic(loaded.recordPrivateKey()), c.recordKey());
        assertTrue(c.hasRecordKey(Keys.signingPublic(Keys.recordKey(loaded.privateKey()))));
        assertFalse(java.util.Arrays.equals(c.recordKey(), c.publicKey()));
        assertFalse(java.util.Arrays.equals(loaded.recordPrivateKey(), loaded.privateKey()));
        assertNull(c.problem(loaded.trusted(), NOW + 10, List.of()));
        assertEquals("expired or not yet valid", c.problem(loaded.trusted(), NOW + 31 * 86_400L, List.of()));
        assertEquals(2, ca.sign("host2", Certificate.ADDRESS_NONE, 0, 0, List.of(), false, 1, null, NOW).certificate().serial());
        // the same directory opened again signs with the same key and goes on counting
        final CertificateAuthority reopened = CertificateAuthority.open(dir.resolve("lab"));
        final Certificate third = reopened.sign("host3", Certificate.ADDRESS_POOL, SUBNET, 17, List.of(), false, 1, null, NOW)
            .certificate();
        assertEquals(3, third.serial());
        assertTrue(third.signedBy(ca.certificate()));
        assertTrue(third.allows(SUBNET + 0x7FFF));
        assertFalse(third.allows(SUBNET + 0x8000));
    }

    @Test
    void foreignCaTamperedAndRevokedCertificatesAreRefused() throws Exception
    {
        final CertificateAuthority ours = ca("ours");
        final CertificateAuthority theirs = ca("theirs");
        final Certificate stranger = theirs.sign("evil", Certificate.ADDRESS_IP, SUBNET + 9, 16, List.of(), true, 30, null, NOW)
            .certificate();
        final List<Certificate> trusted = List.of(ours.certificate());
        assertEquals("not issued by a trusted CA", stranger.problem(trusted, NOW, List.of()));

        final Certificate good = ours.sign("good", Certificate.ADDRESS_IP, SUBNET + 7, 16, List.of(), false, 30, null, NOW)
            .certificate();
        final byte[] bytes = good.encoded();
        bytes[bytes.length - Keys.SIGNATURE_LENGTH - 3] ^= 1; // a group / address byte changed
        final Certificate tampered = Certificate.decode(bytes);
        assertEquals("not issued by a trusted CA", tampered.problem(trusted, NOW, List.of()));

        final RevocationList list = ours.revoke("good", -1, NOW);
        assertEquals(1, list.version());
        assertTrue(list.signedBy(ours.certificate()));
        assertFalse(list.signedBy(theirs.certificate()));
        assertEquals("revoked", good.problem(trusted, NOW, List.of(RevocationList.decode(list.encoded()))));
        assertEquals(2, ours.revoke(null, 1, NOW).version());
        assertThrows(IllegalArgumentException.class, () -> ours.revoke("nobody", -1, NOW));
        // a CA certificate is never accepted as a node's
        assertEquals("not a node certificate", ours.certificate().problem(trusted, NOW, List.of()));
    }

    @Test
    void badBundlesAreOneLineErrorsNamingTheFile() throws Exception
    {
        final CertificateAuthority ca = ca("net");
        final Bundle bundle = ca.sign("h", Certificate.ADDRESS_IP, SUBNET + 1, 16, List.of(), false, 30, null, NOW);
        final Path file = save(bundle, "h.bundle");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertMessage(file, "others may read it", () -> Bundle.load(file, null, NOW));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertMessage(file, "expired", () -> Bundle.load(file, null, NOW + 365L * 86_400));

        final Bundle otherKey = new Bundle(bundle.certificate(), Keys.newAgreementKey(), bundle.trusted());
        final Path mismatched = save(otherKey, "mismatch.bundle");
        assertMessage(mismatched, "does not match", () -> Bundle.load(mismatched, null, NOW));

        final Path garbage = dir.resolve("garbage");
        AtomicFile.writePrivate(garbage, "-----BEGIN WOW CERTIFICATE-----\nAAAA\n-----END WOW CERTIFICATE-----\n");
        assertMessage(garbage, garbage.toString(), () -> Bundle.load(garbage, null, NOW));
        final Path unterminated = dir.resolve("unterminated");
        AtomicFile.writePrivate(unterminated, "-----BEGIN WOW CERTIFICATE-----\nAAAA\n");
        assertMessage(unterminated, "not terminated", () -> Bundle.load(unterminated, null, NOW));
        assertMessage(dir.resolve("missing"), "no such file", () -> Bundle.load(dir.resolve("missing"), null, NOW));
        assertThrows(IllegalArgumentException.class,
            () -> ca.sign("out", Certificate.ADDRESS_IP, 0x0B000001, 16, List.of(), false, 1, null, NOW));
        final List<String> groups = java.util.Collections.nCopies(16, "g".repeat(64));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ca.sign("big", Certificate.ADDRESS_IP, SUBNET + 2, 16,
            groups, false, 1, null, NOW)).getMessage().contains("at most 1024"), "too long to ride in its leases");
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.init(dir.resolve("net"), "x", SUBNET, 16, 1, NOW));
    }

    @Test
    void everyTruncationOfACertificateIsRefusedWithAnIllegalArgument()
    {
        final Certificate good = ca("t").sign("h", Certificate.ADDRESS_IP, SUBNET + 1, 16, List.of("g"), false, 30, null, NOW)
            .certificate();
        final byte[] bytes = good.encoded();
        for (int n = 0; n < bytes.length; n++)
        {
            final byte[] cut = java.util.Arrays.copyOf(bytes, n);
            assertThrows(IllegalArgumentException.class, () -> Certificate.decode(cut), "length " + n);
        }
        final byte[] older = bytes.clone();
        older[4] = 1; // a node certificate of version 1 (no record key) is named as such
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Certificate.decode(older)).getMessage()
            .contains("issue it again with wow ca sign"));
        final byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> Certificate.decode(longer));
        // found by the fuzz target: a validity beyond what an Instant holds once made `cert show` throw
        final byte[] forever = bytes.clone();
        java.nio.ByteBuffer.wrap(forever).putLong(24, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> Certificate.decode(forever));
    }

    private static void assertMessage(final Path file, final String part, final org.junit.jupiter.api.function.Executable call)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage().startsWith(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
    }
}
