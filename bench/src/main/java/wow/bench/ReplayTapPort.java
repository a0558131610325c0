package wow.bench;

import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;

/**
 * A TAP queue that offers the same frame in every slot of every read without allocating. The
 * whole frame is written into the agent's batch once; each read restores only its 14-byte
 * Ethernet header, which egress overwrites with the WOW header in place (the IPv4 packet behind
 * it is never modified) — or, made {@link #copyingWholeFrames}, the whole frame, as a TAP read
 * copies it in (a secure node seals the packet in place). Writes are counted and discarded. Used
 * by one benchmark thread.
 */
final class ReplayTapPort implements TapPort
{
    private final byte[] frame;
    private final byte[] vnetHeader;
    private final int framesPerRead;
    private FrameBatch primed;
    private boolean whole;
    long written;
    long reads;

    ReplayTapPort(final byte[] frame)
    {
        this(frame, null, Integer.MAX_VALUE);
    }

    /**
     * @param vnetHeader     a virtio-net header to put in front of every frame (null: none).
     * @param framesPerRead  how many frames one read returns at most.
     */
    ReplayTapPort(final byte[] frame, final byte[] vnetHeader, final int framesPerRead)
    {
        this.frame = frame.clone();
        this.vnetHeader = vnetHeader == null ? null : vnetHeader.clone();
        this.framesPerRead = framesPerRead;
    }

    /** Makes every read copy the whole frame in. @return this port. */
    ReplayTapPort copyingWholeFrames()
    {
        whole = true;
        return this;
    }

    @Override
    public int read(final FrameBatch batch)
    {
        final int n = Math.min(batch.slots(), framesPerRead);
        if (primed != batch || whole)
        {
            for (int i = 0; i < n; i++)
            {
                batch.buffer().putBytes(batch.dataOffset(i), frame);
                batch.length(i, frame.length);
            }
            primed = batch;
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                batch.buffer().putBytes(batch.dataOffset(i), frame, 0, 14);
            }
        }
        if (vnetHeader != null)
        {
            for (int i = 0; i < n; i++)
            {
                batch.buffer().putBytes(batch.dataOffset(i) - vnetHeader.length, vnetHeader);
            }
        }
        reads++;
        batch.count(n);
        return n;
    }

    @Override
    public int write(final OutList frames)
    {
        written += frames.count();
        return frames.count();
    }

    @Override
    public int vnetHeaderLength()
    {
        return vnetHeader == null ? 0 : vnetHeader.length;
    }


}
