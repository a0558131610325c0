package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * Idles a data-plane thread: after work it spins a little, then yields, then blocks in
 * {@code poll()} on the thread's TAP and socket fds and its wake-up eventfd, with a timeout so
 * that timers still run. An idle node therefore costs a handful of wake-ups a second. Owned by
 * the one thread it idles.
 */
public final class PollIdleStrategy implements IdleStrategy
{
    private static final int SPINS = 64;
    private static final int YIELDS = 8;

    private final LibWow lib = Shim.lib();
    private final UnsafeBuffer fds;
    private final int fdCount;
    private final int eventFd;
    private final int timeoutMs;
    private int idleCycles;

    /**
     * @param fds       fds whose readability means work.
     * @param eventFd   eventfd others signal to wake this thread ({@link Wakeup}), or -1.
     * @param timeoutMs longest block, so that timers run.
     */
    public PollIdleStrategy(final int[] fds, final int eventFd, final int timeoutMs)
    {
        this.fds = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(4, fds.length * 4), 64));
        for (int i = 0; i < fds.length; i++)
        {
            this.fds.putInt(i * 4, fds[i]);
        }
        this.fdCount = fds.length;
        this.eventFd = eventFd;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleCycles = 0;
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (idleCycles < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (idleCycles < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            lib.wow_poll(fds.addressOffset(), fdCount, eventFd, timeoutMs);
            idleCycles = 0;
            return;
        }
        idleCycles++;
    }

    @Override
    public void reset()
    {
        idleCycles = 0;
    }

    @Override
    public String alias()
    {
        return "poll";
    }
}
