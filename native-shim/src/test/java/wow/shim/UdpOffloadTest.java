package wow.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * UDP segmentation offload over loopback: runs of datagrams sent as UDP_SEGMENT messages come
 * back through UDP_GRO and the shim's stash one per slot, in order, with their senders; what does
 * not fit a batch waits for the next call.
 */
class UdpOffloadTest
{
    static final LibWow LIB = Shim.lib();
    static final int STRIDE = 2048;

    /** Datagrams to send: lengths and destinations; datagram i's bytes are (i, i+1, ...). */
    static int send(final UdpSocket from, final int[] lengths, final long[] to)
    {
        final int n = lengths.length;
        final Pointer data = ShimBindingTest.direct(n * STRIDE);
        final Pointer offs = ShimBindingTest.direct(n * 8);
        final Pointer lens = ShimBindingTest.direct(n * 4);
        final Pointer eps = ShimBindingTest.direct(n * 8);
        for (int i = 0; i < n; i++)
        {
            offs.putLong(i * 8L, (long)i * STRIDE);
            lens.putInt(i * 4L, lengths[i]);
            eps.putLong(i * 8L, to[i]);
            for (int b = 0; b < lengths[i]; b++)
            {
                data.putByte((long)i * STRIDE + b, (byte)(i + b));
            }
        }
        final Pointer refused = ShimBindingTest.direct(8);
        final int sent = ShimBindingTest.sendGso(from.fd(), ShimBindingTest.address(data),
            ShimBindingTest.address(offs), ShimBindingTest.address(lens), ShimBindingTest.address(eps), n,
                ShimBindingTest.address(refused));
        assertEquals(0, refused.getInt(0));
        return sent;
    }

    /** A receiving batch of {@code slots} slots. */
    static final class Batch
    {
        final int slots;
        final Pointer data;
        final Pointer lens;
        final Pointer eps;

        Batch(final int slots)
        {
            this.slots = slots;
            data = ShimBindingTest.direct(slots * STRIDE);
            lens = ShimBindingTest.direct(slots * 4);
            eps = ShimBindingTest.direct(slots * 8);
        }

        /**
         * @return the lengths of the next {@code n} datagrams (a few calls at most); with
         *         {@code numbered}, datagram k's first byte must be k (as {@link #send} writes them).
         */
        java.util.List<Integer> receiveAll(final UdpSocket socket, final int n, final boolean numbered)
        {
            final java.util.List<Integer> lengths = new java.util.ArrayList<>();
            for (int call = 0; call < 5 && lengths.size() < n; call++)
            {
                final int r = receive(socket);
                for (int k = 0; k < r; k++)
                {
                    if (numbered)
                    {
                        assertEquals((byte)lengths.size(), data.getByte((long)k * STRIDE));
                    }
                    lengths.add(lens.getInt(k * 4L));
                }
            }
            return lengths;
        }

        int receive(final UdpSocket socket)
        {
            final Pointer fds = ShimBindingTest.direct(8);
            fds.putInt(0, socket.fd());
            if (LIB.wow_gro_pending(socket.groStash()) == 0)
            {
                LIB.wow_poll(ShimBindingTest.address(fds), 1, -1, 1000);
            }
            return LIB.wow_udp_recv_gro(socket.groStash(), socket.fd(),
                ShimBindingTest.slots(ShimBindingTest.address(data), ShimBindingTest.address(lens),
                    ShimBindingTest.address(eps), STRIDE, STRIDE - 64), slots,
                        ShimBindingTest.address(ShimBindingTest.direct(8)));
        }
    }

    @Test
    void runsLeaveCoalescedAndArriveOnePerSlotInOrder() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(ShimBindingTest.loopback(), 0, false);
             UdpSocket b = UdpSocket.open(ShimBindingTest.loopback(), 0, false);
             UdpSocket c = UdpSocket.open(ShimBindingTest.loopback(), 0, false))
        {
            a.offload();
            assertTrue(b.offload(), "UDP_GRO on this kernel");
            assertTrue(c.offload());
            final long toB = UdpSocket.endpoint(0x7F000001, b.port());
            final long toC = UdpSocket.endpoint(0x7F000001, c.port());
            // a run of 40 + a shorter last one to b, three small ones to c, five more to b, one empty to b
            final int n = 50;
            final int[] lengths = new int[n];
            final long[] to = new long[n];
            for (int i = 0; i < n; i++)
            {
                lengths[i] = i < 40 ? 1200 : i == 40 ? 300 : i < 44 ? 100 : i < 49 ? 1200 : 0;
                to[i] = i >= 41 && i < 44 ? toC : toB;
            }
            assertEquals(n, send(a, lengths, to));
            final Batch batch = new Batch(16);
            int expected = 0;
            int calls = 0;
            boolean stashed = false;
            while (expected < n && calls++ < 20)
            {
                final int got = batch.receive(b);
                stashed |= LIB.wow_gro_pending(b.groStash()) == 1;
                for (int k = 0; k < got; k++, expected++)
                {
                    if (expected == 41)
                    {
                        expected = 44; // c's
                    }
                    assertEquals(lengths[expected], batch.lens.getInt(k * 4L), "datagram " + expected);
                    assertEquals(UdpSocket.endpoint(0x7F000001, a.port()), batch.eps.getLong(k * 8L));
                    if (lengths[expected] > 0)
                    {
                        assertEquals((byte)expected, batch.data.getByte((long)k * STRIDE));
                        assertEquals((byte)(expected + lengths[expected] - 1),
                            batch.data.getByte((long)k * STRIDE + lengths[expected] - 1));
                    }
                }
            }
            assertEquals(n, expected);
            assertTrue(stashed, "the run arrived as one coalesced datagram, handed out over several calls");
            assertEquals(3, batch.receive(c));
            for (int k = 0; k < 3; k++)
            {
                assertEquals(100, batch.lens.getInt(k * 4L));
                assertEquals((byte)(41 + k), batch.data.getByte((long)k * STRIDE));
            }
            assertEquals(0, LIB.wow_udp_recv_gro(b.groStash(), b.fd(),
                ShimBindingTest.slots(ShimBindingTest.address(batch.data), ShimBindingTest.address(batch.lens),
                    ShimBindingTest.address(batch.eps), STRIDE, STRIDE - 64), 16,
                        ShimBindingTest.address(ShimBindingTest.direct(8))), "nothing left: 0, not an error");
        }
    }

    /** libc, for the one socket option the shim has no call for. */
    public interface LibC
    {
        int setsockopt(int fd, int level, int option, int[] value, int length);
    }

    @Test
    void aRunTheKernelRefusesToSegmentGoesOneDatagramAtATime() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(ShimBindingTest.loopback(), 0, false);
             UdpSocket b = UdpSocket.open(ShimBindingTest.loopback(), 0, false))
        {
            a.offload();
            b.offload();
            // SO_NO_CHECK: the kernel refuses segmentation (EINVAL) for a socket without UDP checksums
            final LibC libc = jnr.ffi.LibraryLoader.create(LibC.class).load("c");
            assertEquals(0, libc.setsockopt(a.fd(), 1, 11, new int[] {1}, 4));
            final long toB = UdpSocket.endpoint(0x7F000001, b.port());
            assertEquals(5, send(a, new int[] {1000, 1000, 1000, 1000, 500}, new long[] {toB, toB, toB, toB, toB}));
            assertEquals(java.util.List.of(1000, 1000, 1000, 1000, 500), new Batch(8).receiveAll(b, 5, true));
        }
    }

    @Test
    void aDatagramLongerThanASlotIsMinusOne() throws Exception
    {
        try (UdpSocket a = UdpSocket.open(ShimBindingTest.loopback(), 0, false);
             UdpSocket b = UdpSocket.open(ShimBindingTest.loopback(), 0, false))
        {
            a.offload();
            b.offload();
            final long toB = UdpSocket.endpoint(0x7F000001, b.port());
            assertEquals(3, send(a, new int[] {2000, 2000, 10}, new long[] {toB, toB, toB}));
            assertEquals(java.util.List.of(-1, -1, 10), new Batch(8).receiveAll(b, 3, false));
        }
    }
}
