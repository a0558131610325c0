package wow.bench;

import wow.dataplane.QueueAgent;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.UdpPort;

/**
 * A UDP port whose every receive returns the same datagrams, without allocating: they are written
 * into the agent's batch once; each receive restores their first {@code HEADER} bytes, which
 * ingress overwrites in place with the Ethernet (and virtio-net) header. Sends are counted and
 * discarded. Used by one benchmark thread.
 */
final class ReplayUdpPort implements UdpPort
{
    private static final int HEADER = 16;
    private final byte[][] datagrams;
    private final long from;
    private FrameBatch primed;
    long receives;

    ReplayUdpPort(final byte[][] datagrams, final long from)
    {
        if (datagrams.length > QueueAgent.BATCH)
        {
            throw new IllegalArgumentException("at most one batch of datagrams");
        }
        this.datagrams = datagrams.clone();
        this.from = from;
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        for (int i = 0; i < datagrams.length; i++)
        {
            if (primed != batch)
            {
                batch.buffer().putBytes(batch.dataOffset(i), datagrams[i]);
                batch.length(i, datagrams[i].length);
                batch.endpoint(i, from);
            }
            else
            {
                batch.buffer().putBytes(batch.dataOffset(i), datagrams[i], 0, HEADER);
            }
        }
        primed = batch;
        receives++;
        batch.count(datagrams.length);
        return datagrams.length;
    }

    @Override
    public int send(final OutList list, final int start, final SendResult result)
    {
        result.refused = 0;
        return list.count() - start;
    }

    @Override
    public boolean awaitWritable(final int timeoutMs)
    {
        return true;
    }



    @Override
    public int port()
    {
        return 0;
    }
}
