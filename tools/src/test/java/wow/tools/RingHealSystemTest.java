package wow.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * System test (root): the overlay heals. In the testbed (cone, port-restricted, UDP-blocked and a
 * double NAT behind the port-restricted domain; two hosts each), the port-restricted domain's WAN
 * is cut for 60 s — four hosts, linked among themselves, lose everyone else — and then the seed is
 * restarted, which the two UDP-blocked hosts (linked to each other) reach the overlay only through,
 * over TCP. After each, every host must reach every other again within 60 s; the times are printed.
 */
@Tag("system")
class RingHealSystemTest
{
    static final long HEAL_WITHIN_MS = 60_000;

    @Test
    @Timeout(value = 480, unit = TimeUnit.SECONDS)
    void oneOverlayAgainAfterACutHealsAndAfterTheSeedRestarts() throws Exception
    {
        try (TestbedRun run = TestbedRun.up("cone,restricted,udp-blocked,double", 2))
        {
            final Testbed testbed = run.testbed;
            assertTrue(untilAllReachable(testbed, 90_000) >= 0, "the testbed never became fully reachable");

            run.run("cut", "2");
            Thread.sleep(60_000);
            assertTrue(unreachablePairs(testbed) > 0, "the cut cut nothing");
            run.run("heal", "2");
            final long afterCut = untilAllReachable(testbed, 120_000);
            System.out.printf("every pair reachable %d ms after a 60 s cut of two domains healed%n", afterCut);
            assertTrue(afterCut >= 0 && afterCut <= HEAL_WITHIN_MS, "not one overlay again in time: " + afterCut + " ms");

            run.run("restart", "seed");
            final long afterRestart = untilAllReachable(testbed, 120_000);
            System.out.printf("every pair reachable %d ms after the seed restarted%n", afterRestart);
            assertTrue(afterRestart >= 0 && afterRestart <= HEAL_WITHIN_MS,
                "not one overlay again in time after the seed restarted: " + afterRestart + " ms");
        }
    }

    /** @return ms until every host answers every other (one ping each), -1 if not within the limit. */
    private static long untilAllReachable(final Testbed testbed, final long limitMs) throws Exception
    {
        final long started = System.nanoTime();
        while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(limitMs))
        {
            if (unreachablePairs(testbed) == 0)
            {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            }
            Thread.sleep(1_000);
        }
        return -1;
    }

    private static int unreachablePairs(final Testbed testbed) throws Exception
    {
        final double[][] rtt = testbed.pingMatrix(1);
        int missing = 0;
        for (int i = 0; i < rtt.length; i++)
        {
            for (int j = 0; j < rtt.length; j++)
            {
                missing += i != j && rtt[i][j] < 0 ? 1 : 0;
            }
        }
        return missing;
    }
}
