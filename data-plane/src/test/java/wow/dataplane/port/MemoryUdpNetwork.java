package wow.dataplane.port;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * An in-memory underlay for tests: ports bound to packed endpoints exchange datagrams through
 * queues, in order, without loss unless a port is told to drop. Thread-safe for ports used from
 * different threads once all are bound. Allocates freely.
 */
public final class MemoryUdpNetwork
{
    private final Long2ObjectHashMap<Port> ports = new Long2ObjectHashMap<>();

    /** Binds a port at an endpoint (before any traffic). */
    public synchronized Port bind(final long endpoint)
    {
        final Port port = new Port(endpoint);
        ports.put(endpoint, port);
        return port;
    }

    private synchronized Port lookup(final long endpoint)
    {
        return ports.get(endpoint);
    }

    private record Datagram(long from, byte[] bytes)
    {
    }

    /** One bound endpoint of the in-memory network. */
    public final class Port implements UdpPort
    {
        private final long endpoint;
        private final Queue<Datagram> inbox = new ConcurrentLinkedQueue<>();
        private volatile int sendLimit = Integer.MAX_VALUE;
        private volatile Predicate<byte[]> dropOutgoing = bytes -> false;

        private Port(final long endpoint)
        {
            this.endpoint = endpoint;
        }

        public long endpoint()
        {
            return endpoint;
        }

        /** Delivers a datagram to this port as if {@code from} had sent it. */
        public void inject(final long from, final byte[] datagram)
        {
            inbox.add(new Datagram(from, datagram.clone()));
        }

        /** Lets only {@code n} more datagrams out per send call, as a full socket would. */
        public void sendLimit(final int n)
        {
            sendLimit = n;
        }

        /** Drops (as the underlay would lose them) the datagrams this port sends that match, from now on. */
        public void dropOutgoing(final Predicate<byte[]> drop)
        {
            dropOutgoing = drop;
        }

        /** @return the number of datagrams waiting to be received. */
        public int pending()
        {
            return inbox.size();
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            int n = 0;
            Datagram d;
            while (n < batch.slots() && (d = inbox.poll()) != null)
            {
                if (d.bytes.length > batch.capacity())
                {
                    batch.length(n, -1);
                }
                else
                {
                    batch.buffer().putBytes(batch.dataOffset(n), d.bytes);
                    batch.length(n, d.bytes.length);
                }
                batch.endpoint(n, d.from);
                n++;
            }
            batch.count(n);
            return n;
        }

        @Override
        public int send(final OutList datagrams, final int from, final SendResult result)
        {
            result.refused = 0;
            final int n = Math.min(datagrams.count() - from, sendLimit);
            for (int i = from; i < from + n; i++)
            {
                final Port to = lookup(datagrams.endpoint(i));
                if (to == null)
                {
                    result.refused++;
                    continue;
                }
                final byte[] bytes = new byte[datagrams.length(i)];
                datagrams.view(i).getBytes(0, bytes);
                if (!dropOutgoing.test(bytes))
                {
                    to.inbox.add(new Datagram(endpoint, bytes));
                }
            }
            return Math.max(0, n);
        }

        @Override
        public boolean awaitWritable(final int timeoutMs)
        {
            return sendLimit > 0;
        }



        @Override
        public int port()
        {
            return (int)(endpoint & 0xFFFF);
        }
    }
}
