package wow.controlplane.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityTest
{
    @Test
    void isCreatedOnceKeptPrivateAndStableAcrossRestarts(@TempDir final Path dir) throws Exception
    {
        final Identity first = Identity.loadOrCreate(dir);
        final Path file = dir.resolve(Identity.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        final Identity again = Identity.loadOrCreate(dir);
        assertArrayEquals(first.address(), again.address());
        assertEquals(40, first.addressHex().length());
        assertArrayEquals(Identity.addressOf(first.publicKey()), first.address());
        final byte[] data = {1, 2, 3};
        assertTrue(Identity.verify(data, again.sign(data), first.publicKey()), "the stored private key is the same key");
        assertFalse(Identity.verify(data, Identity.generate().sign(data), first.publicKey()));
    }

    @Test
    void differentNodesGetDifferentAddresses()
    {
        assertFalse(java.util.Arrays.equals(Identity.generate().address(), Identity.generate().address()));
    }

    @Test
    void refusesACorruptFileWithOneLineNamingIt(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve(Identity.FILE_NAME);
        Identity.loadOrCreate(dir);
        final String good = Files.readString(file);

        Files.writeString(file, good.replaceFirst("address=[0-9a-f]", "address=x"));
        assertEquals("identity file " + file + " is corrupt: address does not match the public key",
            assertThrows(IllegalStateException.class, () -> Identity.loadOrCreate(dir)).getMessage());

        Files.writeString(file, good.replaceFirst("private=.*\n", ""));
        assertEquals("identity file " + file + " is corrupt: no private=",
            assertThrows(IllegalStateException.class, () -> Identity.loadOrCreate(dir)).getMessage());

        final Path otherDir = dir.resolve("other");
        Identity.loadOrCreate(otherDir);
        final String foreignPrivate = Files.readAllLines(otherDir.resolve(Identity.FILE_NAME)).stream()
            .filter(l -> l.startsWith("private=")).findFirst().orElseThrow();
        Files.writeString(file, good.replaceFirst("private=.*", java.util.regex.Matcher.quoteReplacement(foreignPrivate)));
        assertEquals("identity file " + file + " is corrupt: the keys do not belong together",
            assertThrows(IllegalStateException.class, () -> Identity.loadOrCreate(dir)).getMessage());

        Files.writeString(file, "garbage\n");
        assertTrue(assertThrows(IllegalStateException.class, () -> Identity.loadOrCreate(dir)).getMessage()
            .startsWith("identity file " + file + " is corrupt: bad line"));
    }
}
