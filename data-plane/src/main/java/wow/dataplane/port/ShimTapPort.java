package wow.dataplane.port;

import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * A real TAP queue: one native call reads or writes a whole batch. The kernel hands over one frame
 * per read, so only a read that finds nothing says the queue is empty. After the queue was found
 * empty, the next read takes one frame and returns, and the port says "drained" all the same: the
 * agent sends that frame (a ping, a request) and then goes to poll, which returns at once if more
 * came and otherwise sleeps — so a lone packet costs no read that finds the queue empty, neither
 * before it is sent nor after. The read after such a lone frame takes a whole batch, so a busy
 * queue is still read in batches (one poll more per burst). Frames written while the queue was
 * about empty make the next read take one frame again: the kernel's answer to them (an echo
 * reply, an ACK) is sent before any read that finds the queue empty. Called by the queue's agent.
 */
public final class ShimTapPort implements TapPort
{
    private final LibWow lib = Shim.lib();
    private final int fd;
    private final int vnetHeaderLength;
    private final boolean udpSuperFrames;
    private long readErrors;
    private boolean drained = true;
    private boolean lone;

    /**
     * @param fd               a non-blocking queue fd of a {@link wow.shim.TapDevice}.
     * @param vnetHeaderLength 10 if the device was opened with a virtio-net header, else 0.
     * @param udpSuperFrames   the kernel takes UDP super-frames written to it ({@link wow.shim.TapDevice#udpSuperFrames}).
     */
    public ShimTapPort(final int fd, final int vnetHeaderLength, final boolean udpSuperFrames)
    {
        this.fd = fd;
        this.vnetHeaderLength = vnetHeaderLength;
        this.udpSuperFrames = udpSuperFrames && vnetHeaderLength != 0;
    }

    @Override
    public boolean takesUdpSuperFrames()
    {
        return udpSuperFrames;
    }

    @Override
    public int read(final FrameBatch batch)
    {
        final int want = drained ? 1 : batch.slots();
        lone = false;
        final long result = lib.wow_read_batch(fd, batch.dataAddress() - vnetHeaderLength,
            (long)batch.stride() << 32 | (batch.capacity() + vnetHeaderLength), batch.lengthsAddress(), want);
        final int n = (int)result;
        if (vnetHeaderLength != 0)
        {
            for (int i = 0; i < n; i++)
            {
                batch.length(i, batch.length(i) - vnetHeaderLength);
            }
        }
        if (result >> 32 != 0)
        {
            readErrors++;
        }
        lone = want == 1 && n == 1; // not known to be empty, but let poll say whether more came
        drained = n < want; // the reads stopped at "nothing to read" (or an error)
        batch.count(n);
        return n;
    }

    @Override
    public boolean drained()
    {
        return drained || lone;
    }

    @Override
    public int write(final OutList frames)
    {
        if (frames.count() == 0)
        {
            return 0;
        }
        if (lone)
        {
            // the queue was about empty; what the kernel may answer to these frames (an echo reply,
            // an ACK) is read alone too, before it is sent, rather than with the read that finds it empty
            lone = false;
            drained = true;
        }
        final long result = lib.wow_write_batch(fd, 0, frames.addressesAddress(), frames.lengthsAddress(), frames.count());
        return Math.max(0, (int)result - (int)(result >>> 32)); // what the kernel refused is not written
    }

    @Override
    public int vnetHeaderLength()
    {
        return vnetHeaderLength;
    }

    @Override
    public long readErrors()
    {
        return readErrors;
    }

    @Override
    public int pollFd()
    {
        return fd;
    }
}
