package wow.bench;

import org.agrona.BufferUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * (b) Hand-off of packets between two threads through an Agrona one-to-one ring buffer, the
 * mechanism between the data plane and the conductor: the producer copies a frame in, the
 * consumer reads it out. Attempts on a full or empty ring are not counted: the {@code handed}
 * counter is frames that crossed, per microsecond (ns per frame = 1000 / score).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
public class RingHandoffBenchmark
{
    @Param({"64", "1400"})
    public int size;

    private OneToOneRingBuffer ring;
    private UnsafeBuffer frame;

    @Setup
    public void setUp()
    {
        ring = new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(size, 64));
    }

    /** Frames the consumer received and checked. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Handed
    {
        public long handed;
        long checksum;
        final MessageHandler handler = (type, buffer, index, length) ->
        {
            checksum += buffer.getLong(index + length - 8);
            handed++;
        };

        @Setup(Level.Iteration)
        public void reset()
        {
            handed = 0;
        }
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public boolean produce()
    {
        return ring.write(1, frame, 0, size);
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public int consume(final Handed handed)
    {
        return ring.read(handed.handler, 64);
    }
}
