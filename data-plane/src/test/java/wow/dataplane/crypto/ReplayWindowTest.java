package wow.dataplane.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplayWindowTest
{
    @Test
    void acceptsEachCounterOnceAndReorderingInsideTheWindow()
    {
        final ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(0));
        assertFalse(w.accept(0));
        assertTrue(w.accept(5));
        assertTrue(w.accept(3)); // reordered, inside the window
        assertFalse(w.accept(3));
        assertTrue(w.accept(4));
        assertEquals(5, w.highest());
        assertTrue(w.accept(5 + ReplayWindow.SIZE));
        assertFalse(w.mayAccept(5)); // exactly SIZE behind the highest: too old
        assertFalse(w.accept(5));
        assertTrue(w.accept(6)); // SIZE - 1 behind: still inside, never seen
        assertFalse(w.accept(6));
        assertFalse(w.accept(-1));
    }

    @Test
    void claimsAcceptOnceBeforeTheWindowMovesAndAdvancingRefusesWhatFellBehind()
    {
        final ReplayWindow w = new ReplayWindow();
        assertTrue(w.claim(7));
        assertFalse(w.claim(7), "claimed once, even before the window moved");
        assertTrue(w.claim(7 + ReplayWindow.SIZE)); // shares 7's slot, later
        assertFalse(w.claim(7), "its slot moved on");
        assertEquals(-1, w.highest(), "claims alone do not move the window");
        w.advanceTo(7 + ReplayWindow.SIZE);
        w.advanceTo(3); // never backwards
        assertEquals(7 + ReplayWindow.SIZE, w.highest());
        assertFalse(w.claim(6), "a counter more than SIZE behind the highest is too old, though its slot is free");
        assertTrue(w.claim(8), "SIZE - 1 behind and never seen: inside");
        assertFalse(w.accept(8));
    }

    @Test
    void countersNearExhaustionAreRefused()
    {
        final ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(ReplayWindow.REJECT_AFTER_MESSAGES - 1));
        assertFalse(w.mayAccept(ReplayWindow.REJECT_AFTER_MESSAGES));
        assertFalse(w.accept(ReplayWindow.REJECT_AFTER_MESSAGES));
        assertFalse(w.accept(Long.MAX_VALUE));
    }

    @Test
    void queuesRacingForTheSameCountersAcceptEachExactlyOnce() throws Exception
    {
        final ReplayWindow w = new ReplayWindow();
        final int n = 200_000;
        final AtomicLong accepted = new AtomicLong();
        final Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++)
        {
            final int offset = t;
            threads[t] = new Thread(() ->
            {
                // each thread walks the counters in its own near-order (every thread sees every counter)
                for (int c = 0; c < n; c++)
                {
                    final long counter = (c ^ offset) & 0xFFFFFFFFL;
                    if (w.accept(counter))
                    {
                        accepted.incrementAndGet();
                    }
                }
            });
        }
        for (final Thread t : threads)
        {
            t.start();
        }
        for (final Thread t : threads)
        {
            t.join();
        }
        assertTrue(accepted.get() <= n, "accepted " + accepted.get());
        assertTrue(accepted.get() > n * 9L / 10, "accepted " + accepted.get());
        for (int c = 0; c < n; c++)
        {
            assertFalse(w.accept(c), "counter " + c + " accepted twice");
        }
    }
}
