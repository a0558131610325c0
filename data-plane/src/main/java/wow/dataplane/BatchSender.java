package wow.dataplane;

import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.status.PacketTrace;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * The batched writes of one queue: a list of frames to the TAP in one call, a list of datagrams
 * to the socket with sendmmsg (sealed first on a secure node, {@link LinkSealer}), waiting for
 * room while the socket is full up to {@link #SEND_WAIT_LIMIT_MS} (back-pressure) and counting
 * what it gives up. Owned by one queue agent's thread.
 */
final class BatchSender
{
    /** Longest wait for a full socket before the rest of a batch is dropped (back-pressure). */
    static final int SEND_WAIT_LIMIT_MS = 100;

    private final TapPort tap;
    private final UdpPort udp;
    private final QueueCounters counters;
    private final LinkSealer sealer;
    private final UdpPort.SendResult sendResult = new UdpPort.SendResult();

    /** @param sealer seals what is sent on a secure node; null on an insecure one. */
    BatchSender(final TapPort tap, final UdpPort udp, final QueueCounters counters, final LinkSealer sealer)
    {
        this.tap = tap;
        this.udp = udp;
        this.counters = counters;
        this.sealer = sealer;
    }

    void writeTap(final OutList frames)
    {
        final int written = tap.write(frames);
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.TAP_WRITTEN, written);
        }
        counters.tapTxFrames.getAndAddRelease(written);
        if (written < frames.count())
        {
            counters.drop(DropReason.TAP_WRITE_FAILED, frames.count() - written);
        }
    }

    /**
     * Seals the list (on a secure node) and sends it whole, waiting for room while the socket is
     * full, up to a limit (back-pressure).
     */
    void sendAll(final OutList list)
    {
        if (sealer != null)
        {
            sealer.seal(list);
            if (PacketTrace.ON)
            {
                PacketTrace.event(PacketTrace.SEALED, list.count());
            }
        }
        int from = 0;
        int waitedMs = 0;
        int refused = 0;
        while (from < list.count())
        {
            final int done = udp.send(list, from, sendResult);
            refused += sendResult.refused;
            from += done;
            if (from < list.count())
            {
                if (waitedMs >= SEND_WAIT_LIMIT_MS)
                {
                    counters.drop(DropReason.UDP_SEND_BACKPRESSURE, list.count() - from);
                    break;
                }
                udp.awaitWritable(1);
                waitedMs++;
            }
        }
        if (refused > 0)
        {
            counters.drop(DropReason.UDP_SEND_REFUSED, refused);
        }
        counters.udpTxDatagrams.getAndAddRelease(from - refused);
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.SENT, from - refused);
        }
    }
}
