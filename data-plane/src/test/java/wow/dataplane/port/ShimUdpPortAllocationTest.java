package wow.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import wow.shim.UdpSocket;

/**
 * The real socket's batch calls allocate nothing: each crosses into the shim with at most five
 * arguments (JNR-FFI marshals longer argument lists into a new heap array on every call), with
 * and without UDP segmentation and receive offload. Loopback only.
 */
class ShimUdpPortAllocationTest
{
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sendAndReceiveAllocateNothing(final boolean offload) throws Exception
    {
        final Inet4Address loopback = (Inet4Address)InetAddress.getByName("127.0.0.1");
        try (UdpSocket a = UdpSocket.open(loopback, 0, false); UdpSocket b = UdpSocket.open(loopback, 0, false))
        {
            if (offload)
            {
                a.offload();
                b.offload();
            }
            final ShimUdpPort from = new ShimUdpPort(a);
            final ShimUdpPort to = new ShimUdpPort(b);
            final long endpoint = UdpSocket.endpoint(0x7F000001, b.port());
            final UnsafeBuffer payload = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(1200, 64));
            final OutList out = new OutList(8);
            final FrameBatch in = new FrameBatch(64, 2048);
            final UdpPort.SendResult result = new UdpPort.SendResult();
            final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            long received = 0;
            long allocated = 0;
            for (int round = 0; round < 2_000; round++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                out.reset();
                for (int i = 0; i < 8; i++)
                {
                    out.add(payload, 0, payload.capacity(), endpoint);
                }
                assertEquals(8, from.send(out, 0, result));
                assertEquals(0, result.refused);
                int n;
                while ((n = to.receive(in)) > 0)
                {
                    received += n;
                }
                assertTrue(to.drained(), "a receive that found nothing says the socket is empty");
                if (round >= 1_000) // after the JIT compiled the calls
                {
                    allocated += threads.getCurrentThreadAllocatedBytes() - before;
                }
            }
            assertEquals(16_000, received);
            assertEquals(0, allocated, "bytes allocated by 1,000 rounds of sends and receives");
        }
    }
}
