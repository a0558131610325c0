package wow.dataplane.status;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A node's live counters in a memory-mapped file (Aeron's CnC idea): the node allocates and
 * updates them, and {@code wow counters} reads them from another process while the node runs.
 *
 * <pre>
 *  0: magic "WOWCNTR1" (8) | 8: layout version (4) | 12: metadata length (4)
 * 16: values length (4)    | 20: unused (4)        | 24: pid (8) | 32: start time ms (8)
 * 64: metadata buffer (CountersManager metadata records)
 * 64 + metadata length: values buffer
 * </pre>
 *
 * Allocation ({@link #manager()}) belongs to the thread that wires the node and then to the
 * conductor; agents only update counters they were given.
 */
public final class CountersFile implements AutoCloseable
{
    public static final long MAGIC = 0x3152544E43574F57L; // "WOWCNTR1" little-endian
    public static final int LAYOUT_VERSION = 1;
    public static final int HEADER_LENGTH = 64;
    /** Counters a node allocates besides its links' and its queues': the conductor's and the sessions', with room to spare. */
    public static final int BASE_COUNTERS = 512;

    /** @return the counters a node needs with at most {@code links} links and {@code queues} queues. */
    public static int capacityFor(final int links, final int queues)
    {
        return BASE_COUNTERS + links * CounterTypes.LINK_COUNTERS.length + queues * QueueCounters.PER_QUEUE;
    }

    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final UnsafeBuffer values;

    private CountersFile(final MappedByteBuffer mapped, final CountersManager manager, final UnsafeBuffer values)
    {
        this.mapped = mapped;
        this.manager = manager;
        this.values = values;
    }

    /** Creates (or replaces) the counters file of a node with room for {@code counters} counters. */
    public static CountersFile create(final Path file, final int counters)
    {
        final int valuesLength = counters * CountersReader.COUNTER_LENGTH;
        final int metadataLength = counters * CountersReader.METADATA_LENGTH;
        final long length = HEADER_LENGTH + (long)metadataLength + valuesLength;
        try
        {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(file);
            final MappedByteBuffer mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
            {
                ch.truncate(length);
                mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            final UnsafeBuffer all = new UnsafeBuffer(mapped);
            all.setMemory(0, HEADER_LENGTH, (byte)0);
            all.putInt(8, LAYOUT_VERSION);
            all.putInt(12, metadataLength);
            all.putInt(16, valuesLength);
            all.putLong(24, ProcessHandle.current().pid());
            all.putLong(32, System.currentTimeMillis());
            final UnsafeBuffer metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
            final UnsafeBuffer values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength);
            final CountersManager manager = new CountersManager(
                metadata, values, StandardCharsets.US_ASCII, System::currentTimeMillis, 1000);
            all.putLongVolatile(0, MAGIC);
            return new CountersFile(mapped, manager, values);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create counters file " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** Counters in memory only, for tests and benchmarks. */
    public static CountersFile inMemory(final int counters)
    {
        final UnsafeBuffer metadata = new UnsafeBuffer(
            java.nio.ByteBuffer.allocateDirect(counters * CountersReader.METADATA_LENGTH));
        final UnsafeBuffer values =
            new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(counters * CountersReader.COUNTER_LENGTH));
        return new CountersFile(null, new CountersManager(metadata, values, StandardCharsets.US_ASCII), values);
    }

    /**
     * Opens another process's counters file for reading.
     *
     * @throws IllegalStateException naming the problem if the file is not a WOW counters file.
     */
    public static CountersReader openReader(final Path file)
    {
        if (!Files.isRegularFile(file))
        {
            throw new IllegalStateException("no counters file at " + file + ": is a node running with this state directory?");
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "counters");
        final UnsafeBuffer all = new UnsafeBuffer(mapped);
        if (all.capacity() < HEADER_LENGTH || all.getLongVolatile(0) != MAGIC || all.getInt(8) != LAYOUT_VERSION)
        {
            throw new IllegalStateException(file + " is not a WOW counters file of layout " + LAYOUT_VERSION);
        }
        final int metadataLength = all.getInt(12);
        final int valuesLength = all.getInt(16);
        if (HEADER_LENGTH + (long)metadataLength + valuesLength > all.capacity())
        {
            throw new IllegalStateException(file + " is truncated");
        }
        return new CountersReader(
            new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength),
            StandardCharsets.US_ASCII);
    }

    /** @return the pid recorded in a counters file. */
    public static long pid(final Path file)
    {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "counters");
        try
        {
            return new UnsafeBuffer(mapped).getLong(24);
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    public CountersManager manager()
    {
        return manager;
    }

    /** @return the values buffer, for agents that add to link counters by id. */
    public UnsafeBuffer values()
    {
        return values;
    }

    @Override
    public void close()
    {
        if (mapped != null)
        {
            IoUtil.unmap(mapped);
        }
    }
}
