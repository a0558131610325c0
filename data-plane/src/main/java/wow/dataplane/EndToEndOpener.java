package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Opens the end-to-end sealed IPv4 packets routed to this node, in place, a batch at a time: one
 * naming an end-to-end session of this node with the node in its source field, inside the replay
 * window, whose tag verifies, is accepted once; {@link #packet} then gives the IPv4 packet inside.
 * Reports a keypair's first packet (the initiator's key confirmation) to the conductor. Anything
 * else is counted and dropped. Owned by one queue agent's thread; nothing allocates.
 */
final class EndToEndOpener
{
    private final SessionPublication sessions;
    private final QueueCounters counters;
    private final ConductorUplink uplink;
    private final AeadBatch aead;
    private final int[] offsets;
    private final int[] lengths;
    private final int[] hops;
    private final long[] counterOf;
    private final Keypair[] keypairs;
    private int count;

    EndToEndOpener(final SessionPublication sessions, final QueueCounters counters, final ConductorUplink uplink,
        final int capacity)
    {
        this.sessions = sessions;
        this.counters = counters;
        this.uplink = uplink;
        this.aead = AeadBatch.create(false, capacity);
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        this.hops = new int[capacity];
        this.counterOf = new long[capacity];
        this.keypairs = new Keypair[capacity];
    }

    /**
     * Queues a ROUTED packet for this node whose payload is sealed end to end, if it names a session
     * of this node's with its source; else counts the drop.
     */
    void add(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final int header = offset + WireHeader.ROUTED_LENGTH;
        final int inner = length - WireHeader.ROUTED_LENGTH - WireHeader.END_TO_END_OVERHEAD;
        if (inner <= 0 || WireHeader.validType(buffer, header, length - WireHeader.ROUTED_LENGTH) != WireHeader.TYPE_SEALED ||
            count == keypairs.length)
        {
            counters.drop(DropReason.BAD_HEADER);
            return;
        }
        final SessionTable table = sessions.endToEnd();
        final Keypair keypair = table.byIndex(WireHeader.session(buffer, header));
        if (keypair == null || !keypair.peerIs(buffer, offset + WireHeader.SOURCE_OFFSET))
        {
            counters.drop(DropReason.UNKNOWN_SESSION);
            return;
        }
        final long counter = WireHeader.counter(buffer, header);
        if (!keypair.window().mayAccept(counter))
        {
            counters.drop(DropReason.REPLAYED);
            return;
        }
        offsets[count] = header;
        lengths[count] = inner;
        hops[count] = WireHeader.hops(buffer, offset) + 1;
        counterOf[count] = counter;
        keypairs[count] = keypair;
        count++;
        aead.add(keypair, buffer.addressOffset() + header, inner);
    }

    /**
     * Opens what was queued. @return how many were queued; for each, {@link #packet} is its IPv4
     * packet's offset if it is authentic and new, else -1 (counted).
     */
    int run()
    {
        if (count == 0)
        {
            return 0;
        }
        aead.run();
        for (int k = 0; k < count; k++)
        {
            final Keypair keypair = keypairs[k];
            if (!aead.authentic(k))
            {
                offsets[k] = -1;
                counters.drop(DropReason.AUTH_FAILED);
            }
            else if (!keypair.window().accept(counterOf[k]))
            {
                offsets[k] = -1;
                counters.drop(DropReason.REPLAYED);
            }
            else
            {
                offsets[k] += WireHeader.SEALED_LENGTH;
                if (keypair.firstReceived())
                {
                    uplink.endToEndConfirmed(keypair.localIndex());
                }
            }
        }
        return count;
    }

    /** @return packet k's IPv4 offset, or -1 if it was dropped. */
    int packet(final int k)
    {
        return offsets[k];
    }

    int length(final int k)
    {
        return lengths[k];
    }

    /** @return the overlay hops packet k took. */
    int hops(final int k)
    {
        return hops[k];
    }

    Keypair keypair(final int k)
    {
        return keypairs[k];
    }

    /** Empties the batch (after its packets were delivered). */
    void reset()
    {
        for (int k = 0; k < count; k++)
        {
            keypairs[k] = null;
        }
        count = 0;
        aead.reset();
    }

    void close()
    {
        aead.close();
    }
}
