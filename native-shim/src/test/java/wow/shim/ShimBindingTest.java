package wow.shim;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exercises every batch binding of the shim over loopback UDP, with argument values that would
 * show a garbled parameter (JNR-FFI's six-argument bug made reads do nothing at all).
 */
class ShimBindingTest
{
    static final LibWow LIB = Shim.lib();

    static Inet4Address loopback() throws Exception
    {
        return (Inet4Address)InetAddress.getByName("127.0.0.1");
    }

    static Pointer direct(final int size)
    {
        return Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), size, true);
    }

    static long address(final Pointer p)
    {
        return p.address();
    }

    /** @return the address of a new {@code struct wow_slots}: buf, lens, endpoints, stride, capacity. */
    static long slots(final long buf, final long lens, final long endpoints, final int stride, final int capacity)
    {
        final Pointer p = direct(32);
        p.putLong(0, buf);
        p.putLong(8, lens);
        p.putLong(16, endpoints);
        p.putInt(24, stride);
        p.putInt(28, capacity);
        return p.address();
    }

    /** @return the address of a new {@code struct wow_list}: base, offs, lens, endpoints. */
    static long list(final long base, final long offs, final long lens, final long endpoints)
    {
        final Pointer p = direct(32);
        p.putLong(0, base);
        p.putLong(8, offs);
        p.putLong(16, lens);
        p.putLong(24, endpoints);
        return p.address();
    }

    /** wow_udp_send_batch of n datagrams; the refused count goes to {@code refusedAt}; returns those consumed. */
    static int sendBatch(final int fd, final long base, final long offs, final long lens, final long endpoints, final int n,
        final long refusedAt)
    {
        final long r = LIB.wow_udp_send_batch(fd, list(base, offs, lens, endpoints), 0, n);
        Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), refusedAt).putInt(0, (int)(r >> 32));
        return (int)r;
    }

    /** As {@link #sendBatch}, through wow_udp_send_gso. */
    static int sendGso(final int fd, final long base, final long offs, final long lens, final long endpoints, final int n,
        final long refusedAt)
    {
        final long r = LIB.wow_udp_send_gso(fd, list(base, offs, lens, endpoints), 0, n);
        Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), refusedAt).putInt(0, (int)(r >> 32));
        return (int)r;
    }

    /** wow_read_batch; the error goes to {@code errorAt}; returns the frames read. */
    static int readBatch(final int fd, final long buf, final int stride, final int capacity, final long lens, final int n,
        final long errorAt)
    {
        final long r = LIB.wow_read_batch(fd, buf, (long)stride << 32 | capacity, lens, n);
        Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), errorAt).putInt(0, (int)(r >> 32));
        return (int)r;
    }

    @Test
    void sendBatchThenReadBatchAndRecvBatch() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(loopback(), 0, false); UdpSocket b = UdpSocket.open(loopback(), 0, false))
        {
            final Pointer data = direct(4096);
            final Pointer offs = direct(64);
            final Pointer lens = direct(64);
            final Pointer eps = direct(128);
            final Pointer refused = direct(8);
            final long to = UdpSocket.endpoint(0x7F000001, b.port());
            for (int i = 0; i < 5; i++)
            {
                offs.putLong(i * 8, i * 100);
                lens.putInt(i * 4, 10 + i);
                eps.putLong(i * 8, to);
                data.putByte(i * 100, (byte)(0x40 + i));
            }
            assertEquals(5, sendBatch(a.fd(), address(data), address(offs), address(lens), address(eps), 5,
                address(refused)));
            assertEquals(0, refused.getInt(0));
            assertEquals(1, LIB.wow_poll_out(a.fd(), 10));

            // read() on a datagram socket takes one datagram per call: 3 via read_batch, 2 via recvmmsg
            final Pointer in = direct(8192);
            final Pointer inLens = direct(64);
            final Pointer err = direct(8);
            final Pointer fds = direct(8);
            fds.putInt(0, b.fd());
            assertEquals(1, LIB.wow_poll(address(fds), 1, -1, 1000));
            fds.putInt(0, a.fd()); // nothing to read on a: poll's mask names only the readable fd (bit 1)
            fds.putInt(4, b.fd());
            assertEquals(0b10, LIB.wow_poll(address(fds), 2, -1, 1000));
            assertEquals(3, readBatch(b.fd(), address(in), 512, 500, address(inLens), 3, address(err)));
            assertEquals(0, err.getInt(0));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(10 + i, inLens.getInt(i * 4));
                assertEquals(0x40 + i, in.getByte(i * 512));
            }
            final Pointer from = direct(128);
            assertEquals(2, LIB.wow_udp_recv_batch(b.fd(), slots(address(in), address(inLens), address(from), 512,
                500), 64, address(direct(8))));
            assertEquals(13, inLens.getInt(0));
            assertEquals(0x44, in.getByte(512));
            assertEquals(UdpSocket.endpoint(0x7F000001, a.port()), from.getLong(0));
            assertEquals(0, LIB.wow_udp_recv_batch(b.fd(), slots(address(in), address(inLens), address(from), 512,
                500), 64, address(direct(8))),
                "nothing left: 0, not an error");
            assertEquals(0, readBatch(b.fd(), address(in), 512, 500, address(inLens), 3, address(err)));
            assertEquals(0, err.getInt(0));
        }
    }

    @Test
    void reportsTruncatedDatagramsAsMinusOne() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(loopback(), 0, false); UdpSocket b = UdpSocket.open(loopback(), 0, false))
        {
            final Pointer data = direct(4096);
            final Pointer offs = direct(8);
            offs.putLong(0, address(data));
            final Pointer lens = direct(8);
            final Pointer eps = direct(8);
            lens.putInt(0, 3000);
            eps.putLong(0, UdpSocket.endpoint(0x7F000001, b.port()));
            assertEquals(1, sendBatch(a.fd(), 0, address(offs), address(lens), address(eps), 1, address(direct(8))));
            final Pointer fds = direct(8);
            fds.putInt(0, b.fd());
            LIB.wow_poll(address(fds), 1, -1, 1000);
            final Pointer inLens = direct(8);
            assertEquals(1, LIB.wow_udp_recv_batch(b.fd(), slots(address(direct(4096)), address(inLens),
                address(direct(8)), 2048, 2048), 1, address(direct(8))));
            assertEquals(-1, inLens.getInt(0));
        }
    }

    @Test
    void reportsWhatTheKernelDroppedOnAFullReceiveBuffer() throws Exception
    {
        final int rounds = 8 * UdpSocket.DEFAULT_BUFFER_BYTES / (64 * 1400);
        try (UdpSocket a = UdpSocket.open(loopback(), 0, false); UdpSocket b = UdpSocket.open(loopback(), 0, false))
        {
            final Pointer data = direct(65536);
            final Pointer offs = direct(8 * 64);
            final Pointer lens = direct(4 * 64);
            final Pointer eps = direct(8 * 64);
            for (int i = 0; i < 64; i++)
            {
                offs.putLong(i * 8, 0);
                lens.putInt(i * 4, 1400);
                eps.putLong(i * 8, UdpSocket.endpoint(0x7F000001, b.port()));
            }
            // far more than the receive buffer (UdpSocket.DEFAULT_BUFFER_BYTES, doubled by the kernel) holds
            for (int round = 0; round < rounds; round++)
            {
                sendBatch(a.fd(), address(data), address(offs), address(lens), address(eps), 64, address(direct(8)));
            }
            final Pointer drops = direct(8);
            drops.putLong(0, -1);
            final Pointer in = direct(64 * 2048);
            long received = 0;
            int n;
            while ((n = LIB.wow_udp_recv_batch(b.fd(), slots(address(in), address(direct(256)), address(direct(512)),
                2048, 2048), 64, address(drops))) > 0)
            {
                received += n;
            }
            // the kernel reports its count with the next datagram it queues after the drops
            sendBatch(a.fd(), address(data), address(offs), address(lens), address(eps), 1, address(direct(8)));
            received += LIB.wow_udp_recv_batch(b.fd(), slots(address(in), address(direct(256)), address(direct(512)),
                2048, 2048), 64, address(drops));
            assertTrue(drops.getLong(0) > 0, "drops reported");
            assertEquals(rounds * 64 + 1, received + drops.getLong(0),
                "every datagram either received or counted as dropped");
        }
    }

    @Test
    void eventfdWakesPoll()
    {
        final int fd = Shim.check(LIB.wow_eventfd(), "eventfd");
        try
        {
            assertEquals(0, LIB.wow_poll(0, 0, fd, 0));
            LIB.wow_eventfd_signal(fd);
            assertEquals(1, LIB.wow_poll(0, 0, fd, 1000));
            assertEquals(0, LIB.wow_poll(0, 0, fd, 0), "the signal was drained");
        }
        finally
        {
            LIB.wow_close(fd);
        }
    }

    @Test
    void namesTheProblemOnFailure() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(loopback(), 0, false))
        {
            final ShimException inUse = assertThrows(ShimException.class, () -> UdpSocket.open(loopback(), a.port(), false));
            assertEquals("cannot listen on 127.0.0.1:" + a.port() + ": address in use", inUse.getMessage());
            assertEquals(Errno.EADDRINUSE, inUse.errno());
        }
        final ShimException notHere = assertThrows(ShimException.class,
            () -> UdpSocket.open((Inet4Address)InetAddress.getByName("192.0.2.77"), 0, false));
        assertTrue(notHere.getMessage().endsWith("no such address on this host"), notHere.getMessage());
        assertTrue(Errno.describe(Errno.EPERM).startsWith("Operation not permitted"));
        final ShimException badName = assertThrows(ShimException.class,
            () -> TapDevice.open("this-name-is-too-long", 1, 1400, loopback(), 24, false));
        assertTrue(badName.getMessage().startsWith("bad TAP device name"));
    }

    @Test
    void packsEndpoints()
    {
        final long ep = UdpSocket.endpoint(0xC0A80001, 65535);
        assertEquals(0xC0A80001, UdpSocket.endpointAddress(ep));
        assertEquals(65535, UdpSocket.endpointPort(ep));
        assertEquals("192.168.0.1:65535", UdpSocket.endpointToString(ep));
    }
}
