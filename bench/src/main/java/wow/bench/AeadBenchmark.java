package wow.bench;

import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import wow.dataplane.QueueAgent;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.protocol.WireHeader;

/**
 * (d) AES-256-GCM seal and open of one datagram, per packet of a 64-datagram batch: Intel's
 * ipsec-mb and the system's libcrypto through the shim (one native call per batch) against the
 * JDK's provider (an init per packet). Each invocation seals the batch with fresh counters and
 * opens it again, checking every tag.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
@OperationsPerInvocation(QueueAgent.BATCH)
public class AeadBenchmark
{
    @Param({"ipsec-mb", "libcrypto", "jdk"})
    public String implementation;

    @Param({"64", "1400"})
    public int size;

    private static final int STRIDE = 2048;
    private AeadBatch seal;
    private AeadBatch open;
    private Keypair sender;
    private Keypair receiver;
    private UnsafeBuffer buffer;
    private long counter;

    @Setup
    public void setUp()
    {
        final byte[] k1 = new byte[32];
        final byte[] k2 = new byte[32];
        k1[0] = 1;
        k2[0] = 2;
        sender = new Keypair(1, 2, 0, k1, k2, 0);
        receiver = new Keypair(2, 1, 1, k2, k1, 0);
        seal = AeadBatch.create(true, QueueAgent.BATCH, implementation);
        open = AeadBatch.create(false, QueueAgent.BATCH, implementation);
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(STRIDE * QueueAgent.BATCH, 64));
    }

    @Benchmark
    public int sealThenOpenBatch()
    {
        seal.reset();
        open.reset();
        for (int i = 0; i < QueueAgent.BATCH; i++)
        {
            WireHeader.writeSealed(buffer, i * STRIDE, 2, counter++);
            seal.add(sender, buffer.addressOffset() + i * STRIDE, size);
        }
        seal.run();
        for (int i = 0; i < QueueAgent.BATCH; i++)
        {
            open.add(receiver, buffer.addressOffset() + i * STRIDE, size);
        }
        if (open.run() != QueueAgent.BATCH)
        {
            throw new IllegalStateException("a tag did not verify");
        }
        return QueueAgent.BATCH;
    }
}
