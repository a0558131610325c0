package wow.controlplane.sim;

import java.util.Arrays;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * One simulator worker's pending events, taken in the order of their key: (time, the time it was
 * scheduled at, origin, the origin's sequence number) — at one time, what was sent first comes
 * first. The origin is the node whose code scheduled the event (or -1 for the simulator itself),
 * so the order in which one node's events are taken does not depend on which
 * other nodes share the queue, nor on the order in which events from other workers were merged
 * into it: the same seed gives the same run with any number of workers. Almost every event falls
 * within seconds of now (messages, ticks, timers), so they wait in a wheel of one slot per
 * millisecond (an array each, sorted once when the wheel's cursor reaches it, where a heap of a
 * few hundred thousand events cost a climb of 18 levels each way); the few beyond the wheel's span
 * wait in a heap and move into the wheel as its window reaches them. Owned by one worker's thread
 * (the coordinator adds to it only while the workers wait at a barrier).
 */
final class SimEventQueue
{
    /** Milliseconds the wheel spans (a power of two). */
    static final int WHEEL_MS = 1 << 13;
    private static final int MASK = WHEEL_MS - 1;
    static final Comparator<Event> ORDER = Comparator.<Event>comparingLong(e -> e.time).thenComparingLong(e -> e.scheduledAt)
        .thenComparingInt(e -> e.origin).thenComparingLong(e -> e.sequence);

    /** Something that happens at a simulated time. */
    static final class Event
    {
        final Runnable action;
        final long time;
        final long scheduledAt;
        final int origin;
        final long sequence;

        Event(final Runnable action, final long time, final long scheduledAt, final int origin, final long sequence)
        {
            this.action = action;
            this.time = time;
            this.scheduledAt = scheduledAt;
            this.origin = origin;
            this.sequence = sequence;
        }
    }

    /** The events of one millisecond; the cursor's slot is taken from {@code head} on. */
    private static final class Slot
    {
        Event[] events = new Event[4];
        int size;

        void add(final Event e)
        {
            if (size == events.length)
            {
                events = Arrays.copyOf(events, size * 2);
            }
            events[size++] = e;
        }
    }

    private final Slot[] slots = new Slot[WHEEL_MS];
    private final PriorityQueue<Event> later = new PriorityQueue<>(ORDER);
    /** The slot taken from next: every event before it was taken; the wheel holds [cursor, cursor + WHEEL_MS). */
    private long cursor;
    /** The next event of the cursor's slot to take. */
    private int head;
    /** The cursor's slot may hold events out of order from {@code head} on (new slot, or events added to it). */
    private boolean unsorted = true;
    private int inWheel;

    SimEventQueue()
    {
        for (int i = 0; i < WHEEL_MS; i++)
        {
            slots[i] = new Slot();
        }
    }

    /** Schedules {@code e}, whose time must not be before the last event taken. */
    void add(final Event e)
    {
        final long time = e.time;
        if (time < cursor)
        {
            throw new IllegalArgumentException("an event scheduled in the past: " + time + " < " + cursor);
        }
        if (time - cursor < WHEEL_MS)
        {
            slots[(int)time & MASK].add(e);
            inWheel++;
            unsorted |= time == cursor;
        }
        else
        {
            later.add(e);
        }
    }

    /** @return the next event at or before {@code limit}, taken from the queue, or null if there is none. */
    Event poll(final long limit)
    {
        while (cursor <= limit)
        {
            if (inWheel == 0)
            {
                final Event first = later.peek();
                if (first == null || first.time > limit)
                {
                    return null;
                }
                moveTo(first.time); // nothing in between
            }
            final Slot slot = slots[(int)cursor & MASK];
            if (head < slot.size)
            {
                if (unsorted)
                {
                    Arrays.sort(slot.events, head, slot.size, ORDER);
                    unsorted = false;
                }
                final Event e = slot.events[head];
                slot.events[head++] = null;
                inWheel--;
                return e;
            }
            if (cursor == limit)
            {
                return null;
            }
            moveTo(cursor + 1);
        }
        return null;
    }

    /** @return the number of events waiting. */
    int size()
    {
        return inWheel + later.size();
    }

    /** Leaves the cursor's slot (taken entirely) for {@code time}'s and moves the heap's events the window now covers. */
    private void moveTo(final long time)
    {
        slots[(int)cursor & MASK].size = 0;
        head = 0;
        unsorted = true;
        cursor = time;
        while (!later.isEmpty() && later.peek().time - cursor < WHEEL_MS)
        {
            slots[(int)later.peek().time & MASK].add(later.poll());
            inWheel++;
        }
    }
}
