package wow.dataplane;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;

import java.util.function.IntConsumer;

/**
 * The conductor's side of the data plane: publish FIB versions, queue control datagrams on a
 * queue's down ring, and drain the control datagrams agents handed up. All methods are called
 * from the conductor thread only, except {@link #wakeConductor}.
 */
public final class DataPlaneProxy
{
    private final FibPublication fibs;
    private final RingBuffer controlUp;
    private final RingBuffer[] controlDown;
    private final IntConsumer wake;
    private final Runnable wakeConductor;

    DataPlaneProxy(
        final FibPublication fibs, final RingBuffer controlUp, final RingBuffer[] controlDown, final IntConsumer wake,
        final Runnable wakeConductor)
    {
        this.wakeConductor = wakeConductor;
        this.fibs = fibs;
        this.controlUp = controlUp;
        this.controlDown = controlDown;
        this.wake = wake;
    }

    /** Wakes the conductor's thread (any thread may call this): a command is waiting for it. */
    public void wakeConductor()
    {
        wakeConductor.run();
    }

    /** Publishes a new FIB version to every agent. */
    public void publish(final Fib fib)
    {
        fibs.publish(fib);
    }

    /** @return the FIB agents are using now. */
    public Fib current()
    {
        return fibs.current();
    }

    /**
     * Queues a datagram for the network on one queue's socket.
     *
     * @return false if the ring is full (the caller retries on its next timer).
     */
    public boolean send(final int queue, final long endpoint, final DirectBuffer datagram, final int offset, final int length)
    {
        final RingBuffer ring = controlDown[queue % controlDown.length];
        final int index = ring.tryClaim(ControlMessages.DOWN_SEND, ControlMessages.DOWN_DATAGRAM_OFFSET + length);
        if (index <= 0)
        {
            return false;
        }
        ring.buffer().putLong(index + ControlMessages.ENDPOINT_OFFSET, endpoint);
        ring.buffer().putBytes(index + ControlMessages.DOWN_DATAGRAM_OFFSET, datagram, offset, length);
        ring.commit(index);
        wake.accept(queue % controlDown.length);
        return true;
    }

    /**
     * Drains control datagrams handed up by the agents. The handler sees messages laid out as
     * {@link ControlMessages} says.
     *
     * @return the number of messages read.
     */
    public int pollControl(final MessageHandler handler, final int limit)
    {
        return controlUp.read(handler, limit);
    }
}
