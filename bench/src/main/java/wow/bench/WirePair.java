package wow.bench;

import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;

/**
 * Two UDP ports joined back to back without allocation: what one sends is copied into a
 * pre-allocated batch that the other receives on its next read (the copy stands for the
 * kernel's). A port that sends to nobody just counts. Used by one benchmark thread.
 */
final class WirePair
{
    final End a;
    final End b;

    WirePair(final long endpointA, final long endpointB)
    {
        a = new End(endpointA);
        b = new End(endpointB);
        a.peer = b;
        b.peer = a;
    }

    /** A port that discards what it is asked to send. */
    static End sink(final long endpoint)
    {
        return new End(endpoint);
    }

    static final class End implements UdpPort
    {
        private final long endpoint;
        private final FrameBatch pending = new FrameBatch(wow.dataplane.QueueAgent.BATCH, wow.dataplane.QueueAgent.MAX_FRAME);
        private End peer;
        private int pendingCount;
        long sent;

        private End(final long endpoint)
        {
            this.endpoint = endpoint;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            final int n = pendingCount;
            for (int i = 0; i < n; i++)
            {
                final int len = pending.length(i);
                batch.buffer().putBytes(batch.dataOffset(i), pending.buffer(), pending.dataOffset(i), len);
                batch.length(i, len);
                batch.endpoint(i, pending.endpoint(i));
            }
            pendingCount = 0;
            batch.count(n);
            return n;
        }

        @Override
        public int send(final OutList datagrams, final int from, final SendResult result)
        {
            result.refused = 0;
            final int n = datagrams.count() - from;
            if (peer != null)
            {
                for (int i = from; i < datagrams.count() && peer.pendingCount < peer.pending.slots(); i++)
                {
                    final int slot = peer.pendingCount++;
                    peer.pending.buffer().putBytes(peer.pending.dataOffset(slot), datagrams.view(i), 0, datagrams.length(i));
                    peer.pending.length(slot, datagrams.length(i));
                    peer.pending.endpoint(slot, endpoint);
                }
            }
            sent += n;
            return n;
        }

        @Override
        public boolean awaitWritable(final int timeoutMs)
        {
            return true;
        }



        @Override
        public int port()
        {
            return (int)(endpoint & 0xFFFF);
        }
    }

    /** A TAP that accepts and counts writes and never has anything to read. */
    static final class SinkTap implements TapPort
    {
        private final int vnetHeaderLength;
        long written;

        SinkTap()
        {
            this(0);
        }

        SinkTap(final int vnetHeaderLength)
        {
            this.vnetHeaderLength = vnetHeaderLength;
        }

        @Override
        public int read(final FrameBatch batch)
        {
            batch.count(0);
            return 0;
        }

        @Override
        public int write(final OutList frames)
        {
            written += frames.count();
            return frames.count();
        }

        @Override
        public int vnetHeaderLength()
        {
            return vnetHeaderLength;
        }


    }
}
