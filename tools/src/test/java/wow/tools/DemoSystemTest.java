package wow.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * System test (root): {@code tools/wow demo --no-wait} builds three NAT domains (cone,
 * port-restricted, symmetric) of two hosts and a seed, shows the join, prints the ping matrix
 * with every pair reachable, the direct/relayed matrix and a FIB, and removes every namespace it
 * made.
 */
@Tag("system")
class DemoSystemTest
{
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void demoShowsEveryPairReachableAndLeavesNothingBehind() throws Exception
    {
        final String launcher = Netns.launcherOrSkip();
        final Netns.Result r = Netns.exec("env", "WOW_JAR=" + System.getProperty("wow.jar"), launcher, "demo", "--no-wait");
        System.out.println(r.output());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("== joining"), r.output());
        final Matcher m = Pattern.compile("reachable pairs: (\\d+) of (\\d+)\\n").matcher(r.output());
        String last = null;
        while (m.find())
        {
            last = m.group(1) + "/" + m.group(2);
        }
        assertEquals("30/30", last, "the matrix printed last has every pair reachable");
        assertTrue(r.output().contains("ping RTT ms, median, one pair at a time"), "round trips measured alone once all answer");
        assertTrue(r.output().contains("links (D direct"), r.output());
        assertTrue(r.output().contains("FIB version"), r.output());
        assertTrue(r.output().contains("removed everything it made"), r.output());
        final Matcher tag = Pattern.compile("namespaces (wtb\\d+-)\\*").matcher(r.output());
        assertTrue(tag.find(), r.output());
        assertFalse(Netns.run("ip", "netns", "list").contains(tag.group(1)), "demo namespaces removed");
    }
}
