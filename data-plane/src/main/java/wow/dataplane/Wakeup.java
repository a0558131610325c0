package wow.dataplane;

import wow.shim.Shim;

/**
 * An eventfd that wakes a data-plane thread blocked in {@link PollIdleStrategy}: signalled by the
 * conductor after it publishes a FIB or queues a control datagram. Thread-safe.
 */
public final class Wakeup implements Runnable, AutoCloseable
{
    private final int fd;

    public Wakeup()
    {
        fd = Shim.check(Shim.lib().wow_eventfd(), "cannot create an eventfd");
    }

    public int fd()
    {
        return fd;
    }

    @Override
    public void run()
    {
        Shim.lib().wow_eventfd_signal(fd);
    }

    @Override
    public void close()
    {
        Shim.lib().wow_close(fd);
    }
}
