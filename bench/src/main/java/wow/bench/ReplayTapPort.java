package wow.bench;

import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;

/**
 * A TAP queue that offers the same frame in every slot of every read without allocating. The
 * whole frame is written into the agent's batch once; each read restores only its 14-byte
 * Ethernet header, which egress overwrites with the WOW header in place (the IPv4 packet behind
 * it is never modified). Writes are counted and discarded. Used by one benchmark thread.
 */
final class ReplayTapPort implements TapPort
{
    private final byte[] frame;
    private FrameBatch primed;
    long written;
    long reads;

    ReplayTapPort(final byte[] frame)
    {
        this.frame = frame.clone();
    }

    @Override
    public int read(final FrameBatch batch)
    {
        if (primed != batch)
        {
            for (int i = 0; i < batch.slots(); i++)
            {
                batch.buffer().putBytes(batch.dataOffset(i), frame);
                batch.length(i, frame.length);
            }
            primed = batch;
        }
        else
        {
            for (int i = 0; i < batch.slots(); i++)
            {
                batch.buffer().putBytes(batch.dataOffset(i), frame, 0, 14);
            }
        }
        reads++;
        batch.count(batch.slots());
        return batch.slots();
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
        return 0;
    }

    @Override
    public long readErrors()
    {
        return 0;
    }

    @Override
    public int pollFd()
    {
        return -1;
    }
}
