package wow.controlplane.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Every FIB version a node publishes, appended to a Chronicle Queue in {@code STATE_DIR/fib}
 * (hourly files; files older than the retention are deleted as new ones start, so the journal
 * cannot fill a disk). The node's conductor appends (opened once, never on the packet path);
 * {@code wow fib dump} reads from another process while the node runs.
 *
 * <pre>
 * excerpt: version i64 | time ms i64 | reason (8-bit string) | entries i32 | entry...
 * entry:   virtual ip i32 | address 20 | has next hop i8 | next hop 20 | endpoint i64 | direct i8 | link type (8-bit string)
 * </pre>
 */
public final class FibJournal implements AutoCloseable
{
    public static final String DIRECTORY = "fib";

    private final ChronicleQueue queue;
    private final ExcerptAppender appender;

    private FibJournal(final ChronicleQueue queue, final boolean write)
    {
        this.queue = queue;
        this.appender = write ? queue.createAppender() : null;
    }

    /**
     * Opens a node's journal for appending.
     *
     * @param retentionHours how many hours of versions to keep (at least 1).
     */
    public static FibJournal openForWriting(final Path stateDir, final int retentionHours)
    {
        final Path dir = stateDir.resolve(DIRECTORY);
        final ChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir.toFile())
            .rollCycle(RollCycles.FAST_HOURLY)
            .storeFileListener((cycle, file) -> prune(dir, file, retentionHours))
            .build();
        return new FibJournal(queue, true);
    }

    /**
     * Opens a node's journal for reading.
     *
     * @throws IllegalStateException naming the directory if there is no journal.
     */
    public static FibJournal openForReading(final Path stateDir)
    {
        final Path dir = stateDir.resolve(DIRECTORY);
        if (!Files.isDirectory(dir))
        {
            throw new IllegalStateException("no FIB journal at " + dir + ": is a node running with this state directory?");
        }
        return new FibJournal(SingleChronicleQueueBuilder.binary(dir.toFile()).readOnly(true)
            .rollCycle(RollCycles.FAST_HOURLY).build(), false);
    }

    /** Deletes cycle files older than the retention, keeping the one just released. */
    private static void prune(final Path dir, final File released, final int retentionHours)
    {
        final long cutoff = System.currentTimeMillis() - Math.max(1, retentionHours) * 3_600_000L;
        final File[] files = dir.toFile().listFiles((d, name) -> name.endsWith(".cq4"));
        if (files == null)
        {
            return;
        }
        for (final File f : files)
        {
            if (!f.equals(released) && f.lastModified() < cutoff)
            {
                f.delete();
            }
        }
    }

    /** Appends a version (conductor thread). */
    public void append(final FibRecord record)
    {
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> b = dc.wire().bytes();
            b.writeLong(record.version());
            b.writeLong(record.timeMs());
            b.write8bit(record.reason());
            b.writeInt(record.entries().size());
            for (final FibRecord.Entry e : record.entries())
            {
                b.writeInt(e.virtualIp());
                b.write(e.address());
                b.writeByte((byte)(e.nextHop() == null ? 0 : 1));
                b.write(e.nextHop() == null ? new byte[20] : e.nextHop());
                b.writeLong(e.endpoint());
                b.writeByte((byte)(e.direct() ? 1 : 0));
                b.write8bit(e.linkType());
            }
        }
    }

    /** @return the latest version, or null if none was journaled. */
    public FibRecord latest()
    {
        final ExcerptTailer tailer = queue.createTailer().direction(TailerDirection.BACKWARD).toEnd();
        try (DocumentContext dc = tailer.readingDocument())
        {
            return dc.isPresent() ? FibRecord.decode(dc.wire().bytes()) : null;
        }
    }

    /**
     * @return the version with this number, else the last one published at or before
     *         {@code atMs} when it is given (not negative), or null.
     */
    public FibRecord find(final long version, final long atMs)
    {
        final ExcerptTailer tailer = queue.createTailer().direction(TailerDirection.BACKWARD).toEnd();
        while (true)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    return null;
                }
                final FibRecord r = FibRecord.decode(dc.wire().bytes());
                if ((version >= 0 && r.version() == version) || (atMs >= 0 && r.timeMs() <= atMs))
                {
                    return r;
                }
            }
        }
    }

    /**
     * Calls {@code sink} with each version published from now on, until {@code running} says stop
     * (polled every 50 ms while idle).
     */
    public void follow(final Consumer<FibRecord> sink, final java.util.function.BooleanSupplier running)
        throws InterruptedException
    {
        final ExcerptTailer tailer = queue.createTailer().toEnd();
        while (running.getAsBoolean())
        {
            boolean read = false;
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (dc.isPresent())
                {
                    sink.accept(FibRecord.decode(dc.wire().bytes()));
                    read = true;
                }
            }
            if (!read)
            {
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close()
    {
        if (appender != null)
        {
            appender.close();
        }
        queue.close();
    }
}
