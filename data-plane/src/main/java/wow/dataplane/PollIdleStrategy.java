package wow.dataplane;

import java.util.function.LongConsumer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.status.PacketTrace;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * Idles a data-plane thread: for a short window after its last work it spins (so the reply to a
 * packet it just moved is picked up without a wake-up, which costs tens of microseconds on a
 * virtual machine), then it blocks in {@code poll()} on the thread's TAP and socket fds and its
 * wake-up eventfd, with a timeout so that timers still run. An idle node therefore costs a
 * handful of wake-ups a second; a busy one never sleeps. It tells the agents it idles which fds
 * poll found readable (a bit mask in the order of the fds; every bit while it spins instead), so
 * that they read only those: a packet costs no reads that find nothing. Owned by the one thread
 * it idles.
 */
public final class PollIdleStrategy implements IdleStrategy
{

    private final LibWow lib = Shim.lib();
    private final UnsafeBuffer fds;
    private final int fdCount;
    private final int eventFd;
    private final int timeoutMs;
    private final long spinNs;
    private final LongConsumer ready;
    private long lastWorkNs;

    /**
     * @param fds       fds whose readability means work.
     * @param eventFd   eventfd others signal to wake this thread ({@link Wakeup}), or -1.
     * @param timeoutMs longest block, so that timers run.
     * @param spinNs    how long to keep spinning after the last work before blocking (0: block at once).
     * @param ready     told the mask of the fds found readable after each poll ({@code -1}: any may be);
     *                  null for a thread that polls no fds of its own (the conductor), so that the
     *                  JIT sees one kind of listener at this call site, not a second one now and then.
     */
    public PollIdleStrategy(final int[] fds, final int eventFd, final int timeoutMs, final long spinNs,
        final LongConsumer ready)
    {
        this.spinNs = spinNs;
        this.ready = ready;
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
            lastWorkNs = 0;
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spinNs > 0)
        {
            final long now = System.nanoTime();
            if (lastWorkNs == 0)
            {
                lastWorkNs = now;
            }
            if (now - lastWorkNs < spinNs)
            {
                Thread.onSpinWait();
                if (ready != null)
                {
                    ready.accept(-1L);
                }
                return;
            }
        }
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.SLEEP, 0);
        }
        final long mask = lib.wow_poll(fds.addressOffset(), fdCount, eventFd, timeoutMs);
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.WAKE, (int)mask);
        }
        if (mask != 0 && ready != null)
        {
            ready.accept(mask < 0 ? -1L : mask);
        }
        lastWorkNs = 0;
    }

    @Override
    public void reset()
    {
        lastWorkNs = 0;
    }

    @Override
    public String alias()
    {
        return "poll";
    }
}
