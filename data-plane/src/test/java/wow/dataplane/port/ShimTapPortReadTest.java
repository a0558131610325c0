package wow.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * How the real TAP port reads: after the queue was found empty, a read takes the one frame that
 * woke the thread and returns without a second read (which would find nothing and delay the
 * frame's delivery by a system call), and says the queue may hold more, so that the next read —
 * after the frame was sent — is the one that finds it empty. An eventfd stands in for the TAP
 * queue (one 8-byte "frame" per signal; non-blocking), so no privileges are needed.
 */
class ShimTapPortReadTest
{
    @Test
    void aLoneFrameIsReadWithoutTheReadThatFindsTheQueueEmpty()
    {
        final LibWow lib = Shim.lib();
        final int fd = lib.wow_eventfd();
        assertTrue(fd >= 0, "eventfd: " + fd);
        try
        {
            final ShimTapPort tap = new ShimTapPort(fd, 0, false);
            final FrameBatch batch = new FrameBatch(8, 2048);
            assertTrue(tap.drained(), "a new port has nothing known to read");
            assertEquals(0, lib.wow_eventfd_signal(fd));
            assertEquals(1, tap.read(batch));
            assertEquals(8, batch.length(0));
            assertFalse(tap.drained(), "one frame was read and the queue was not read again: it may hold more");
            assertEquals(0, tap.read(batch));
            assertTrue(tap.drained(), "the read after the frame found the queue empty");
            assertEquals(0, lib.wow_eventfd_signal(fd));
            assertEquals(1, tap.read(batch), "after the queue was empty, the next frame is read alone again");
            assertFalse(tap.drained());
            assertEquals(0, tap.readErrors());
        }
        finally
        {
            lib.wow_close(fd);
        }
    }
}
