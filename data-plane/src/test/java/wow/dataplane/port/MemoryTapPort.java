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
    private final Queue<byte[]> toAgent = new ConcurrentLinkedQueue<>();
    private final Queue<byte[]> fromAgent = new ConcurrentLinkedQueue<>();
    private volatile int refuseWrites;
    private final int vnetHeaderLength;

    /** A TAP queue without a virtio-net header. */
    public MemoryTapPort()
    {
        this(0);
    }

    /**
     * @param vnetHeaderLength 10 to act as a device opened with {@code IFF_VNET_HDR}: frames read get a
     *                         plain header in front, frames written must carry one (kept in what
     *                         {@link #drainWritten} returns).
     */
    public MemoryTapPort(final int vnetHeaderLength)
    {
        this.vnetHeaderLength = vnetHeaderLength;
    }

    /** Queues a frame for the agent to read. */
    public void inject(final byte[] frame)
    {
        toAgent.add(frame.clone());
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
        byte[] f;
        while (n < batch.slots() && (f = toAgent.poll()) != null)
        {
            final int len = Math.min(f.length, batch.capacity());
            batch.buffer().putBytes(batch.dataOffset(n), f, 0, len);
            batch.buffer().setMemory(batch.dataOffset(n) - vnetHeaderLength, vnetHeaderLength, (byte)0);
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
