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
    private final org.agrona.concurrent.UnsafeBuffer refused =
        new org.agrona.concurrent.UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(64, 64));

    private final org.agrona.concurrent.UnsafeBuffer kernelDrops =
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
        final int n = stash != 0 ?
            lib.wow_udp_recv_gro(stash, socket.fd(), batch.dataAddress(), batch.stride(), batch.capacity(),
                batch.lengthsAddress(), batch.endpointsAddress(), batch.slots(), kernelDrops.addressOffset()) :
            lib.wow_udp_recv_batch(socket.fd(), batch.dataAddress(), batch.stride(), batch.capacity(),
                batch.lengthsAddress(), batch.endpointsAddress(), batch.slots(), kernelDrops.addressOffset());
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
        final int done = socket.segmentation() ?
            lib.wow_udp_send_gso(socket.fd(), 0, datagrams.addressesAddress() + from * 8L,
                datagrams.lengthsAddress() + from * 4L, datagrams.endpointsAddress() + from * 8L, n, refused.addressOffset()) :
            lib.wow_udp_send_batch(socket.fd(), 0, datagrams.addressesAddress() + from * 8L,
                datagrams.lengthsAddress() + from * 4L, datagrams.endpointsAddress() + from * 8L, n, refused.addressOffset());
        result.refused = refused.getInt(0);
        return Math.max(0, done);
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
