package wow.dataplane.status;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A timestamp trace of the data plane's stages, for finding where a round trip goes: off unless
 * the JVM runs with {@code -Dwow.trace=FILE} (a constant the JIT folds away: no cost when off);
 * when on, each stage a queue thread passes — waking from poll, a batch read from the TAP or the
 * socket, sealed, sent, opened, written to the TAP, going to sleep — is one event of (monotonic
 * time in ns, stage, count) in a preallocated array (no allocation, no lock: one atomic increment
 * per event), and at exit the events are written to FILE as CSV. The clock is the host's
 * monotonic one, so the traces of two nodes on one host merge on one time line
 * ({@code bench/latency-trace.sh}). Written by the queue threads; dumped by a shutdown hook.
 */
public final class PacketTrace
{
    /** True if this JVM traces (read once). */
    public static final boolean ON = System.getProperty("wow.trace") != null;

    public static final int WAKE = 1;
    public static final int TAP_READ = 2;
    public static final int SEALED = 3;
    public static final int SENT = 4;
    public static final int UDP_READ = 5;
    public static final int OPENED = 6;
    public static final int TAP_WRITTEN = 7;
    public static final int SLEEP = 8;
    private static final String[] NAMES = {"", "wake", "tap_read", "sealed", "sent", "udp_read", "opened", "tap_written",
        "sleep"};

    private static final int CAPACITY = 1 << 20;
    private static final long[] TIMES = ON ? new long[CAPACITY] : new long[0];
    private static final int[] EVENTS = ON ? new int[CAPACITY] : new int[0];
    private static final AtomicLong NEXT = new AtomicLong();

    static
    {
        if (ON)
        {
            final Path file = Path.of(System.getProperty("wow.trace"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> dump(file), "wow-trace-dump"));
        }
    }

    private PacketTrace()
    {
    }

    /** Records a stage passed with {@code count} packets (the first {@value #CAPACITY} events are kept). */
    public static void event(final int stage, final int count)
    {
        final long i = NEXT.getAndIncrement();
        if (i < CAPACITY)
        {
            TIMES[(int)i] = System.nanoTime();
            EVENTS[(int)i] = stage << 24 | Math.min(count, 0xFFFFFF);
        }
    }

    private static void dump(final Path file)
    {
        final int n = (int)Math.min(NEXT.get(), CAPACITY);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file)))
        {
            out.println("ns,stage,count");
            for (int i = 0; i < n; i++)
            {
                out.println(TIMES[i] + "," + NAMES[EVENTS[i] >>> 24] + "," + (EVENTS[i] & 0xFFFFFF));
            }
        }
        catch (final IOException ex)
        {
            System.err.println("wow: cannot write the packet trace " + file + ": " + ex.getMessage());
        }
    }
}
