package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;
import wow.controlplane.security.Keys;

class NoiseHandshakeTest
{
    private static final byte[] PROLOGUE = "wow test".getBytes(StandardCharsets.US_ASCII);
    private final byte[] initiatorKey = Keys.newAgreementKey();
    private final byte[] responderKey = Keys.newAgreementKey();

    @Test
    void bothSidesAuthenticateEachOthersStaticKeyAndSplitMatchingKeys() throws Exception
    {
        final NoiseHandshake i = new NoiseHandshake(true, initiatorKey, PROLOGUE);
        final NoiseHandshake r = new NoiseHandshake(false, responderKey, PROLOGUE);
        assertTrue(i.writes());
        assertFalse(r.writes());
        final byte[] m1 = i.write(new byte[0]);
        r.read(m1);
        final byte[] m2 = r.write("responder cert".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("responder cert".getBytes(StandardCharsets.US_ASCII), i.read(m2));
        assertArrayEquals(Keys.agreementPublic(responderKey), i.remoteStatic());
        final byte[] m3 = i.write("initiator cert".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("initiator cert".getBytes(StandardCharsets.US_ASCII), r.read(m3));
        assertArrayEquals(Keys.agreementPublic(initiatorKey), r.remoteStatic());
        assertTrue(i.complete() && r.complete());
        final byte[][] ik = i.split();
        final byte[][] rk = r.split();
        assertArrayEquals(ik[0], rk[1]);
        assertArrayEquals(ik[1], rk[0]);
        assertFalse(Arrays.equals(ik[0], ik[1]));
        assertArrayEquals(i.hash(), r.hash());
        // the payloads and static keys travel encrypted
        assertFalse(contains(m2, "responder cert") || contains(m3, "initiator cert"));
        assertFalse(contains(m2, Keys.agreementPublic(responderKey)) || contains(m3, Keys.agreementPublic(initiatorKey)));
    }

    @Test
    void anyChangedByteAndAnyOtherPrologueBreaksTheHandshake() throws Exception
    {
        for (int message = 2; message <= 3; message++)
        {
            for (int at : new int[] {0, 31, 32, 40, 79, 80, -1})
            {
                final NoiseHandshake i = new NoiseHandshake(true, initiatorKey, PROLOGUE);
                final NoiseHandshake r = new NoiseHandshake(false, responderKey, PROLOGUE);
                r.read(i.write(new byte[0]));
                byte[] m2 = r.write(new byte[8]);
                if (message == 2)
                {
                    m2 = flip(m2, at);
                    final byte[] bad = m2;
                    assertThrows(GeneralSecurityException.class, () -> i.read(bad), "message 2 byte " + at);
                    continue;
                }
                i.read(m2);
                final byte[] m3 = flip(i.write(new byte[8]), at);
                assertThrows(GeneralSecurityException.class, () -> r.read(m3), "message 3 byte " + at);
            }
        }
        final NoiseHandshake i = new NoiseHandshake(true, initiatorKey, PROLOGUE);
        final NoiseHandshake other = new NoiseHandshake(false, responderKey, "another network".getBytes(StandardCharsets.US_ASCII));
        other.read(i.write(new byte[0]));
        final byte[] m2 = other.write(new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> i.read(m2));
    }

    @Test
    void messagesOutOfTurnOrTruncatedAreRefused() throws Exception
    {
        final NoiseHandshake i = new NoiseHandshake(true, initiatorKey, PROLOGUE);
        final NoiseHandshake r = new NoiseHandshake(false, responderKey, PROLOGUE);
        assertThrows(IllegalStateException.class, () -> r.write(new byte[0]));
        assertThrows(GeneralSecurityException.class, () -> i.read(new byte[64]));
        assertThrows(GeneralSecurityException.class, () -> r.read(new byte[31]));
        r.read(i.write(new byte[0]));
        final byte[] m2 = r.write(new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> i.read(Arrays.copyOf(m2, 70)));
        assertThrows(IllegalStateException.class, i::split);
        // a low-order point as the ephemeral key: no shared secret, no session
        final NoiseHandshake r2 = new NoiseHandshake(false, responderKey, PROLOGUE);
        r2.read(new byte[32]);
        assertThrows(GeneralSecurityException.class, () -> r2.write(new byte[0]));
    }

    @Test
    void theKeyScheduleIsRfc5869Hkdf() throws Exception
    {
        // Noise's HKDF(ck, ikm, 2) is RFC 5869 with ck as salt and no info: compare with BouncyCastle's
        final byte[] ck = Keys.random(32);
        final byte[] ikm = Keys.random(32);
        final SymmetricState s = new SymmetricState("Noise_test");
        final java.lang.reflect.Field field = SymmetricState.class.getDeclaredField("ck");
        field.setAccessible(true);
        field.set(s, ck.clone());
        s.mixKey(ikm);
        final byte[][] split = s.split();
        final HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, ck, new byte[0]));
        final byte[] expected = new byte[64];
        hkdf.generateBytes(expected, 0, 64);
        final byte[] ck2 = (byte[])field.get(s);
        assertArrayEquals(Arrays.copyOf(expected, 32), ck2);
        final HKDFBytesGenerator second = new HKDFBytesGenerator(new SHA256Digest());
        second.init(new HKDFParameters(new byte[0], ck2, new byte[0]));
        final byte[] keys = new byte[64];
        second.generateBytes(keys, 0, 64);
        assertArrayEquals(Arrays.copyOf(keys, 32), split[0]);
        assertArrayEquals(Arrays.copyOfRange(keys, 32, 64), split[1]);
    }

    @Test
    void ikTakesOneRoundTripAndTheResponderLearnsTheInitiatorFirst() throws Exception
    {
        final NoiseHandshake i = NoiseHandshake.ik(true, initiatorKey, PROLOGUE, Keys.agreementPublic(responderKey));
        final NoiseHandshake r = NoiseHandshake.ik(false, responderKey, PROLOGUE, null);
        final byte[] m1 = i.write("initiator cert".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("initiator cert".getBytes(StandardCharsets.US_ASCII), r.read(m1));
        assertArrayEquals(Keys.agreementPublic(initiatorKey), r.remoteStatic(), "known before the responder answers");
        assertFalse(contains(m1, "initiator cert") || contains(m1, Keys.agreementPublic(initiatorKey)));
        final byte[] m2 = r.write("responder cert".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("responder cert".getBytes(StandardCharsets.US_ASCII), i.read(m2));
        assertTrue(i.complete() && r.complete());
        final byte[][] ik = i.split();
        final byte[][] rk = r.split();
        assertArrayEquals(ik[0], rk[1]);
        assertArrayEquals(ik[1], rk[0]);
    }

    @Test
    void ikToTheWrongKeyOrWithAChangedByteFails() throws Exception
    {
        final byte[] other = Keys.newAgreementKey();
        final NoiseHandshake i = NoiseHandshake.ik(true, initiatorKey, PROLOGUE, Keys.agreementPublic(other));
        final NoiseHandshake r = NoiseHandshake.ik(false, responderKey, PROLOGUE, null);
        final byte[] m1 = i.write(new byte[4]);
        assertThrows(GeneralSecurityException.class, () -> r.read(m1), "meant for another key");
        for (final int at : new int[] {0, 31, 32, 60, -1})
        {
            final NoiseHandshake i2 = NoiseHandshake.ik(true, initiatorKey, PROLOGUE, Keys.agreementPublic(responderKey));
            final NoiseHandshake r2 = NoiseHandshake.ik(false, responderKey, PROLOGUE, null);
            final byte[] bad = flip(i2.write(new byte[4]), at);
            assertThrows(GeneralSecurityException.class, () -> r2.read(bad), "byte " + at);
        }
        final NoiseHandshake i3 = NoiseHandshake.ik(true, initiatorKey, PROLOGUE, Keys.agreementPublic(responderKey));
        final NoiseHandshake r3 = NoiseHandshake.ik(false, responderKey, PROLOGUE, null);
        r3.read(i3.write(new byte[0]));
        final byte[] m2 = flip(r3.write(new byte[0]), 40);
        assertThrows(GeneralSecurityException.class, () -> i3.read(m2));
    }

    private static byte[] flip(final byte[] m, final int at)
    {
        final byte[] copy = m.clone();
        copy[at < 0 ? copy.length - 1 : at % copy.length] ^= 1;
        return copy;
    }

    private static boolean contains(final byte[] hay, final String needle)
    {
        return contains(hay, needle.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean contains(final byte[] hay, final byte[] needle)
    {
        for (int i = 0; i + needle.length <= hay.length; i++)
        {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length))
            {
                return true;
            }
        }
        return false;
    }
}
