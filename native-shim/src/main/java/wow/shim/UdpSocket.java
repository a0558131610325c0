package wow.shim;

import java.net.Inet4Address;
import java.nio.ByteBuffer;

/**
 * A non-blocking UDP socket opened through the shim, read and written in batches
 * (recvmmsg/sendmmsg) by the one data-plane agent that owns it. Endpoints cross the native
 * boundary packed into a long: IPv4 address (host order) &lt;&lt; 16 | port.
 */
public final class UdpSocket implements AutoCloseable
{
    /** Socket buffer size asked for: large enough to absorb bursts of a multi-Gbit/s flow. */
    public static final int DEFAULT_BUFFER_BYTES = 16 * 1024 * 1024;

    private final int fd;
    private final int port;
    private boolean closed;
    private boolean segmentation;
    private long groStash;

    private UdpSocket(final int fd, final int port)
    {
        this.fd = fd;
        this.port = port;
    }

    /**
     * Opens and binds a socket.
     *
     * @param address   local address to bind.
     * @param port      local port, 0 for any.
     * @param reusePort whether to set SO_REUSEPORT so several queues can share the port.
     * @return the bound socket.
     * @throws ShimException naming the problem (address in use, address not on this host).
     */
    public static UdpSocket open(final Inet4Address address, final int port, final boolean reusePort)
    {
        final LibWow lib = Shim.lib();
        final int addr = Integer.reverseBytes(ByteBuffer.wrap(address.getAddress()).getInt());
        final int fd = lib.wow_udp_open(addr, port, reusePort ? 1 : 0, DEFAULT_BUFFER_BYTES);
        final String where = address.getHostAddress() + ":" + port;
        if (fd < 0)
        {
            switch (-fd)
            {
                case Errno.EADDRINUSE:
                    throw new ShimException("cannot listen on " + where + ": address in use", -fd);
                case Errno.EADDRNOTAVAIL:
                    throw new ShimException("cannot listen on " + where + ": no such address on this host", -fd);
                default:
                    throw new ShimException("cannot listen on " + where + ": " + Errno.describe(-fd), -fd);
            }
        }
        final int bound = lib.wow_udp_local_port(fd);
        if (bound < 0)
        {
            lib.wow_close(fd);
            Shim.check(bound, "cannot read the port of " + where);
        }
        return new UdpSocket(fd, bound);
    }

    /** @return the socket's fd. */
    public int fd()
    {
        return fd;
    }

    /** @return the local port the socket is bound to. */
    public int port()
    {
        return port;
    }

    /** Packs an IPv4 address (host order int) and port into the shim's endpoint form. */
    public static long endpoint(final int address, final int port)
    {
        return ((address & 0xFFFF_FFFFL) << 16) | (port & 0xFFFF);
    }

    /** @return the IPv4 address (host order) of a packed endpoint. */
    public static int endpointAddress(final long endpoint)
    {
        return (int)(endpoint >>> 16);
    }

    /** @return the port of a packed endpoint. */
    public static int endpointPort(final long endpoint)
    {
        return (int)(endpoint & 0xFFFF);
    }

    /** @return a packed endpoint as {@code a.b.c.d:port}. */
    public static String endpointToString(final long endpoint)
    {
        final int a = endpointAddress(endpoint);
        return ((a >>> 24) & 0xFF) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF) + ":" +
            endpointPort(endpoint);
    }

    /**
     * Turns UDP segmentation offload on: runs of equal datagrams to one endpoint leave as one
     * {@code UDP_SEGMENT} send, and the kernel may hand up several datagrams of one sender as one
     * ({@code UDP_GRO}), which the shim splits again. Call before the owning agent starts.
     *
     * @return true if receive offload is on too (a kernel without {@code UDP_GRO} receives as before).
     */
    public boolean offload()
    {
        segmentation = true;
        if (groStash == 0 && Shim.lib().wow_udp_enable_gro(fd) == 0)
        {
            groStash = Shim.lib().wow_gro_new();
        }
        return groStash != 0;
    }

    /** @return true if sends coalesce runs of datagrams ({@link #offload}). */
    public boolean segmentation()
    {
        return segmentation;
    }

    /** @return the shim's stash of received datagrams not handed out yet, 0 without receive offload. */
    public long groStash()
    {
        return groStash;
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            Shim.lib().wow_close(fd);
            Shim.lib().wow_gro_free(groStash);
            groStash = 0;
        }
    }
}
