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
 * (c) The whole in-memory pipeline per packet: node A's egress (decode, FIB, encapsulate), the
 * datagram copied across a back-to-back wire, node B's ingress (header checks, link and source
 * checks, Ethernet header rebuilt, TAP write list); on a secure pair A seals the batch and B
 * opens it. Each TAP read copies the frames in, as the kernel does. One invocation moves one batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
@OperationsPerInvocation(QueueAgent.BATCH)
public class PipelineBenchmark
{
    @Param({"64", "1400"})
    public int size;

    /**
     * insecure; secure: every datagram sealed by A and opened by B (AES-256-GCM); secure-routed: B
     * is not linked to A, so A's packets are routed to it and sealed end to end too (two seals, two opens).
     */
    @Param({"insecure", "secure", "secure-routed"})
    public String security;

    private QueueAgent a;
    private QueueAgent b;
    private WirePair.SinkTap tapB;
    private ReplayTapPort tapA;

    @Setup
    public void setUp()
    {
        final WirePair wire = new WirePair(BenchNodes.EP_A, BenchNodes.EP_B);
        tapB = new WirePair.SinkTap();
        tapA = new ReplayTapPort(BenchNodes.frameAtoB(size)).copyingWholeFrames();
        a = BenchNodes.agent(true, tapA, wire.a, !security.equals("insecure"), security.equals("secure-routed"));
        b = BenchNodes.agent(false, tapB, wire.b, !security.equals("insecure"), security.equals("secure-routed"));
    }

    @Benchmark
    public int egressThenIngressBatch()
    {
        return a.doWork() + b.doWork();
    }

    @TearDown(Level.Iteration)
    public void check()
    {
        if (tapB.written != tapA.reads * QueueAgent.BATCH)
        {
            throw new IllegalStateException("pipeline lost packets: " + tapB.written + " of " + tapA.reads * QueueAgent.BATCH);
        }
    }
}
