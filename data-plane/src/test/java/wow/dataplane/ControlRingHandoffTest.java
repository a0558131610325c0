package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stress test of the hand-off the agents use toward the conductor: several producer threads, one
 * consumer, a small ring so that it is often full; every message arrives once, intact, in order
 * per producer.
 */
class ControlRingHandoffTest
{
    @Test
    void manyProducersOneConsumerInOrderAndIntact() throws Exception
    {
        final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096 + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        final int producers = 3;
        final int perProducer = 100_000;
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++)
        {
            final int id = p;
            final Thread t = new Thread(() ->
            {
                final UnsafeBuffer msg = new UnsafeBuffer(new byte[64]);
                for (int seq = 0; seq < perProducer; seq++)
                {
                    final int length = 8 + (seq % 50);
                    msg.putInt(0, id);
                    msg.putInt(4, seq);
                    for (int k = 8; k < length; k++)
                    {
                        msg.putByte(k, (byte)(seq + k));
                    }
                    while (!ring.write(1, msg, 0, length))
                    {
                        Thread.onSpinWait();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        final int[] next = new int[producers];
        final int[] bad = new int[1];
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int total = 0;
        while (total < producers * perProducer && System.nanoTime() < deadline)
        {
            total += ring.read((type, buffer, index, length) ->
            {
                final int id = buffer.getInt(index);
                final int seq = buffer.getInt(index + 4);
                if (seq != next[id] || length != 8 + (seq % 50))
                {
                    bad[0]++;
                }
                for (int k = 8; k < length; k++)
                {
                    if (buffer.getByte(index + k) != (byte)(seq + k))
                    {
                        bad[0]++;
                    }
                }
                next[id] = seq + 1;
            });
        }
        for (final Thread t : threads)
        {
            t.join(10_000);
        }
        assertEquals(0, bad[0]);
        assertEquals(producers * perProducer, total);
        for (final int n : next)
        {
            assertEquals(perProducer, n);
        }
        assertTrue(ring.size() == 0);
    }
}
