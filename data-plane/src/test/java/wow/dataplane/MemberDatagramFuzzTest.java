package wow.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.agrona.BufferUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;

/**
 * Fuzz target (Jazzer) for what a member can make a secure node's data plane read: the input is
 * sealed by the harness with the keys of a link session (first byte even) — so DATA, ROUTED,
 * CONTROL and SESSION headers and what follows them are parsed as from an authenticated peer — or
 * (first byte odd) is the packet inside a routed datagram sealed end to end by a node the receiver
 * has a session with, then sealed for the link: the end-to-end opener, the IPv4 checks and the
 * source check run on it. Anything thrown out of a duty cycle is a finding. {@code mvn verify}
 * runs it once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class MemberDatagramFuzzTest
{
    static final long PEER_EP = QueueAgentTest.PEER_EP;
    static final int LINK_INDEX = 0x1001;
    static final int END_TO_END_INDEX = 0x2002;

    /** One secure agent for the whole run (DataPlaneFuzzTest's harness with sessions), and the keys its peers seal with. */
    static final class Harness
    {
        final UnsafeBuffer scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));
        final AeadBatch seal = AeadBatch.create(true, 1, "jdk");
        final Keypair linkSealer;
        final Keypair endToEndSealer;
        final DataPlaneFuzzTest.Harness node;
        long counter;

        Harness()
        {
            final byte[] k1 = key(1);
            final byte[] k2 = key(2);
            final byte[] k3 = key(3);
            final byte[] k4 = key(4);
            final SessionPublication sessions = new SessionPublication();
            final Keypair link = new Keypair(LINK_INDEX, 0x3003, 0, k1, k2, 0);
            link.endpoint(PEER_EP);
            final Int2ObjectHashMap<Keypair> byIndex = new Int2ObjectHashMap<>();
            byIndex.put(LINK_INDEX, link);
            final Long2ObjectHashMap<Keypair> byEndpoint = new Long2ObjectHashMap<>();
            byEndpoint.put(PEER_EP, link);
            sessions.publish(new SessionTable(byIndex, byEndpoint));
            final Keypair far = new Keypair(END_TO_END_INDEX, 0x4004, 0, k3, k4, 0, QueueAgentTest.FAR_ADDR,
                QueueAgentTest.FAR_IP);
            final Int2ObjectHashMap<Keypair> e2eByIndex = new Int2ObjectHashMap<>();
            e2eByIndex.put(END_TO_END_INDEX, far);
            final Long2ObjectHashMap<Keypair> e2eByAddress = new Long2ObjectHashMap<>();
            e2eByAddress.put(SessionTable.addressKey(new UnsafeBuffer(QueueAgentTest.FAR_ADDR), 0), far);
            sessions.publishEndToEnd(new SessionTable(e2eByIndex, e2eByAddress));
            linkSealer = new Keypair(1, 1, 0, k2, k2, 0);
            endToEndSealer = new Keypair(2, 2, 0, k4, k4, 0);
            node = new DataPlaneFuzzTest.Harness(sessions, 1356);
        }

        static byte[] key(final int seed)
        {
            final byte[] k = new byte[32];
            Arrays.fill(k, (byte)seed);
            return k;
        }

        /** Seals {@code length} bytes at {@code offset + 16} in place behind a SEALED header at {@code offset}. */
        void seal(final Keypair keypair, final int receiver, final int offset, final int length)
        {
            WireHeader.writeSealed(scratch, offset, receiver, counter++);
            seal.reset();
            seal.add(keypair, scratch.addressOffset() + offset, length);
            seal.run();
        }

        void inject(final int length)
        {
            final byte[] datagram = new byte[length];
            scratch.getBytes(0, datagram);
            node.udp.inject(PEER_EP, datagram);
            node.step();
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
    void datagramFromAMember(final byte[] input)
    {
        if (input.length == 0 || input.length > 1400)
        {
            return;
        }
        final Harness h = harness();
        final int n = input.length - 1;
        final int inner = WireHeader.SEALED_LENGTH;
        if ((input[0] & 1) == 0)
        {
            h.scratch.putBytes(inner, input, 1, n);
            h.seal(h.linkSealer, LINK_INDEX, 0, n);
            h.inject(n + WireHeader.SEALED_OVERHEAD);
            return;
        }
        // a routed datagram from FAR, its payload sealed end to end, the whole sealed for the link
        WireHeader.writeRouted(h.scratch, inner, new UnsafeBuffer(QueueAgentTest.FAR_ADDR),
            new UnsafeBuffer(QueueAgentTest.LOCAL_ADDR), 0, WireHeader.DEFAULT_TTL, WireHeader.DELIVERY_EXACT,
            WireHeader.PAYLOAD_SEALED_IPV4);
        final int e2e = inner + WireHeader.ROUTED_LENGTH;
        h.scratch.putBytes(e2e + WireHeader.SEALED_LENGTH, input, 1, n);
        h.seal(h.endToEndSealer, END_TO_END_INDEX, e2e, n);
        final int routed = WireHeader.ROUTED_LENGTH + n + WireHeader.END_TO_END_OVERHEAD;
        h.seal(h.linkSealer, LINK_INDEX, 0, routed);
        h.inject(routed + WireHeader.SEALED_OVERHEAD);
    }
}
