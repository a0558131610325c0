package wow.controlplane.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The wheel of events gives them back in exactly the order of a heap keyed by (time, time
 * scheduled, origin, sequence): events at one time from many origins, events far beyond the wheel's span that move
 * into it later, events scheduled while others are taken (at the very time being taken, too),
 * limits that stop between them.
 */
class SimEventQueueTest
{
    /** What the reference heap holds: an event's key and id. */
    private record Scheduled(long time, long scheduledAt, int origin, long sequence, int id) implements Comparable<Scheduled>
    {
        @Override
        public int compareTo(final Scheduled o)
        {
            return time != o.time ? Long.compare(time, o.time) : scheduledAt != o.scheduledAt ?
                Long.compare(scheduledAt, o.scheduledAt) : origin != o.origin ? Integer.compare(origin, o.origin) :
                Long.compare(sequence, o.sequence);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void eventsComeOutInTheOrderOfTheirKeys(final long seed)
    {
        final Random random = new Random(seed);
        final SimEventQueue queue = new SimEventQueue();
        final PriorityQueue<Scheduled> reference = new PriorityQueue<>();
        final List<Integer> got = new ArrayList<>();
        final List<Integer> want = new ArrayList<>();
        long now = 0;
        long sequence = 0;
        int id = 0;
        for (int round = 0; round < 2_000; round++)
        {
            final int adds = random.nextInt(20);
            for (int i = 0; i < adds; i++)
            {
                final long at = now + switch (random.nextInt(4))
                {
                    case 0 -> 0;
                    case 1 -> random.nextInt(60);
                    case 2 -> random.nextInt(3 * SimEventQueue.WHEEL_MS);
                    default -> random.nextInt(300);
                };
                final int mine = id++;
                final int origin = random.nextInt(8) - 1;
                queue.add(new SimEventQueue.Event(() -> got.add(mine), at, now, origin, sequence));
                reference.add(new Scheduled(at, now, origin, sequence++, mine));
            }
            final long limit = now + random.nextInt(random.nextBoolean() ? 50 : 2 * SimEventQueue.WHEEL_MS);
            for (SimEventQueue.Event e = queue.poll(limit); e != null; e = queue.poll(limit))
            {
                e.action.run();
                now = e.time;
                while (!reference.isEmpty() && reference.peek().time() <= now && want.size() < got.size())
                {
                    want.add(reference.poll().id());
                }
                if (random.nextInt(10) == 0) // an event that schedules another, at once or soon
                {
                    final int mine = id++;
                    final long at = now + random.nextInt(3);
                    final int origin = random.nextInt(8) - 1; // may sort before events already waiting at this time
                    final long from = now - random.nextInt(2); // another worker's event, sent in the last window
                    queue.add(new SimEventQueue.Event(() -> got.add(mine), at, from, origin, sequence));
                    reference.add(new Scheduled(at, from, origin, sequence++, mine));
                }
            }
            while (!reference.isEmpty() && reference.peek().time() <= limit)
            {
                want.add(reference.poll().id());
            }
            now = limit;
            assertEquals(want, got, "seed " + seed + ", round " + round);
            assertEquals(reference.size(), queue.size());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void anEventInThePastIsRefused(final int gap)
    {
        final SimEventQueue queue = new SimEventQueue();
        queue.add(new SimEventQueue.Event(() -> { }, 100, 0, 1, 0));
        assertEquals(100, queue.poll(1_000).time);
        assertNull(queue.poll(1_000));
        assertThrows(IllegalArgumentException.class, () -> queue.add(new SimEventQueue.Event(() -> { }, 99 - gap, 0, 1, 1)),
            "before the last event taken");
    }
}
