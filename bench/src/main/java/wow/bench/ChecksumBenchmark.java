package wow.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import wow.dataplane.protocol.Checksum;

/**
 * (e) The Internet checksum of one segment's TCP header and payload, as the user-space TSO
 * computes it for every segment it cuts from a super-frame (off-heap, at an odd offset as in a
 * frame batch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
public class ChecksumBenchmark
{
    @Param({"64", "1388"})
    public int size;

    private UnsafeBuffer buffer;

    @Setup
    public void setUp()
    {
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < buffer.capacity(); i++)
        {
            buffer.putByte(i, (byte)random.nextInt());
        }
    }

    @Benchmark
    public long sum()
    {
        return Checksum.sumLittleEndian(buffer, 34, size);
    }
}
