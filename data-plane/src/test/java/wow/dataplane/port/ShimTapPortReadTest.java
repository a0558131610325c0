package wow.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * How the real TAP port reads: after the queue was found empty, a read takes the one frame that
 * woke the thread and returns without a second read (which would find nothing and delay the
 * frame's delivery by a system call), and still says "drained", so that the agent goes to poll
 * rather than spend a read that finds the queue empty after the frame was sent; the read after
 * that poll takes a whole batch. A non-blocking UDP socket on loopback stands in for the TAP queue
 * (read() takes one datagram, as it takes one frame from a TAP), so no privileges are needed.
 */
class ShimTapPortReadTest
{
    private static final int LOOPBACK = Integer.reverseBytes(0x7f000001); // 127.0.0.1 in network byte order

    @Test
    void aLoneFrameIsReadAloneAndThePortThenWaitsForPoll() throws Exception
    {
        final LibWow lib = Shim.lib();
        final int fd = lib.wow_udp_open(LOOPBACK, 0, 0, 0);
        assertTrue(fd >= 0, "udp socket: " + fd);
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            final InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), lib.wow_udp_local_port(fd));
            final ShimTapPort tap = new ShimTapPort(fd, 0, false);
            final FrameBatch batch = new FrameBatch(8, 2048);
            assertTrue(tap.drained(), "a new port has nothing known to read");

            send(sender, to, 100, 101, 102);
            assertEquals(1, tap.read(batch), "after the queue was empty, the frame that woke the thread is read alone");
            assertEquals(100, batch.length(0));
            assertTrue(tap.drained(), "after a lone frame the agent polls instead of reading the queue empty");
            assertEquals(2, tap.read(batch), "the read after the poll takes what is left as one batch");
            assertEquals(101, batch.length(0));
            assertEquals(102, batch.length(1));
            assertTrue(tap.drained(), "that batch ended at an empty queue");

            assertEquals(0, tap.read(batch), "nothing waiting: one read finds the queue empty");
            assertTrue(tap.drained());
            send(sender, to, 103);
            assertEquals(1, tap.read(batch), "the next frame after an empty queue is read alone again");
            assertEquals(103, batch.length(0));
            assertTrue(tap.drained());

            // a frame written to the queue now (a delivered echo request) may be answered at once:
            // the next read takes that answer alone, before it is sent, not with the read after it
            final OutList out = new OutList(1);
            out.add(new UnsafeBuffer(new byte[64]), 0, 64, 0);
            tap.write(out); // the stand-in socket has no peer: the kernel refuses the frame, the port still learns of it
            send(sender, to, 104, 105);
            assertEquals(1, tap.read(batch), "after a write while the queue was about empty, one frame is read alone");
            assertEquals(104, batch.length(0));
            assertTrue(tap.drained());
            assertEquals(1, tap.read(batch));
            assertEquals(105, batch.length(0));
            assertEquals(0, tap.readErrors());
        }
        finally
        {
            lib.wow_close(fd);
        }
    }

    /** Sends one datagram of each length and waits until all are queued on the socket. */
    private static void send(final DatagramSocket sender, final InetSocketAddress to, final int... lengths) throws Exception
    {
        for (final int length : lengths)
        {
            sender.send(new DatagramPacket(new byte[length], length, to));
        }
        Thread.sleep(50); // loopback delivers in the sending call; the pause only guards a slow scheduler
    }
}
