package wow.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;

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
    static final long PEER_EP = QueueAgentTest.PEER_EP;

    /** One agent for the whole run: building one per input would cost more than the input. */
    static final class Harness
    {
        final MemoryTapPort tap = new MemoryTapPort(10);
        final MemoryUdpNetwork net = new MemoryUdpNetwork();
        final MemoryUdpNetwork.Port udp = net.bind(QueueAgentTest.LOCAL_EP);
        final MemoryUdpNetwork.Port peer = net.bind(PEER_EP);
        final CountersFile counters = CountersFile.inMemory(256);
        final RingBuffer up = new ManyToOneRingBuffer(QueueAgentTest.ring());
        final RingBuffer down = new OneToOneRingBuffer(QueueAgentTest.ring());
        final FrameBatch drain = new FrameBatch(64, 2048);
        final QueueAgent agent;

        Harness()
        {
            this(null, 1420);
        }

        /** @param sessions a secure agent's sessions (null: an insecure one); @param innerMtu its largest IPv4 packet. */
        Harness(final wow.dataplane.crypto.SessionPublication sessions, final int innerMtu)
        {
            final int[] links = new int[4];
            for (int i = 0; i < 4; i++)
            {
                links[i] = counters.manager().allocate("link " + i, wow.dataplane.status.CounterTypes.LINK);
            }
            final Fib fib = new Fib.Builder(QueueAgentTest.LOCAL_IP, 24, QueueAgentTest.LOCAL_ADDR)
                .link(QueueAgentTest.PEER_ADDR, QueueAgentTest.PEER_IP, PEER_EP, QueueAgentTest.LOCAL_LINK_ID,
                    QueueAgentTest.PEER_LINK_ID, links)
                .route(QueueAgentTest.PEER_IP, QueueAgentTest.PEER_ADDR)
                .route(QueueAgentTest.FAR_IP, QueueAgentTest.FAR_ADDR)
                .build(1);
            agent = new QueueAgent(0, tap, udp, new FibPublication(fib, () -> { }),
                new QueueCounters(counters.manager(), counters.values(), 0), QueueAgentTest.TAP_MAC, innerMtu, up, down,
                () -> { }, System::nanoTime, sessions);
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
