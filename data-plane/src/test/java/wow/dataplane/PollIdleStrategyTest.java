package wow.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * The poll idle strategy tells its listener which of its fds poll found readable (bit i for fd
 * i; the wake-up eventfd's bit after them), and a thread with nothing to tell (the conductor's,
 * which polls only its wake-up) passes no listener at all. Eventfds stand in for the TAP and the
 * socket, so no privileges are needed.
 */
class PollIdleStrategyTest
{
    private final LibWow lib = Shim.lib();

    @Test
    void tellsTheListenerWhichFdsWereReadable()
    {
        final int tap = lib.wow_eventfd();
        final int socket = lib.wow_eventfd();
        final int wakeup = lib.wow_eventfd();
        assertTrue(tap >= 0 && socket >= 0 && wakeup >= 0);
        try
        {
            final long[] told = {0};
            final PollIdleStrategy idle = new PollIdleStrategy(new int[] {tap, socket}, wakeup, 1000, 0, m -> told[0] = m);
            assertEquals(0, lib.wow_eventfd_signal(socket));
            idle.idle(0);
            assertEquals(0b10, told[0], "the socket, the second fd");
            assertEquals(0, lib.wow_eventfd_signal(wakeup));
            told[0] = 0;
            idle.idle(0);
            assertEquals(0b110, told[0], "the socket still, and the wake-up after both fds");
        }
        finally
        {
            lib.wow_close(tap);
            lib.wow_close(socket);
            lib.wow_close(wakeup);
        }
    }

    @Test
    void aThreadWithoutFdsWakesWithoutAListener()
    {
        final int wakeup = lib.wow_eventfd();
        assertTrue(wakeup >= 0);
        try
        {
            final PollIdleStrategy idle = new PollIdleStrategy(new int[0], wakeup, 1000, 0, null);
            assertEquals(0, lib.wow_eventfd_signal(wakeup));
            idle.idle(0);
            final long[] left = {-2};
            new PollIdleStrategy(new int[] {wakeup}, -1, 0, 0, m -> left[0] = m).idle(0);
            assertEquals(-2, left[0], "the wake-up was taken (its count read), so poll returned for it, not the timeout");
        }
        finally
        {
            lib.wow_close(wakeup);
        }
    }
}
