package wow.controlplane;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest
{
    @Test
    void oneLinePerEventAndAFloodIsCutAndCounted() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final EventLog log = new EventLog(new PrintStream(bytes, true));
        for (int i = 0; i < 1000; i++)
        {
            log.event("link_down", "peer=" + i + " reason=timeout");
        }
        log.event("fib_published", "version=7");
        final String[] lines = bytes.toString().split("\n");
        assertTrue(lines.length <= 2 * EventLog.PER_SECOND + 2, "rate-limited: " + lines.length);
        assertTrue(lines[0].matches("\\S+Z link_down peer=0 reason=timeout"), lines[0]);
        assertTrue(bytes.toString().contains("fib_published version=7"), "other events still pass");
        Thread.sleep(1100);
        log.event("link_down", "peer=x reason=timeout");
        assertTrue(bytes.toString().trim().endsWith("suppressed=" + (1000 - EventLog.PER_SECOND)) ||
            bytes.toString().contains("suppressed="), bytes.toString());
    }
}
