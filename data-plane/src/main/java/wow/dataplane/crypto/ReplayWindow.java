package wow.dataplane.crypto;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The receive side's sliding replay window of one keypair, lock-free so that every queue may
 * receive for the same session: {@link #SIZE} slots each remember the last counter accepted
 * there (plus one), and a counter is accepted by one compare-and-set of its slot from an older
 * value, so each counter is accepted at most once whichever threads race for it. A counter
 * {@link #SIZE} or more behind the highest accepted is too old, as is one at or above
 * {@link #REJECT_AFTER_MESSAGES} (WireGuard's limits). Written by queue threads, any of them.
 */
public final class ReplayWindow
{
    /** Packets of reordering tolerated. */
    public static final int SIZE = 2048;
    /** Counters from here on are never accepted (the sender must have rekeyed long before). */
    public static final long REJECT_AFTER_MESSAGES = Long.MAX_VALUE - SIZE;
    private static final int MASK = SIZE - 1;

    private final AtomicLongArray slots = new AtomicLongArray(SIZE);
    private final AtomicLong highest = new AtomicLong(-1);

    /** @return false if the counter is certainly too old or replayed (a cheap check before opening). */
    public boolean mayAccept(final long counter)
    {
        return counter >= 0 && counter < REJECT_AFTER_MESSAGES && counter > highest.get() - SIZE &&
            slots.get((int)(counter & MASK)) < counter + 1;
    }

    /**
     * Accepts an authenticated counter once.
     *
     * @return true the first time this counter is accepted, false for a replay or a counter too old.
     */
    public boolean accept(final long counter)
    {
        if (!claim(counter))
        {
            return false;
        }
        advanceTo(counter);
        return true;
    }

    /**
     * Accepts an authenticated counter once without moving the window ({@link #advanceTo} must
     * follow, e.g. once per batch with the highest counter claimed): its slot's compare-and-set alone
     * makes it accepted at most once, as a slot only ever moves to later counters.
     *
     * @return true the first time this counter is claimed, false for a replay or a counter too old.
     */
    public boolean claim(final long counter)
    {
        if (counter < 0 || counter >= REJECT_AFTER_MESSAGES || counter <= highest.get() - SIZE)
        {
            return false;
        }
        final int i = (int)(counter & MASK);
        final long mark = counter + 1;
        while (true)
        {
            final long seen = slots.get(i);
            if (seen >= mark)
            {
                return false; // this counter (seen == mark) or a later one in its slot: a replay or too old
            }
            if (slots.compareAndSet(i, seen, mark))
            {
                return true;
            }
        }
    }

    /** Moves the window up to a claimed counter, if it is above the highest so far. */
    public void advanceTo(final long counter)
    {
        long high = highest.get();
        while (counter > high && !highest.compareAndSet(high, counter))
        {
            high = highest.get();
        }
    }

    /** @return the highest counter accepted, -1 before the first. */
    public long highest()
    {
        return highest.get();
    }
}
