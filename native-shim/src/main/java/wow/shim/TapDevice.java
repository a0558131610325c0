package wow.shim;

import java.net.Inet4Address;
import java.nio.ByteBuffer;

/**
 * A multi-queue TAP device opened through the shim: one non-blocking fd per queue, every
 * queue opened with identical flags. The device is not persistent, so closing every queue
 * removes it. Created and closed by the thread that wires a node; the queue fds are then
 * used by one data-plane agent each.
 */
public final class TapDevice implements AutoCloseable
{
    /** TUNSETOFFLOAD flags: the device may leave checksums partial and hand over TCP/IPv4 super-frames (and UDP ones: USO). */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    /**
     * TUNSETOFFLOAD flags of Linux 6.2 and later (UDP segmentation, taken only together); older
     * kernels refuse them, which is how they are probed.
     */
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;

    private final String name;
    private final int[] fds;
    private final byte[] mac = new byte[6];
    private boolean closed;
    private boolean udpSuperFrames;

    private TapDevice(final String name, final int[] fds)
    {
        this.name = name;
        this.fds = fds;
    }

    /**
     * Creates the device, sets its MTU and IPv4 address and brings it up.
     *
     * @param name    interface name (at most 15 bytes), which must not exist yet.
     * @param queues  number of queues (1..256).
     * @param mtu     interface MTU.
     * @param address IPv4 address of this host on the virtual subnet, or null to leave it to the
     *                host (a DHCP client on the device).
     * @param prefix  prefix length of the virtual subnet.
     * @param offload whether every frame carries a virtio-net header ({@code IFF_VNET_HDR}) and the
     *                kernel may hand over TCP super-frames and partial checksums (TSO4 and CSUM offload).
     * @return the open device.
     * @throws ShimException naming the problem: no /dev/net/tun, no CAP_NET_ADMIN, name in use, bad address.
     */
    public static TapDevice open(
        final String name, final int queues, final int mtu, final Inet4Address address, final int prefix,
        final boolean offload)
    {
        final LibWow lib = Shim.lib();
        if (name.isEmpty() || name.length() > 15 || name.contains("/") || name.contains(" "))
        {
            throw new ShimException("bad TAP device name '" + name + "': 1 to 15 characters, no '/' or spaces");
        }
        if (prefix < 1 || prefix > 32)
        {
            throw new ShimException("bad prefix length /" + prefix + " for " + name);
        }
        final int[] fds = new int[queues];
        final int rc = lib.wow_tap_open(name, queues, offload ? 1 : 0, fds);
        if (rc < 0)
        {
            throw new ShimException(openFailure(name, -rc), -rc);
        }
        final TapDevice tap = new TapDevice(name, fds);
        try
        {
            if (offload)
            {
                // a kernel that knows USO hands over UDP super-frames of applications that send with
                // UDP_SEGMENT and takes the ones written to the TAP; an older one refuses the flags
                tap.udpSuperFrames = lib.wow_tap_set_offload(fds[0], TUN_F_CSUM | TUN_F_TSO4 | TUN_F_USO4 | TUN_F_USO6) == 0;
                final int flags = TUN_F_CSUM | TUN_F_TSO4 | (tap.udpSuperFrames ? TUN_F_USO4 | TUN_F_USO6 : 0);
                for (final int fd : fds)
                {
                    Shim.check(lib.wow_tap_set_offload(fd, flags), "cannot enable TSO on " + name);
                }
            }
            final int up = lib.wow_if_up(name, mtu);
            if (up < 0)
            {
                throw new ShimException("cannot bring " + name + " up with MTU " + mtu + ": " + Errno.describe(-up), -up);
            }
            if (address != null)
            {
                final int addr = ByteBuffer.wrap(address.getAddress()).getInt();
                final int set = lib.wow_if_set_ipv4(name, Integer.reverseBytes(addr), prefix);
                if (set < 0)
                {
                    throw new ShimException("bad address " + address.getHostAddress() + "/" + prefix + " for " + name + ": " +
                        Errno.describe(-set), -set);
                }
            }
            Shim.check(lib.wow_if_get_mac(name, tap.mac), "cannot read the MAC address of " + name);
            return tap;
        }
        catch (final RuntimeException ex)
        {
            tap.close();
            throw ex;
        }
    }

    private static String openFailure(final String name, final int errno)
    {
        switch (errno)
        {
            case Errno.ENOENT:
            case Errno.ENXIO:
            case Errno.ENODEV:
                return "no /dev/net/tun: the tun driver is missing (modprobe tun) or /dev/net/tun is not in this container";
            case Errno.EPERM:
            case Errno.EACCES:
                return "no CAP_NET_ADMIN: creating TAP device " + name + " needs root or CAP_NET_ADMIN";
            case Errno.EBUSY:
                return "device name " + name + " is in use: pick another with --tap";
            case Errno.EINVAL:
                return "cannot create TAP device " + name + ": " + Errno.describe(errno) +
                    " (an interface of another kind may hold the name)";
            default:
                return "cannot create TAP device " + name + ": " + Errno.describe(errno);
        }
    }

    /**
     * @return true if the kernel takes UDP super-frames (virtio-net {@code GSO_UDP_L4}) written to this
     *         offloading device, and hands over those of applications that send with {@code UDP_SEGMENT}.
     */
    public boolean udpSuperFrames()
    {
        return udpSuperFrames;
    }

    /** @return the interface name. */
    public String name()
    {
        return name;
    }

    /** @return the number of queues. */
    public int queues()
    {
        return fds.length;
    }

    /** @return the non-blocking fd of one queue. */
    public int fd(final int queue)
    {
        return fds[queue];
    }

    /** @return a copy of the kernel side's MAC address, the destination of frames written to the device. */
    public byte[] mac()
    {
        return mac.clone();
    }

    /** Closes every queue, which removes the device. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            for (final int fd : fds)
            {
                Shim.lib().wow_close(fd);
            }
        }
    }
}
