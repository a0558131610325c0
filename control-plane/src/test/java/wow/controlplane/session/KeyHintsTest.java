package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.Keys;

class KeyHintsTest
{
    static byte[] key()
    {
        return Keys.agreementPublic(Keys.newAgreementKey());
    }

    @Test
    void onlyAKeyTheNamedAddressIsBoundToIsTaken()
    {
        final KeyHints hints = new KeyHints();
        final byte[] mine = key();
        final byte[] other = key();
        assertFalse(hints.offer(7, Certificate.ringAddressOf(other), mine), "a key pointed at another node's address");
        assertFalse(hints.offer(7, Certificate.ringAddressOf(mine), new byte[31]), "a key of the wrong length");
        assertFalse(hints.offer(0, Certificate.ringAddressOf(mine), mine), "no endpoint");
        assertNull(hints.get(7));
        assertTrue(hints.offer(7, Certificate.ringAddressOf(mine), mine));
        assertArrayEquals(mine, hints.get(7));
        hints.forget(7);
        assertNull(hints.get(7));
    }

    @Test
    void theLeastRecentlyUsedHintsAreForgottenBeyondTheBound()
    {
        final KeyHints hints = new KeyHints();
        final byte[] k = key();
        final byte[] address = Certificate.ringAddressOf(k);
        for (long endpoint = 1; endpoint <= KeyHints.MAX_HINTS + 10; endpoint++)
        {
            hints.offer(endpoint, address, k);
            if (endpoint > 1)
            {
                hints.get(1); // kept in use
            }
        }
        assertEquals(KeyHints.MAX_HINTS, hints.size());
        assertArrayEquals(k, hints.get(1));
        assertNull(hints.get(2));
    }
}
