package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.ReplayWindow;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Seals the IPv4 packets egress routes over other nodes, end to end, with the session of the node
 * at the other end: the 16-byte SEALED header goes in front of the packet, the tag after it, and
 * what a batch queued is sealed in one call before the batch is sent (and link-sealed hop by hop).
 * Owned by one queue agent's thread; nothing allocates.
 */
final class EndToEndSealer
{
    private final SessionPublication sessions;
    private final QueueCounters counters;
    private final AeadBatch aead;
    private SessionTable table = SessionTable.EMPTY;

    EndToEndSealer(final SessionPublication sessions, final QueueCounters counters, final int capacity)
    {
        this.sessions = sessions;
        this.counters = counters;
        this.aead = AeadBatch.create(true, capacity);
    }

    /** Starts a duty cycle with the sessions published now (one volatile read). */
    void begin()
    {
        table = sessions.endToEnd();
    }

    /** @return the current keypair with the node a route leads to, or null if there is no session with it yet. */
    Keypair keypair(final Fib fib, final int route)
    {
        final UnsafeBuffer addresses = fib.routeAddresses();
        final int offset = route * WireHeader.ADDRESS_LENGTH;
        final Keypair keypair = table.forEndpoint(SessionTable.addressKey(addresses, offset));
        return keypair != null && keypair.peerIs(addresses, offset) ? keypair : null;
    }

    /**
     * Writes the SEALED header in front of the packet at {@code ip} and queues it to be sealed (its
     * tag goes after it: the caller leaves the room).
     *
     * @return false if the keypair is spent (counted; the conductor rekeys long before).
     */
    boolean add(final Keypair keypair, final UnsafeBuffer buffer, final int ip, final int length)
    {
        final long counter = keypair.nextCounter();
        if (counter >= ReplayWindow.REJECT_AFTER_MESSAGES)
        {
            counters.drop(DropReason.NO_SESSION);
            return false;
        }
        final int header = ip - WireHeader.SEALED_LENGTH;
        WireHeader.writeSealed(buffer, header, keypair.remoteIndex(), counter);
        aead.add(keypair, buffer.addressOffset() + header, length);
        return true;
    }

    /** Seals what was queued, before the batch leaves. */
    void run()
    {
        if (aead.count() > 0)
        {
            aead.run();
        }
        aead.reset();
    }

    void close()
    {
        aead.close();
    }
}
