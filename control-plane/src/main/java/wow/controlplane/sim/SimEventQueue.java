package wow.controlplane.sim;

import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * The simulator's pending events, taken in the order of their time and, at one time, of their
 * scheduling. Almost every event falls within seconds of now (messages, ticks, timers), so they
 * wait in a wheel of one slot per millisecond (a FIFO each: adding and taking cost O(1), where a
 * heap of a few hundred thousand events cost a climb of 18 levels each way); the few beyond the
 * wheel's span wait in a heap and move into the wheel, in order, as its window reaches them.
 * Owned by the simulator's one thread.
 */
final class SimEventQueue
{
    /** Milliseconds the wheel spans (a power of two). */
    static final int WHEEL_MS = 1 << 13;
    private static final int MASK = WHEEL_MS - 1;

    /** Something that happens at a simulated time. */
    static final class Event implements Comparable<Event>
    {
        final Runnable action;
        long time;
        long sequence;

        Event(final Runnable action)
        {
            this.action = action;
        }

        @Override
        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final ArrayDeque<Event>[] slots;
    private final PriorityQueue<Event> later = new PriorityQueue<>();
    private long sequence;
    /** The slot taken from next: every event before it was taken; the wheel holds [cursor, cursor + WHEEL_MS). */
    private long cursor;
    private int inWheel;

    @SuppressWarnings("unchecked")
    SimEventQueue()
    {
        slots = new ArrayDeque[WHEEL_MS];
        for (int i = 0; i < WHEEL_MS; i++)
        {
            slots[i] = new ArrayDeque<>();
        }
    }

    /** Schedules {@code action} at {@code time}, which must not be before the last event taken. */
    void add(final Runnable action, final long time)
    {
        if (time < cursor)
        {
            throw new IllegalArgumentException("an event scheduled in the past: " + time + " < " + cursor);
        }
        final Event e = new Event(action);
        e.time = time;
        e.sequence = sequence++;
        if (time - cursor < WHEEL_MS)
        {
            slots[(int)time & MASK].addLast(e);
            inWheel++;
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
                final Event head = later.peek();
                if (head == null || head.time > limit)
                {
                    return null;
                }
                cursor = head.time; // nothing in between
                migrate();
            }
            final Event e = slots[(int)cursor & MASK].pollFirst(); // the slot holds only events at cursor
            if (e != null)
            {
                inWheel--;
                return e;
            }
            if (cursor == limit)
            {
                return null;
            }
            cursor++;
            migrate();
        }
        return null;
    }

    /** @return the number of events waiting. */
    int size()
    {
        return inWheel + later.size();
    }

    /** Moves the heap's events that the wheel's window now covers into their slots, earliest first. */
    private void migrate()
    {
        while (!later.isEmpty() && later.peek().time - cursor < WHEEL_MS)
        {
            final Event e = later.poll();
            slots[(int)e.time & MASK].addLast(e);
            inWheel++;
        }
    }
}
