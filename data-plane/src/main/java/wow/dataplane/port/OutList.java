package wow.dataplane.port;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A list of frames or datagrams to write, each an (offset, length[, endpoint]) into one source
 * buffer, usually the {@link FrameBatch} they were received into: headers are rewritten in
 * place and nothing is copied. Owned by one agent; the native side reads the arrays by address.
 */
public final class OutList
{
    private final int capacity;
    private final UnsafeBuffer offsets;
    private final UnsafeBuffer lengths;
    private final UnsafeBuffer endpoints;
    private UnsafeBuffer source;
    private int count;

    public OutList(final int capacity)
    {
        this.capacity = capacity;
        offsets = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 4, 64));
        lengths = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 4, 64));
        endpoints = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 8, 64));
    }

    /** Starts a new list over a source buffer. */
    public void reset(final UnsafeBuffer source)
    {
        this.source = source;
        count = 0;
    }

    /** @return false if the list is full (the caller counts the drop). */
    public boolean add(final int offset, final int length, final long endpoint)
    {
        if (count == capacity)
        {
            return false;
        }
        offsets.putInt(count * 4, offset);
        lengths.putInt(count * 4, length);
        endpoints.putLong(count * 8, endpoint);
        count++;
        return true;
    }

    public int count()
    {
        return count;
    }

    public int capacity()
    {
        return capacity;
    }

    public UnsafeBuffer source()
    {
        return source;
    }

    public int offset(final int i)
    {
        return offsets.getInt(i * 4);
    }

    public int length(final int i)
    {
        return lengths.getInt(i * 4);
    }

    public long endpoint(final int i)
    {
        return endpoints.getLong(i * 8);
    }

    public long sourceAddress()
    {
        return source.addressOffset();
    }

    public long offsetsAddress()
    {
        return offsets.addressOffset();
    }

    public long lengthsAddress()
    {
        return lengths.addressOffset();
    }

    public long endpointsAddress()
    {
        return endpoints.addressOffset();
    }
}
