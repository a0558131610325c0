package wow.controlplane.sim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads that run the simulator's workers, one window at a time: the coordinator's thread
 * runs the first worker and one thread each runs the others; every window ends at a barrier where
 * all wait until the last is done. Waiting spins briefly, then yields, then sleeps in short naps
 * (on two cores a spinning waiter would take the core the garbage collector needs). Created and
 * driven by the coordinator's thread; {@link #close} ends its threads.
 */
final class SimCrew implements AutoCloseable
{
    private static final int SPINS = 2_000;
    private static final int YIELDS = 200;
    private static final long NAP_NS = 50_000;

    private final SimWorker[] workers;
    private final Thread[] threads;
    /** Bumped to start a window (and once more to stop); the threads wait for it to change. */
    private volatile long generation;
    private volatile long windowEnd;
    private volatile boolean stopping;
    private final AtomicInteger running = new AtomicInteger();
    private volatile Throwable failure;

    SimCrew(final SimWorker[] workers)
    {
        this.workers = workers;
        this.threads = new Thread[workers.length - 1];
        for (int i = 1; i < workers.length; i++)
        {
            final SimWorker w = workers[i];
            final Thread t = new Thread(() -> loop(w), "wow-sim-worker-" + i);
            t.setDaemon(true);
            threads[i - 1] = t;
            t.start();
        }
    }

    /** Runs every worker's events before {@code end} and returns once all are done (rethrowing what one threw). */
    void runBefore(final long end)
    {
        windowEnd = end;
        running.set(threads.length);
        generation++;
        workers[0].runBefore(end, workers);
        for (int i = 0; running.get() != 0; i++)
        {
            pause(i);
        }
        final Throwable t = failure;
        if (t != null)
        {
            throw new IllegalStateException("a simulator worker failed", t);
        }
    }

    private void loop(final SimWorker w)
    {
        long seen = 0;
        while (true)
        {
            for (int i = 0; generation == seen; i++)
            {
                pause(i);
            }
            seen = generation;
            if (stopping)
            {
                return;
            }
            try
            {
                w.runBefore(windowEnd, workers);
            }
            catch (final Throwable t)
            {
                failure = t;
            }
            running.decrementAndGet();
        }
    }

    private static void pause(final int round)
    {
        if (round < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (round < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(NAP_NS);
        }
    }

    @Override
    public void close()
    {
        stopping = true;
        generation++;
        for (final Thread t : threads)
        {
            try
            {
                t.join();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
