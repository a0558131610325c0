package wow.dataplane.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A session's control budget: a burst, then the rate; each session its own; a new keypair of a peer takes the old one's over. */
class KeypairControlRateTest
{
    static Keypair keypair(final int index)
    {
        return new Keypair(index, index + 1, 0, new byte[32], new byte[32], 0);
    }

    static int admitted(final Keypair k, final long nowNs, final int tries)
    {
        int n = 0;
        for (int i = 0; i < tries; i++)
        {
            n += k.admitControl(nowNs) ? 1 : 0;
        }
        return n;
    }

    @Test
    void aBurstThenTheRateAndAnotherSessionIsNotSlowed()
    {
        final long start = -5_000_000_000L; // nanoTime may be negative
        final Keypair flooder = keypair(1);
        final Keypair other = keypair(2);
        assertEquals(Keypair.CONTROL_BURST + 1, admitted(flooder, start, 10_000));
        assertFalse(flooder.admitControl(start + 100_000L));
        assertEquals(Keypair.CONTROL_BURST + 1, admitted(other, start, 10_000), "the other session has its own budget");
        // flooding on for a second, every millisecond: the rate, no more
        int next = 0;
        for (int ms = 1; ms <= 1000; ms++)
        {
            next += admitted(flooder, start + ms * 1_000_000L, 10);
        }
        assertTrue(Math.abs(next - Keypair.CONTROL_PER_SECOND) <= 2, "admitted " + next);
        // a quiet spell refills up to the burst only
        assertEquals(Keypair.CONTROL_BURST + 1, admitted(flooder, start + 60_000_000_000L, 10_000));
    }

    @Test
    void aNewKeypairOfThePeerDoesNotRefillItsBudget()
    {
        final Keypair old = keypair(1);
        admitted(old, 0, 10_000);
        final Keypair rekeyed = keypair(3);
        rekeyed.inheritControlBudget(old);
        assertFalse(rekeyed.admitControl(0));
        assertTrue(keypair(4).admitControl(0));
    }
}
