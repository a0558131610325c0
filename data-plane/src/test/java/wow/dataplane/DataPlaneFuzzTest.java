package wow.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;
import wow.shim.UdpSocket;

/**
 * Fuzz targets (Jazzer) for every parser of the data plane, in the context it runs in: a queue
 * agent with a TAP that speaks virtio-net headers, a FIB with a direct link, a relayed route and
 * a routed one. What arrives from the underlay goes through the wire headers, routed and control
 * frames, IPv4, the TCP coalescer; what arrives from the TAP through the virtio-net header,
 * Ethernet, ARP, DHCP, IPv4, the TSO segmenter and the checksum completion. Anything thrown out
 * of a duty cycle is a finding (bad input must be a counted drop). {@code mvn verify} runs each
 * target once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class DataPlaneFuzzTest
{
    static final long LOCAL_EP = UdpSocket.endpoint(Ipv4.parse("192.0.2.1"), 7000);
    static final long PEER_EP = UdpSocket.endpoint(Ipv4.parse("192.0.2.2"), 7000);
    static final int LOCAL_IP = Ipv4.parse("10.1.0.1");

    /** One agent for the whole run: building one per input would cost more than the input. */
    static final class Harness
    {
        final MemoryTapPort tap = new MemoryTapPort(10);
        final MemoryUdpNetwork net = new MemoryUdpNetwork();
        final MemoryUdpNetwork.Port udp = net.bind(LOCAL_EP);
        final MemoryUdpNetwork.Port peer = net.bind(PEER_EP);
        final CountersFile counters = CountersFile.inMemory(256);
        final RingBuffer up = new ManyToOneRingBuffer(ring());
        final RingBuffer down = new OneToOneRingBuffer(ring());
        final FrameBatch drain = new FrameBatch(64, 2048);
        final QueueAgent agent;

        Harness()
        {
            final int[] links = new int[4];
            for (int i = 0; i < 4; i++)
            {
                links[i] = counters.manager().allocate("link " + i, wow.dataplane.status.CounterTypes.LINK);
            }
            final byte[] peer = address(0x20);
            final Fib fib = new Fib.Builder(LOCAL_IP, 24, address(0x10))
                .link(peer, Ipv4.parse("10.1.0.2"), PEER_EP, 0x11, 0x22, links)
                .route(Ipv4.parse("10.1.0.2"), peer)
                .route(Ipv4.parse("10.1.0.3"), address(0x30))
                .build(1);
            agent = new QueueAgent(0, tap, udp, new FibPublication(fib, () -> { }),
                new QueueCounters(counters.manager(), counters.values(), 0), new byte[] {0x0a, 0, 0, 0, 0, 9}, 1420, up, down,
                () -> { }, System::nanoTime, null);
        }

        void step()
        {
            agent.doWork();
            tap.drainWritten();
            while (peer.receive(drain) > 0)
            {
                drain.count(0);
            }
            up.read((type, buffer, index, length) -> { }, 1024);
        }
    }

    static Harness harness;

    static synchronized Harness harness()
    {
        if (harness == null)
        {
            harness = new Harness();
        }
        return harness;
    }

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

    @FuzzTest(maxDuration = "30s")
    void datagramFromTheUnderlay(final byte[] input)
    {
        final Harness h = harness();
        h.udp.inject(PEER_EP, input);
        h.step();
    }

    @FuzzTest(maxDuration = "30s")
    void frameFromTheTap(final byte[] input)
    {
        final Harness h = harness();
        final int header = Math.min(10, input.length);
        h.tap.inject(Arrays.copyOf(input, 10), Arrays.copyOfRange(input, header, input.length));
        h.step();
    }
}
