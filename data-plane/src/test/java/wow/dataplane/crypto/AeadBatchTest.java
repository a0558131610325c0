package wow.dataplane.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import wow.dataplane.protocol.WireHeader;

class AeadBatchTest
{
    private final Random random = new Random(3);
    private final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));

    private Keypair keypair(final byte[] send, final byte[] receive, final int slot)
    {
        return new Keypair(1, 2, slot, send, receive, 0);
    }

    private byte[] key()
    {
        final byte[] k = new byte[32];
        random.nextBytes(k);
        return k;
    }

    private byte[] sealOne(final AeadBatch sealer, final Keypair keypair, final byte[] plain, final long counter)
    {
        WireHeader.writeSealed(buffer, 0, keypair.remoteIndex(), counter);
        buffer.putBytes(WireHeader.SEALED_LENGTH, plain);
        sealer.reset();
        assertTrue(sealer.add(keypair, buffer.addressOffset(), plain.length));
        assertEquals(1, sealer.run());
        final byte[] sealed = new byte[plain.length + WireHeader.SEALED_OVERHEAD];
        buffer.getBytes(0, sealed);
        return sealed;
    }

    private byte[] openOne(final AeadBatch opener, final Keypair keypair, final byte[] sealed)
    {
        buffer.putBytes(0, sealed);
        opener.reset();
        opener.add(keypair, buffer.addressOffset(), sealed.length - WireHeader.SEALED_OVERHEAD);
        opener.run();
        if (!opener.authentic(0))
        {
            return null;
        }
        final byte[] plain = new byte[sealed.length - WireHeader.SEALED_OVERHEAD];
        buffer.getBytes(WireHeader.SEALED_LENGTH, plain);
        return plain;
    }

    /** Skips where the host lacks a native backend; in CI (which installs both) a missing one fails. */
    private static void assumeAvailable(final String implementation)
    {
        if ("true".equals(System.getenv("CI")))
        {
            assertTrue(AeadBatch.available(implementation), implementation + ": CI installs it (tools/deps.sh test)");
        }
        assumeTrue(AeadBatch.available(implementation), "no " + implementation + " on this host: not tested here");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipsec-mb", "libcrypto"})
    void nativeAndJdkSealTheSameBytesAndOpenEachOther(final String implementation)
    {
        assumeAvailable(implementation);
        final byte[] k1 = key();
        final byte[] k2 = key();
        final Keypair a = keypair(k1, k2, 0);
        final Keypair b = keypair(k2, k1, 1);
        final AeadBatch nativeSeal = AeadBatch.create(true, 8, implementation);
        final AeadBatch jdkSeal = AeadBatch.create(true, 8, "jdk");
        final AeadBatch nativeOpen = AeadBatch.create(false, 8, implementation);
        final AeadBatch jdkOpen = AeadBatch.create(false, 8, "jdk");
        for (final int length : new int[] {0, 1, 15, 16, 17, 255, 256, 257, 1400, 2000})
        {
            final byte[] plain = new byte[length];
            random.nextBytes(plain);
            final byte[] viaNative = sealOne(nativeSeal, a, plain, 77 + length);
            final byte[] viaJdk = sealOne(jdkSeal, a, plain, 77 + length);
            assertArrayEquals(viaJdk, viaNative, "length " + length);
            assertArrayEquals(plain, openOne(jdkOpen, b, viaNative));
            assertArrayEquals(plain, openOne(nativeOpen, b, viaJdk));
        }
        nativeSeal.close();
        nativeOpen.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipsec-mb", "libcrypto"})
    void aNewKeypairInASlotRekeysItsContext(final String implementation)
    {
        assumeAvailable(implementation);
        final AeadBatch nativeSeal = AeadBatch.create(true, 4, implementation);
        final AeadBatch nativeOpen = AeadBatch.create(false, 4, implementation);
        final AeadBatch jdkSeal = AeadBatch.create(true, 4, "jdk");
        final byte[] plain = new byte[300];
        random.nextBytes(plain);
        for (int generation = 0; generation < 3; generation++)
        {
            final byte[] k1 = key();
            final byte[] k2 = key();
            final Keypair a = keypair(k1, k2, 5);
            final Keypair b = keypair(k2, k1, 6);
            final byte[] sealed = sealOne(nativeSeal, a, plain, generation);
            assertArrayEquals(sealOne(jdkSeal, a, plain, generation), sealed, "generation " + generation);
            assertArrayEquals(plain, openOne(nativeOpen, b, sealed), "generation " + generation);
        }
        nativeSeal.close();
        nativeOpen.close();
    }

    @Test
    void theHostsFastestImplementationIsTheOneInUse()
    {
        final String best = AeadBatch.available("ipsec-mb") ? "ipsec-mb" : AeadBatch.available("libcrypto") ? "libcrypto" : "jdk";
        assertEquals(best, AeadBatch.implementation());
        assertFalse(AeadBatch.available("rot13"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> AeadBatch.create(true, 1, "rot13"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipsec-mb", "libcrypto", "jdk"})
    void anyChangedByteFailsAuthentication(final String implementation)
    {
        assumeTrue(AeadBatch.available(implementation), "no " + implementation + " on this host");
        final Keypair a = keypair(key(), key(), 2);
        final Keypair b = keypair(new byte[32], a.sendKey(), 3);
        final AeadBatch sealer = AeadBatch.create(true, 4, implementation);
        final AeadBatch opener = AeadBatch.create(false, 4, implementation);
        final byte[] plain = new byte[100];
        random.nextBytes(plain);
        final byte[] sealed = sealOne(sealer, a, plain, 9);
        assertArrayEquals(plain, openOne(opener, b, sealed));
        for (int i = 0; i < sealed.length; i++)
        {
            final byte[] bad = sealed.clone();
            bad[i] ^= 0x40;
            assertEquals(null, openOne(opener, b, bad), "byte " + i);
        }
        final Keypair wrongKey = keypair(new byte[32], key(), 4);
        assertEquals(null, openOne(opener, wrongKey, sealed));
        assertFalse(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1).contains(
            new String(plain, 0, 8, java.nio.charset.StandardCharsets.ISO_8859_1)));
        sealer.close();
        opener.close();
    }
}
