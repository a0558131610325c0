package wow.bench;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import wow.dataplane.QueueAgent;
import wow.dataplane.port.Frames;
import wow.dataplane.port.OutList;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.WireHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Per-segment cost of the offload paths, in the agent, without syscalls:
 * {@code tsoEgress} splits 64 KiB TCP super-frames from the TAP into 1368-byte segments with
 * their checksums and encapsulates them (4 super-frames, 192 segments, per invocation) — to a peer
 * that never said it takes partial checksums ({@code complete}: both checksums computed) or to one
 * that did ({@code partial}: the TCP checksum left to the receiver's kernel);
 * {@code coalescingIngress} takes 64 DATA datagrams of one TCP flow in order, checks them and
 * merges them into GSO super-frames for the TAP (per invocation: 64 segments).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.ADD_EXPORTS_MISC, Flags.ADD_EXPORTS_NIO})
public class OffloadBenchmark
{
    static final int MSS = 1368;
    static final int SUPER_FRAMES = 4;
    static final int SEGMENTS_PER_SUPER_FRAME = 48;

    /** Egress state: a TAP handing over TSO super-frames. */
    @State(Scope.Thread)
    public static class Tso
    {
        @Param({"complete", "partial"})
        public String checksum;

        QueueAgent agent;
        ReplayTapPort tap;
        WirePair.End sink;

        @Setup
        public void setUp()
        {
            final byte[] packet = Frames.tcp(BenchNodes.IP_A, BenchNodes.IP_B, 40000, 5201, 1, 0x10,
                new byte[MSS * SEGMENTS_PER_SUPER_FRAME], 7);
            final UnsafeBuffer p = new UnsafeBuffer(packet);
            p.putShort(36, (short)Checksum.fold(Checksum.ipv4PseudoHeader(p, 0, 6, packet.length - 20)), ByteOrder.BIG_ENDIAN);
            final byte[] vnet = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte)1).put((byte)1)
                .putShort((short)(14 + 52)).putShort((short)MSS).putShort((short)34).putShort((short)16).array();
            tap = new ReplayTapPort(Frames.ethernet(packet), vnet, SUPER_FRAMES);
            final WirePair wire = new WirePair(BenchNodes.EP_A, BenchNodes.EP_B);
            sink = wire.a;
            agent = BenchNodes.agent(true, tap, sink);
            if (checksum.equals("partial"))
            {
                // the peer's DATA says it takes partial checksums: A learns it on its next duty cycle
                final byte[] ip = Frames.ipv4(BenchNodes.IP_B, BenchNodes.IP_A, 100, 1);
                final UnsafeBuffer d = new UnsafeBuffer(BufferUtil.allocateDirectAligned(WireHeader.DATA_LENGTH + ip.length, 64));
                WireHeader.writeLinkHeader(d, 0, WireHeader.TYPE_DATA, WireHeader.FLAG_TAKES_PARTIAL, BenchNodes.ID_AT_A);
                d.putBytes(WireHeader.DATA_LENGTH, ip);
                final OutList one = new OutList(1);
                one.add(d, 0, d.capacity(), BenchNodes.EP_A); // OutList holds addresses: off-heap only
                wire.b.send(one, 0, new UdpPort.SendResult());
                agent.doWork();
                sink.sent = 0;
                tap.reads = 0;
            }
        }

        @TearDown(Level.Iteration)
        public void check()
        {
            if (sink.sent != tap.reads * SUPER_FRAMES * SEGMENTS_PER_SUPER_FRAME)
            {
                throw new IllegalStateException("segmentation lost packets: " + sink.sent);
            }
        }
    }

    /** Ingress state: a socket delivering one batch of in-order segments of one flow. */
    @State(Scope.Thread)
    public static class Coalescing
    {
        QueueAgent agent;
        WirePair.SinkTap tap;
        ReplayUdpPort udp;

        @Setup
        public void setUp()
        {
            final byte[][] datagrams = new byte[QueueAgent.BATCH][];
            for (int i = 0; i < datagrams.length; i++)
            {
                final byte[] segment = Frames.tcp(BenchNodes.IP_A, BenchNodes.IP_B, 5201, 40000, 1L + (long)i * MSS, 0x10,
                    new byte[MSS], 7);
                final UnsafeBuffer d = new UnsafeBuffer(new byte[WireHeader.DATA_LENGTH + segment.length]);
                WireHeader.writeLinkHeader(d, 0, WireHeader.TYPE_DATA, BenchNodes.ID_AT_B);
                d.putBytes(WireHeader.DATA_LENGTH, segment);
                datagrams[i] = d.byteArray();
            }
            tap = new WirePair.SinkTap(10);
            udp = new ReplayUdpPort(datagrams, BenchNodes.EP_A);
            agent = BenchNodes.agent(false, tap, udp);
        }

        @TearDown(Level.Iteration)
        public void check()
        {
            if (tap.written != udp.receives * 2)
            {
                throw new IllegalStateException("expected two super-frames per batch, wrote " + tap.written);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(SUPER_FRAMES * SEGMENTS_PER_SUPER_FRAME)
    public int tsoEgress(final Tso state)
    {
        return state.agent.doWork();
    }

    @Benchmark
    @OperationsPerInvocation(QueueAgent.BATCH)
    public int coalescingIngress(final Coalescing state)
    {
        return state.agent.doWork();
    }
}
