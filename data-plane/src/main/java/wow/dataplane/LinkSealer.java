package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.ReplayWindow;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Seals a list of datagrams about to be sent, in place, with the session of each one's endpoint:
 * the 16-byte SEALED header goes in the headroom in front, the tag after the end, and the whole
 * batch is sealed in one call. A handshake goes as it is; an empty datagram is sealed as a
 * keepalive; a datagram to an endpoint without a
 * session is dropped and counted (the conductor sets a session up before it sends there). Owned
 * by one queue agent's thread.
 */
final class LinkSealer
{
    private final QueueCounters counters;
    private final AeadBatch aead;
    private final SessionPublication sessions;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    LinkSealer(final SessionPublication sessions, final QueueCounters counters, final int capacity)
    {
        this.sessions = sessions;
        this.counters = counters;
        this.aead = AeadBatch.create(true, capacity);
    }

    /**
     * Seals every datagram of the list that has a session, drops those that need one and have
     * none. The sessions are the ones published now (one volatile read per batch), so a session the
     * conductor published before it queued a datagram is always there when that datagram is sealed.
     */
    void seal(final OutList list)
    {
        final SessionTable table = sessions.current();
        aead.reset();
        int kept = 0;
        Keypair keypair = null;
        long keypairEndpoint = 0;
        long counter = 0;
        long reserved = 0;
        for (int i = 0; i < list.count(); i++)
        {
            final long address = list.address(i);
            final int length = list.length(i);
            final long endpoint = list.endpoint(i);
            view.wrap(address - WireHeader.SEALED_LENGTH, WireHeader.SEALED_LENGTH + length);
            if (length > WireHeader.TYPE_OFFSET &&
                (view.getByte(WireHeader.SEALED_LENGTH + WireHeader.TYPE_OFFSET) & 0xFF) == WireHeader.TYPE_HANDSHAKE)
            {
                list.set(kept++, address, length, endpoint);
                continue;
            }
            if (keypair == null || endpoint != keypairEndpoint)
            {
                keypair = table.forEndpoint(endpoint); // the same for a run of datagrams to one endpoint
                keypairEndpoint = endpoint;
                counter = reserved; // none reserved for this keypair yet
                if (keypair == null)
                {
                    counters.drop(DropReason.NO_SESSION);
                    continue;
                }
            }
            if (counter == reserved)
            {
                final int run = runLength(list, i, endpoint);
                counter = keypair.nextCounters(run);
                reserved = counter + run;
            }
            if (counter >= ReplayWindow.REJECT_AFTER_MESSAGES)
            {
                counters.drop(DropReason.NO_SESSION); // exhausted: the conductor rekeys long before
                continue;
            }
            WireHeader.writeSealed(view, 0, keypair.remoteIndex(), counter++);
            aead.add(keypair, address - WireHeader.SEALED_LENGTH, length);
            list.set(kept++, address - WireHeader.SEALED_LENGTH, length + WireHeader.SEALED_OVERHEAD, endpoint);
        }
        list.truncate(kept);
        aead.run();
    }

    /** @return how many datagrams from {@code from} on go to this endpoint, one after another. */
    private static int runLength(final OutList list, final int from, final long endpoint)
    {
        int to = from + 1;
        while (to < list.count() && list.endpoint(to) == endpoint)
        {
            to++;
        }
        return to - from;
    }

    void close()
    {
        aead.close();
    }
}
