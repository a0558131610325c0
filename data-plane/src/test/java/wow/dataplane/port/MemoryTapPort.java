package wow.dataplane.port;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An in-memory TAP queue for tests: frames the "kernel" sends are injected with {@link #inject}
 * and read by the agent; frames the agent writes are collected for {@link #drainWritten}.
 * Thread-safe, so a test thread can feed an agent running on its own thread. Allocates freely.
 */
public final class MemoryTapPort implements TapPort
{
    private final Queue<Injected> toAgent = new ConcurrentLinkedQueue<>();
    private final Queue<byte[]> fromAgent = new ConcurrentLinkedQueue<>();
    private volatile int refuseWrites;
    private final int vnetHeaderLength;

    /** A TAP queue without a virtio-net header. */
    public MemoryTapPort()
    {
        this(0);
    }

    /**
     * @param vnetHeaderLength 10 to act as a device opened with {@code IFF_VNET_HDR} on a kernel that
     *                         takes UDP super-frames: frames read get a plain header in front, frames
     *                         written must carry one (kept in what {@link #drainWritten} returns).
     */
    public MemoryTapPort(final int vnetHeaderLength)
    {
        this.vnetHeaderLength = vnetHeaderLength;
    }

    @Override
    public boolean takesUdpSuperFrames()
    {
        return vnetHeaderLength != 0;
    }

    private record Injected(byte[] header, byte[] frame)
    {
    }

    /** Queues a frame for the agent to read (behind a plain virtio-net header if the port has one). */
    public void inject(final byte[] frame)
    {
        toAgent.add(new Injected(new byte[vnetHeaderLength], frame.clone()));
    }

    /** Queues a frame for the agent to read behind the given virtio-net header (offload tests). */
    public void inject(final byte[] vnetHeader, final byte[] frame)
    {
        if (vnetHeader.length != vnetHeaderLength)
        {
            throw new IllegalArgumentException("this port's header is " + vnetHeaderLength + " bytes");
        }
        toAgent.add(new Injected(vnetHeader.clone(), frame.clone()));
    }

    /** @return and forget every frame the agent wrote so far. */
    public List<byte[]> drainWritten()
    {
        final List<byte[]> out = new ArrayList<>();
        byte[] f;
        while ((f = fromAgent.poll()) != null)
        {
            out.add(f);
        }
        return out;
    }

    /** Makes the next {@code n} writes fail, as a full or broken device would. */
    public void refuseWrites(final int n)
    {
        refuseWrites = n;
    }

    @Override
    public int read(final FrameBatch batch)
    {
        int n = 0;
        Injected f;
        while (n < batch.slots() && (f = toAgent.poll()) != null)
        {
            final int len = Math.min(f.frame.length, batch.capacity());
            batch.buffer().putBytes(batch.dataOffset(n), f.frame, 0, len);
            batch.buffer().putBytes(batch.dataOffset(n) - vnetHeaderLength, f.header);
            batch.length(n, len);
            n++;
        }
        batch.count(n);
        return n;
    }

    @Override
    public int write(final OutList frames)
    {
        int written = 0;
        for (int i = 0; i < frames.count(); i++)
        {
            if (refuseWrites > 0)
            {
                refuseWrites--;
                continue;
            }
            final byte[] f = new byte[frames.length(i)];
            frames.view(i).getBytes(0, f);
            fromAgent.add(f);
            written++;
        }
        return written;
    }

    @Override
    public int vnetHeaderLength()
    {
        return vnetHeaderLength;
    }


}
