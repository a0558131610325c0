package wow.controlplane.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One of the simulator's workers: the events of the nodes it owns (node index modulo the number
 * of workers), their clock, and what they send to other workers' nodes until the next barrier.
 * A window of events runs on the worker's own thread; between windows, while every worker waits,
 * the coordinator may act on its nodes, read its counters and add to its queue.
 */
final class SimWorker
{
    final int id;
    final SimEventQueue queue = new SimEventQueue();
    /** Simulated now for the nodes of this worker: the time of the event being run. */
    long now;
    long transmissions;
    /** Nodes of this worker that found their address was another's and stopped (their operator restarts them). */
    int conflicts;
    /** What this worker's nodes check leases with (their verification memory is this worker's own). */
    final SimLeaseAuthority authority;
    /**
     * Events for other workers' nodes, by the parity of the window that sent them and by worker:
     * a worker takes what was sent to it in the last window while the others fill the other half.
     */
    private final List<List<List<SimEventQueue.Event>>> outboxes = List.of(new ArrayList<>(), new ArrayList<>());
    /** The windows run so far. */
    private long window;

    SimWorker(final int id, final int workers, final SimLeaseAuthority authority)
    {
        this.id = id;
        this.authority = authority;
        for (final List<List<SimEventQueue.Event>> half : outboxes)
        {
            for (int i = 0; i < workers; i++)
            {
                half.add(new ArrayList<>());
            }
        }
    }

    /**
     * Takes what the other workers sent this one in the last window, then runs every event before
     * {@code end}, in order. Every worker runs the same windows.
     */
    void runBefore(final long end, final SimWorker[] workers)
    {
        final int last = (int)(window++ & 1) ^ 1;
        for (final SimWorker from : workers)
        {
            final List<SimEventQueue.Event> box = from.outboxes.get(last).get(id);
            for (int i = 0; i < box.size(); i++)
            {
                queue.add(box.get(i)); // the order does not matter: the queue orders by key
            }
            box.clear();
        }
        for (SimEventQueue.Event e = queue.poll(end - 1); e != null; e = queue.poll(end - 1))
        {
            now = e.time;
            e.action.run();
        }
        now = end;
    }

    /** Keeps {@code e} for {@code worker} until the barrier. */
    void send(final SimWorker worker, final SimEventQueue.Event e)
    {
        outboxes.get((int)(window - 1) & 1).get(worker.id).add(e); // the window being run
    }
}
