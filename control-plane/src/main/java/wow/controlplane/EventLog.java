package wow.controlplane;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Structured event log: one line per event, {@code time event key=value ...}, to stderr. Never
 * called per packet; callers log state changes only. Thread-safe (PrintStream is).
 */
public final class EventLog
{
    private final PrintStream out;

    public EventLog(final PrintStream out)
    {
        this.out = out;
    }

    /** Logs one event with its fields already formatted as {@code key=value} pairs. */
    public void event(final String event, final String fields)
    {
        out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + event + (fields.isEmpty() ? "" : " " + fields));
    }
}
