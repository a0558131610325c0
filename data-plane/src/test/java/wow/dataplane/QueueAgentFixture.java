package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;
import wow.shim.UdpSocket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link QueueAgent} over in-memory ports (a TAP, a socket, its link peer's socket, the control
 * rings) with a FIB of one link and two routes, and the helpers its tests share. The test thread is
 * the agent's.
 */
abstract class QueueAgentFixture
{
    static final int LOCAL_IP = Ipv4.parse("10.1.0.1");
    static final int PEER_IP = Ipv4.parse("10.1.0.2");
    static final int FAR_IP = Ipv4.parse("10.1.0.3");
    static final long LOCAL_EP = UdpSocket.endpoint(Ipv4.parse("192.0.2.1"), 7000);
    static final long PEER_EP = UdpSocket.endpoint(Ipv4.parse("192.0.2.2"), 7000);
    static final int LOCAL_LINK_ID = 0x11;
    static final int PEER_LINK_ID = 0x22;
    static final byte[] LOCAL_ADDR = address(0x10);
    static final byte[] PEER_ADDR = address(0x20);
    static final byte[] FAR_ADDR = address(0x30);
    static final byte[] TAP_MAC = {0x0a, 0, 0, 0, 0, 0x09};

    final MemoryTapPort tap = new MemoryTapPort();
    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final MemoryUdpNetwork.Port udp = net.bind(LOCAL_EP);
    final MemoryUdpNetwork.Port peer = net.bind(PEER_EP);
    final CountersFile countersFile = CountersFile.inMemory(256);
    final QueueCounters counters = new QueueCounters(countersFile.manager(), countersFile.values(), 0);
    final RingBuffer up = new ManyToOneRingBuffer(ring());
    final RingBuffer down = new OneToOneRingBuffer(ring());
    int[] linkCounters;
    /** The agent's clock, stepped by hand. */
    final long[] nowNs = {1_000_000_000L};
    FibPublication fibs;
    QueueAgent agent;

    static byte[] address(final int first)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)first;
        return a;
    }

    static UnsafeBuffer ring()
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(65536 + RingBufferDescriptor.TRAILER_LENGTH, 64));
    }

    Fib fib(final long version, final int remoteId)
    {
        return new Fib.Builder(LOCAL_IP, 24, LOCAL_ADDR)
            .link(PEER_ADDR, PEER_IP, PEER_EP, LOCAL_LINK_ID, remoteId, linkCounters)
            .route(PEER_IP, PEER_ADDR)
            .route(FAR_IP, FAR_ADDR)
            .build(version);
    }

    @BeforeEach
    void setUp()
    {
        linkCounters = new int[4];
        for (int i = 0; i < 4; i++)
        {
            linkCounters[i] = countersFile.manager().allocate("link " + CounterTypes.LINK_COUNTERS[i], CounterTypes.LINK);
        }
        fibs = new FibPublication(fib(1, PEER_LINK_ID), () -> { });
        agent = new QueueAgent(0, tap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
    }

    long linkCounter(final int which)
    {
        return countersFile.manager().getCounterValue(linkCounters[which]);
    }

    List<byte[]> received(final MemoryUdpNetwork.Port port)
    {
        final wow.dataplane.port.FrameBatch batch = new wow.dataplane.port.FrameBatch(64, 2048);
        final List<byte[]> out = new ArrayList<>();
        while (port.receive(batch) > 0)
        {
            for (int i = 0; i < batch.count(); i++)
            {
                out.add(batch.copy(i));
            }
        }
        return out;
    }

    static byte[] data(final int linkId, final byte[] ipv4)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[WireHeader.DATA_LENGTH + ipv4.length]);
        WireHeader.writeLinkHeader(b, 0, WireHeader.TYPE_DATA, linkId);
        b.putBytes(WireHeader.DATA_LENGTH, ipv4);
        return b.byteArray();
    }

    static byte[] vnet(final int flags, final int gsoType, final int gsoSize, final int csumStart, final int csumOffset)
    {
        return ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte)flags).put((byte)gsoType)
            .putShort((short)0).putShort((short)gsoSize).putShort((short)csumStart).putShort((short)csumOffset).array();
    }
}
