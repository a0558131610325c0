package wow.dataplane;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Sends what the conductor queued on this queue's one-to-one down ring: up to
 * {@link #MESSAGES_PER_CYCLE} datagrams per duty cycle, copied out of the ring and sent with one
 * sendmmsg. Malformed ring messages are counted. Owned by one queue agent's thread.
 */
final class ControlDownlink implements MessageHandler
{
    static final int MESSAGES_PER_CYCLE = 64;

    private final RingBuffer ring;
    private final QueueCounters counters;
    private final BatchSender sender;
    private final FrameBatch batch = new FrameBatch(MESSAGES_PER_CYCLE, QueueAgent.MAX_FRAME + WireHeader.TAG_LENGTH);
    private final OutList out = new OutList(MESSAGES_PER_CYCLE);

    ControlDownlink(final RingBuffer ring, final QueueCounters counters, final BatchSender sender)
    {
        this.ring = ring;
        this.counters = counters;
        this.sender = sender;
    }

    /** @return ring messages read. */
    int drain()
    {
        out.reset();
        final int n = ring.read(this, MESSAGES_PER_CYCLE);
        if (out.count() > 0)
        {
            counters.controlDown.getAndAddRelease(out.count());
            sender.sendAll(out);
        }
        return n;
    }

    @Override
    public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int datagram = length - ControlMessages.DOWN_DATAGRAM_OFFSET;
        final int slot = out.count();
        if (type != ControlMessages.DOWN_SEND || datagram < 0 || datagram > QueueAgent.MAX_FRAME || slot >= batch.slots())
        {
            counters.drop(DropReason.BAD_HEADER);
            return;
        }
        final int at = batch.dataOffset(slot);
        batch.buffer().putBytes(at, buffer, index + ControlMessages.DOWN_DATAGRAM_OFFSET, datagram);
        out.add(batch.buffer(), at, datagram, buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET));
    }
}
