package wow.controlplane.overlay.shortcut;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShortcutPolicyTest
{
    static final BigInteger HEAVY = BigInteger.valueOf(1);
    static final BigInteger LIGHT = BigInteger.valueOf(2);
    static final BigInteger OTHER = BigInteger.valueOf(3);

    /** Feeds {@code pps} packets per second to a destination for {@code ms}, one sample per 64 packets. */
    static void traffic(final ShortcutPolicy p, final BigInteger d, final int pps, final long fromMs, final long ms)
    {
        final double samplesPerMs = pps / 64.0 / 1000.0;
        double due = 0;
        for (long t = fromMs; t < fromMs + ms; t++)
        {
            due += samplesPerMs;
            while (due >= 1)
            {
                p.sampled(d, t);
                due--;
            }
        }
    }

    @Test
    void theRateEstimateFollowsTheTraffic()
    {
        final ShortcutPolicy p = new ShortcutPolicy(100, 16, 30_000, 64);
        traffic(p, HEAVY, 10_000, 0, 5_000);
        assertEquals(10_000, p.rate(HEAVY, 5_000), 1_000);
        assertTrue(p.rate(HEAVY, 10_000) < 100, "it decays once the traffic stops: " + p.rate(HEAVY, 10_000));
        assertEquals(0, p.rate(OTHER, 0));
    }

    @Test
    void heavyDestinationsEarnAShortcutWithinASecondLightOnesNever()
    {
        final ShortcutPolicy p = new ShortcutPolicy(100, 16, 30_000, 64);
        traffic(p, HEAVY, 5_000, 0, 300);
        traffic(p, LIGHT, 20, 0, 300);
        assertEquals(List.of(HEAVY), p.toCreate(300));
        assertEquals(List.of(), p.toCreate(400), "asked once, then again only after the retry time");
        traffic(p, HEAVY, 5_000, 400, 5_000);
        assertEquals(List.of(HEAVY), p.toCreate(5_400), "asked again: the link did not come up");
        traffic(p, LIGHT, 20, 300, 10_000);
        assertEquals(List.of(), p.toCreate(10_300));
    }

    @Test
    void theCapAndTheHighestRatesWin()
    {
        final ShortcutPolicy p = new ShortcutPolicy(100, 2, 30_000, 64);
        p.retain(Set.of(OTHER));
        traffic(p, HEAVY, 5_000, 0, 1_000);
        traffic(p, LIGHT, 1_000, 0, 1_000);
        assertEquals(List.of(HEAVY), p.toCreate(1_000), "one shortcut left under the cap of 2, for the heavier");
    }

    @Test
    void idleShortcutsAreTrimmedBusyOnesKept()
    {
        final ShortcutPolicy p = new ShortcutPolicy(100, 16, 10_000, 64);
        traffic(p, HEAVY, 5_000, 0, 1_000);
        traffic(p, LIGHT, 5_000, 0, 1_000);
        p.retain(Set.of(HEAVY, LIGHT));
        for (long t = 1_000; t <= 20_000; t += 250)
        {
            p.sentDirect(HEAVY, 5_000 / 4, t); // HEAVY's traffic goes on over its shortcut
            final List<BigInteger> trimmed = p.toTrim(t);
            if (!trimmed.isEmpty())
            {
                assertEquals(List.of(LIGHT), trimmed);
                assertTrue(t >= 11_000, "only after the idle time: " + t);
                assertEquals(1, p.shortcuts());
                return;
            }
        }
        throw new AssertionError("the idle shortcut was never trimmed");
    }

    @Test
    void boundedInWhatItTracks()
    {
        final ShortcutPolicy p = new ShortcutPolicy(100, 16, 30_000, 64);
        for (int i = 0; i < 5 * ShortcutPolicy.MAX_TRACKED; i++)
        {
            p.sampled(BigInteger.valueOf(1000 + i), i);
        }
        traffic(p, HEAVY, 5_000, 10_000, 1_000);
        assertEquals(List.of(HEAVY), p.toCreate(11_000));
        assertThrows(IllegalArgumentException.class, () -> new ShortcutPolicy(0, 1, 1, 1));
    }
}
