package wow.dataplane.port;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A list of frames or datagrams to write, each an (address, length[, endpoint]) in off-heap
 * memory: usually inside the {@link FrameBatch} they were received into, with headers rewritten
 * in place, so nothing is copied; one list may gather from several buffers. Owned by one agent;
 * the native side reads the arrays by address.
 */
public final class OutList
{
    private final int capacity;
    private final UnsafeBuffer addresses;
    private final UnsafeBuffer lengths;
    private final UnsafeBuffer endpoints;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private int count;

    public OutList(final int capacity)
    {
        this.capacity = capacity;
        addresses = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 8, 64));
        lengths = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 4, 64));
        endpoints = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * 8, 64));
    }

    /** Empties the list. */
    public void reset()
    {
        count = 0;
    }

    /**
     * Adds an entry.
     *
     * @param buffer an off-heap buffer (a {@link FrameBatch}'s) holding the data.
     * @return false if the list is full (the caller counts the drop).
     */
    public boolean add(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        if (count == capacity)
        {
            return false;
        }
        addresses.putLong(count * 8, buffer.addressOffset() + offset);
        lengths.putInt(count * 4, length);
        endpoints.putLong(count * 8, endpoint);
        count++;
        return true;
    }

    /** Rewrites entry i (sealing moves its start back and makes it longer), keeping the others. */
    public void set(final int i, final long address, final int length, final long endpoint)
    {
        addresses.putLong(i * 8, address);
        lengths.putInt(i * 4, length);
        endpoints.putLong(i * 8, endpoint);
    }

    /** Keeps the first {@code n} entries. */
    public void truncate(final int n)
    {
        count = Math.min(count, n);
    }

    public int count()
    {
        return count;
    }

    public int capacity()
    {
        return capacity;
    }

    /** @return the absolute address of entry i's first byte. */
    public long address(final int i)
    {
        return addresses.getLong(i * 8);
    }

    public int length(final int i)
    {
        return lengths.getInt(i * 4);
    }

    public long endpoint(final int i)
    {
        return endpoints.getLong(i * 8);
    }

    /** @return a view of entry i, reused by the next call (the owning thread only). */
    public UnsafeBuffer view(final int i)
    {
        view.wrap(address(i), length(i));
        return view;
    }

    public long addressesAddress()
    {
        return addresses.addressOffset();
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
