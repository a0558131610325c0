package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Opens the sealed datagrams of a received batch in place, in one call: a datagram naming a
 * session this node has, inside its replay window, whose tag verifies, is accepted once (the
 * window's compare-and-set) and afterwards read as the datagram inside; anything else is counted
 * and dropped. Reports a session's peer seen at a new endpoint and a keypair's first datagram
 * (Noise key confirmation) to the conductor. Owned by one queue agent's thread.
 */
final class LinkOpener
{
    private final QueueCounters counters;
    private final ConductorUplink uplink;
    private final AeadBatch aead;
    private final int[] slotOf;
    private final Keypair[] keypairs;
    private final long[] counterOf;
    private final boolean[] dropped;
    private final SessionPublication sessions;

    LinkOpener(final SessionPublication sessions, final QueueCounters counters, final ConductorUplink uplink,
        final int capacity)
    {
        this.sessions = sessions;
        this.counters = counters;
        this.uplink = uplink;
        this.aead = AeadBatch.create(false, capacity);
        this.slotOf = new int[capacity];
        this.keypairs = new Keypair[capacity];
        this.counterOf = new long[capacity];
        this.dropped = new boolean[capacity];
    }

    /**
     * Opens the batch's sealed datagrams with the sessions published now (one volatile read per
     * batch); then {@link #keypair} and {@link #dropped} describe each slot.
     */
    void open(final FrameBatch batch, final int n, final long nowNs)
    {
        final SessionTable table = sessions.current();
        aead.reset();
        final UnsafeBuffer buffer = batch.buffer();
        Keypair last = null;
        for (int i = 0; i < n; i++)
        {
            keypairs[i] = null;
            dropped[i] = false;
            final int offset = batch.dataOffset(i);
            final int length = batch.length(i);
            if (length < 0 || WireHeader.validType(buffer, offset, length) != WireHeader.TYPE_SEALED)
            {
                continue;
            }
            final int session = WireHeader.session(buffer, offset);
            final Keypair keypair = last != null && last.localIndex() == session ? last : table.byIndex(session);
            last = keypair;
            final long counter = WireHeader.counter(buffer, offset);
            if (keypair == null)
            {
                drop(i, DropReason.UNKNOWN_SESSION);
                continue;
            }
            if (!keypair.window().mayAccept(counter))
            {
                drop(i, DropReason.REPLAYED);
                continue;
            }
            slotOf[aead.count()] = i;
            keypairs[i] = keypair;
            counterOf[i] = counter;
            aead.add(keypair, buffer.addressOffset() + offset, length - WireHeader.SEALED_OVERHEAD);
        }
        final int queued = aead.count();
        if (queued == 0)
        {
            return;
        }
        aead.run();
        Keypair advancing = null;
        long highest = 0;
        for (int k = 0; k < queued; k++)
        {
            final int i = slotOf[k];
            final Keypair keypair = keypairs[i];
            if (!aead.authentic(k))
            {
                keypairs[i] = null;
                drop(i, DropReason.AUTH_FAILED);
            }
            else if (!keypair.window().claim(counterOf[i]))
            {
                keypairs[i] = null;
                drop(i, DropReason.REPLAYED);
            }
            else
            {
                // the window moves once per run of one keypair's datagrams, to the highest claimed
                if (keypair != advancing)
                {
                    if (advancing != null)
                    {
                        advancing.window().advanceTo(highest);
                    }
                    advancing = keypair;
                    highest = counterOf[i];
                }
                highest = Math.max(highest, counterOf[i]);
                final long endpoint = batch.endpoint(i);
                if (keypair.firstReceived())
                {
                    uplink.sessionConfirmed(keypair.localIndex(), endpoint);
                }
                if (keypair.endpoint() != endpoint)
                {
                    uplink.sessionMoved(keypair.localIndex(), endpoint, nowNs);
                }
            }
        }
        if (advancing != null)
        {
            advancing.window().advanceTo(highest);
        }
    }

    private void drop(final int i, final DropReason reason)
    {
        dropped[i] = true;
        counters.drop(reason);
    }

    /** @return the keypair that authenticated slot i's datagram, or null if it was not sealed (or dropped). */
    Keypair keypair(final int i)
    {
        return keypairs[i];
    }

    /** @return true if slot i held a sealed datagram that was counted and dropped. */
    boolean dropped(final int i)
    {
        return dropped[i];
    }

    void close()
    {
        aead.close();
    }
}
