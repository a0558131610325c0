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

    @Test
    void nativeAndJdkSealTheSameBytesAndOpenEachOther()
    {
        assumeTrue(AeadBatch.implementation().equals("libcrypto"), "no libcrypto on this host: only the JDK's is used");
        final byte[] k1 = key();
        final byte[] k2 = key();
        final Keypair a = keypair(k1, k2, 0);
        final Keypair b = keypair(k2, k1, 1);
        final AeadBatch nativeSeal = AeadBatch.create(true, 8);
        final AeadBatch jdkSeal = AeadBatch.jdk(true, 8);
        final AeadBatch nativeOpen = AeadBatch.create(false, 8);
        final AeadBatch jdkOpen = AeadBatch.jdk(false, 8);
        for (final int length : new int[] {0, 1, 15, 16, 17, 1400, 2000})
        {
            final byte[] plain = new byte[length];
            random.nextBytes(plain);
            final byte[] viaNative = sealOne(nativeSeal, a, plain, 77 + length);
            final byte[] viaJdk = sealOne(jdkSeal, a, plain, 77 + length);
            assertArrayEquals(viaJdk, viaNative, "length " + length);
            assertArrayEquals(plain, openOne(jdkOpen, b, viaNative));
            assertArrayEquals(plain, openOne(nativeOpen, b, viaJdk));
        }
    }

    @Test
    void anyChangedByteFailsAuthentication()
    {
        final Keypair a = keypair(key(), key(), 2);
        final Keypair b = keypair(new byte[32], a.sendKey(), 3);
        final AeadBatch sealer = AeadBatch.create(true, 4);
        final AeadBatch opener = AeadBatch.create(false, 4);
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
