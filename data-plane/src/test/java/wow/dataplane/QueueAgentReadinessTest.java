package wow.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.junit.jupiter.api.Test;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.QueueCounters;

/**
 * Once poll reports which of its fds are readable, a queue agent reads only those, and a port a
 * read found empty is not read again until poll says so (or packets the TAP's kernel may answer
 * within the write were just delivered): an idle wake-up costs no reads that find nothing.
 */
class QueueAgentReadinessTest
{
    /** A port that counts reads and says, as a real one does, whether the last read emptied it. */
    static final class CountingTap implements TapPort
    {
        final MemoryTapPort port = new MemoryTapPort();
        int reads;
        boolean drained;

        @Override
        public int read(final FrameBatch batch)
        {
            reads++;
            final int n = port.read(batch);
            drained = n < batch.slots();
            return n;
        }

        @Override
        public int write(final OutList frames)
        {
            return port.write(frames);
        }

        @Override
        public boolean drained()
        {
            return drained;
        }

        @Override
        public int pollFd()
        {
            return 7;
        }
    }

    static final class CountingUdp implements UdpPort
    {
        final MemoryUdpNetwork.Port port;
        int reads;
        boolean drained;

        CountingUdp(final MemoryUdpNetwork.Port port)
        {
            this.port = port;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            reads++;
            final int n = port.receive(batch);
            drained = n < batch.slots();
            return n;
        }

        @Override
        public int send(final OutList datagrams, final int from, final SendResult result)
        {
            return port.send(datagrams, from, result);
        }

        @Override
        public boolean awaitWritable(final int timeoutMs)
        {
            return true;
        }

        @Override
        public boolean drained()
        {
            return drained;
        }

        @Override
        public int pollFd()
        {
            return 8;
        }

        @Override
        public int port()
        {
            return port.port();
        }
    }

    final QueueAgentTest base = new QueueAgentTest();
    final CountingTap tap = new CountingTap();
    final CountingUdp udp = new CountingUdp(base.udp);
    final CountersFile countersFile = CountersFile.inMemory(256);
    final QueueAgent agent;

    QueueAgentReadinessTest()
    {
        base.setUp();
        agent = new QueueAgent(0, tap, udp, new FibPublication(base.fib(1, QueueAgentTest.PEER_LINK_ID), () -> { }),
            new QueueCounters(countersFile.manager(), countersFile.values(), 0), QueueAgentTest.TAP_MAC, 1420,
            new ManyToOneRingBuffer(QueueAgentTest.ring()), new OneToOneRingBuffer(QueueAgentTest.ring()), () -> { },
            () -> 1_000_000_000L, null);
    }

    void reads(final int tapReads, final int udpReads)
    {
        assertEquals(tapReads, tap.reads, "TAP reads");
        assertEquals(udpReads, udp.reads, "socket reads");
    }

    @Test
    void readsOnlyWhatPollFoundReadable()
    {
        assertEquals(2, agent.pollFds().length);
        agent.doWork();
        agent.doWork();
        reads(2, 2); // no poll yet: every duty cycle reads both, as with ports that cannot be polled

        agent.ready(0); // a poll that timed out: what was read before it found both empty, so no more reads
        agent.doWork();
        reads(3, 3);
        agent.doWork();
        reads(3, 3);

        agent.ready(0b10); // the socket
        agent.doWork();
        agent.doWork();
        reads(3, 4);

        // a frame that poll has not reported yet waits for it, then goes out
        tap.port.inject(Frames.ethernet(Frames.ipv4(QueueAgentTest.LOCAL_IP, QueueAgentTest.PEER_IP, 100, 1)));
        agent.doWork();
        reads(3, 4);
        agent.ready(0b101); // the TAP (and the wake-up eventfd, bit 2, which is not a port)
        assertEquals(1, agent.doWork());
        agent.doWork();
        reads(4, 4);
        assertEquals(1, base.received(base.peer).size());

        agent.ready(-1L); // spinning: anything may be there
        agent.doWork();
        reads(5, 5);
    }

    @Test
    void readsTheTapOnceAfterDeliveringWhatItsKernelMayAnswerAtOnce()
    {
        agent.ready(0);
        agent.doWork();
        agent.doWork();
        reads(1, 1);
        deliver(Frames.ipv4(QueueAgentTest.PEER_IP, QueueAgentTest.LOCAL_IP, 200, 5));
        reads(1, 2); // UDP: a process answers later, if at all, and poll will say so
        deliver(icmp(0));
        reads(1, 3); // nor does anyone answer an echo reply
        deliver(icmp(8));
        reads(2, 4); // an echo request's reply may be waiting: one read, then poll decides again
        final byte[] tcp = Frames.ipv4(QueueAgentTest.PEER_IP, QueueAgentTest.LOCAL_IP, 200, 6);
        tcp[9] = 6;
        deliver(tcp);
        reads(3, 5); // so may an ACK or more data
    }

    /** Hands the agent one DATA datagram from the peer, as poll reports it, and lets it run. */
    private void deliver(final byte[] packet)
    {
        base.udp.inject(QueueAgentTest.PEER_EP, QueueAgentTest.data(QueueAgentTest.LOCAL_LINK_ID, packet));
        agent.ready(0b10);
        agent.doWork();
        assertEquals(1, tap.port.drainWritten().size());
        agent.doWork();
        agent.doWork();
    }

    /** An ICMP packet of the given type from the peer to this node. */
    private static byte[] icmp(final int type)
    {
        final byte[] p = Frames.ipv4(QueueAgentTest.PEER_IP, QueueAgentTest.LOCAL_IP, 64, 3);
        p[9] = 1;
        p[20] = (byte)type;
        return p;
    }
}
