package wow.dataplane.port;

import wow.shim.LibWow;
import wow.shim.Shim;
import wow.shim.UdpSocket;

/**
 * A real UDP socket read with recvmmsg and written with sendmmsg through the shim, one native
 * call per batch; with {@link UdpSocket#offload} on, runs of datagrams leave as UDP_SEGMENT sends
 * and coalesced (UDP_GRO) receives are split into the batch's slots by the shim. Called by the
 * agent that owns the socket.
 */
public final class ShimUdpPort implements UdpPort
{
    /** Most datagrams the shim's recvmmsg asks for at once ({@code WOW_MAX_BATCH}). */
    private static final int MAX_BATCH = 1024;

    private final LibWow lib = Shim.lib();
    private final UdpSocket socket;

    private final org.agrona.concurrent.UnsafeBuffer kernelDrops =
        new org.agrona.concurrent.UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(64, 64));

    /** A {@code struct wow_slots} and a {@code struct wow_list} (see LibWow), written before each call. */
    private final org.agrona.concurrent.UnsafeBuffer descriptor =
        new org.agrona.concurrent.UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(64, 64));
    private boolean drained;

    public ShimUdpPort(final UdpSocket socket)
    {
        this.socket = socket;
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        final long stash = socket.groStash();
        descriptor.putLong(0, batch.dataAddress());
        descriptor.putLong(8, batch.lengthsAddress());
        descriptor.putLong(16, batch.endpointsAddress());
        descriptor.putInt(24, batch.stride());
        descriptor.putInt(28, batch.capacity());
        final int n = stash != 0 ?
            lib.wow_udp_recv_gro(stash, socket.fd(), descriptor.addressOffset(), batch.slots(), kernelDrops.addressOffset()) :
            lib.wow_udp_recv_batch(socket.fd(), descriptor.addressOffset(), batch.slots(), kernelDrops.addressOffset());
        final int count = Math.max(0, n);
        // recvmmsg took fewer than it asked for: the socket was empty (an error is read again)
        drained = n >= 0 && (stash != 0 ? lib.wow_gro_more(stash) == 0 : n < Math.min(batch.slots(), MAX_BATCH));
        batch.count(count);
        return count;
    }

    @Override
    public boolean drained()
    {
        return drained;
    }

    @Override
    public int send(final OutList datagrams, final int from, final SendResult result)
    {
        final int n = datagrams.count() - from;
        if (n <= 0)
        {
            result.refused = 0;
            return 0;
        }
        descriptor.putLong(32, 0);
        descriptor.putLong(40, datagrams.addressesAddress());
        descriptor.putLong(48, datagrams.lengthsAddress());
        descriptor.putLong(56, datagrams.endpointsAddress());
        final long list = descriptor.addressOffset() + 32;
        final long sent = socket.segmentation() ? lib.wow_udp_send_gso(socket.fd(), list, from, n) :
            lib.wow_udp_send_batch(socket.fd(), list, from, n);
        result.refused = (int)(sent >> 32);
        return Math.max(0, (int)sent);
    }

    @Override
    public boolean awaitWritable(final int timeoutMs)
    {
        return lib.wow_poll_out(socket.fd(), timeoutMs) > 0;
    }

    @Override
    public long kernelDrops()
    {
        return kernelDrops.getLong(0);
    }

    @Override
    public int pollFd()
    {
        return socket.fd();
    }

    @Override
    public int port()
    {
        return socket.port();
    }
}
