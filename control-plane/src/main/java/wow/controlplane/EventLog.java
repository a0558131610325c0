package wow.controlplane;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * Structured event log: one line per event, {@code time event key=value ...}, to stderr. Never
 * called per packet. Rate-limited per event name: at most {@link #PER_SECOND} lines of one event
 * a second; the next line of that event says how many were suppressed. Thread-safe.
 */
public final class EventLog
{
    public static final int PER_SECOND = 20;
    /** Discards every event (the simulator's nodes). */
    public static final EventLog NONE = new EventLog(null);

    private final PrintStream out;
    private final Map<String, long[]> windows = new HashMap<>();

    public EventLog(final PrintStream out)
    {
        this.out = out;
    }

    /** Logs one event with its fields already formatted as {@code key=value} pairs. */
    public void event(final String event, final String fields)
    {
        if (out == null)
        {
            return; // the discarding log takes no lock: the simulator's workers share it
        }
        synchronized (this)
        {
            final long second = System.currentTimeMillis() / 1000;
            final long[] window = windows.computeIfAbsent(event, e -> new long[3]); // second, count, suppressed
            if (window[0] != second)
            {
                window[0] = second;
                window[1] = 0;
            }
            if (++window[1] > PER_SECOND)
            {
                window[2]++;
                return;
            }
            final String suppressed = window[2] > 0 ? " suppressed=" + window[2] : "";
            window[2] = 0;
            out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + event + (fields.isEmpty() ? "" : " " + fields) +
                suppressed);
        }
    }
}
