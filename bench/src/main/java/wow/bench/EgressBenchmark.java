package wow.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;
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

import java.util.concurrent.TimeUnit;

/**
 * (a) Per-packet cost of egress without syscalls: Ethernet/IPv4 decode, FIB lookup among 200
 * routes, DATA header written in place, send list built. One invocation is one batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
@OperationsPerInvocation(QueueAgent.BATCH)
public class EgressBenchmark
{
    @Param({"64", "1400"})
    public int size;

    private QueueAgent agent;
    private ReplayTapPort tap;
    private WirePair.End sink;

    @Setup
    public void setUp()
    {
        tap = new ReplayTapPort(BenchNodes.frameAtoB(size));
        sink = WirePair.sink(BenchNodes.EP_A);
        agent = BenchNodes.agent(true, tap, sink);
    }

    @Benchmark
    public int egressBatch()
    {
        return agent.doWork();
    }

    @TearDown(Level.Iteration)
    public void check()
    {
        if (sink.sent != tap.reads * QueueAgent.BATCH)
        {
            throw new IllegalStateException("egress dropped packets: " + sink.sent + " sent of " + tap.reads * QueueAgent.BATCH);
        }
    }
}
