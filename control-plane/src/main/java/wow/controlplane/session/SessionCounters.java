package wow.controlplane.session;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.dataplane.status.CounterTypes;

/**
 * The counters of a node's sessions: handshakes by outcome, rekeys, datagrams dropped while
 * waiting for a session, and sessions established now. Allocated once; written by the conductor
 * thread, read by anyone through the counters file.
 */
public final class SessionCounters
{
    final AtomicCounter initiated;
    /** Of those, IK (the peer's key known: one round trip). */
    final AtomicCounter initiatedIk;
    final AtomicCounter completed;
    final AtomicCounter refused;
    final AtomicCounter dropped;
    final AtomicCounter timeouts;
    final AtomicCounter rekeyed;
    final AtomicCounter queueDropped;
    final AtomicCounter sessions;
    final AtomicCounter certificateDaysLeft;

    public SessionCounters(final CountersManager manager)
    {
        initiated = counter(manager, "handshake_initiated");
        initiatedIk = counter(manager, "handshake_initiated_ik");
        completed = counter(manager, "handshake_completed");
        refused = counter(manager, "handshake_refused");
        dropped = counter(manager, "handshake_dropped");
        timeouts = counter(manager, "handshake_timeout");
        rekeyed = counter(manager, "session_rekeyed");
        queueDropped = counter(manager, "session_queue_dropped");
        sessions = manager.newCounter("sessions", CounterTypes.GAUGE, key -> key.putInt(0, -1));
        certificateDaysLeft = manager.newCounter("certificate_days_left", CounterTypes.GAUGE, key -> key.putInt(0, -1));
    }

    /** Counts a handshake this node started. */
    void initiated(final boolean ik)
    {
        initiated.increment();
        if (ik)
        {
            initiatedIk.increment();
        }
    }

    private static AtomicCounter counter(final CountersManager manager, final String name)
    {
        return manager.newCounter(name, CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
    }
}
