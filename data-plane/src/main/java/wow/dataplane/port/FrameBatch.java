package wow.dataplane.port;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A batch of frames or datagrams in one off-heap buffer: {@code slots} slots of {@code stride}
 * bytes, each received at {@link #HEADROOM} so that headers can be written in front in place.
 * After a read, {@link #count()} slots hold data: slot i's length is {@link #length(int)} (-1 for
 * a datagram that did not fit) and, for datagrams, its sender is {@link #endpoint(int)}.
 * Owned by one agent; the native side reads and writes the arrays by address.
 */
public final class FrameBatch
{
    /**
     * Bytes kept free in front of every received frame: room for the largest header written in
     * place (a ROUTED header and the SEALED header in front of it).
     */
    public static final int HEADROOM = 96;

    private final int slots;
    private final int stride;
    private final UnsafeBuffer buffer;
    private final UnsafeBuffer lengths;
    private final UnsafeBuffer endpoints;
    private int count;

    /**
     * @param slots       number of frames a batch holds.
     * @param maxFrame    largest frame or datagram to receive.
     */
    public FrameBatch(final int slots, final int maxFrame)
    {
        this.slots = slots;
        this.stride = align(HEADROOM + maxFrame, 64);
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(slots * stride, 64));
        this.lengths = new UnsafeBuffer(BufferUtil.allocateDirectAligned(slots * 4, 64));
        this.endpoints = new UnsafeBuffer(BufferUtil.allocateDirectAligned(slots * 8, 64));
    }

    private static int align(final int value, final int alignment)
    {
        return (value + alignment - 1) & -alignment;
    }

    public int slots()
    {
        return slots;
    }

    public int stride()
    {
        return stride;
    }

    /** @return bytes a slot can receive after its headroom. */
    public int capacity()
    {
        return stride - HEADROOM;
    }

    /** @return the whole off-heap buffer. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the offset in {@link #buffer()} where slot i's received data starts. */
    public int dataOffset(final int slot)
    {
        return slot * stride + HEADROOM;
    }

    public int count()
    {
        return count;
    }

    /** Set by the port after a read. */
    public void count(final int count)
    {
        this.count = count;
    }

    public int length(final int slot)
    {
        return lengths.getInt(slot * 4);
    }

    public void length(final int slot, final int length)
    {
        lengths.putInt(slot * 4, length);
    }

    public long endpoint(final int slot)
    {
        return endpoints.getLong(slot * 8);
    }

    public void endpoint(final int slot, final long endpoint)
    {
        endpoints.putLong(slot * 8, endpoint);
    }

    /** @return the address of slot 0's data, where the native side writes slot i at + i * stride. */
    public long dataAddress()
    {
        return buffer.addressOffset() + HEADROOM;
    }

    public long lengthsAddress()
    {
        return lengths.addressOffset();
    }

    public long endpointsAddress()
    {
        return endpoints.addressOffset();
    }

    /** Wraps an on-heap copy for tests: the bytes of slot i's data. */
    public byte[] copy(final int slot)
    {
        final byte[] bytes = new byte[length(slot)];
        buffer.getBytes(dataOffset(slot), bytes);
        return bytes;
    }
}
