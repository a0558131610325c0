package wow.dataplane.port;

/**
 * One queue of the virtual Ethernet device, read and written in batches by the one agent that
 * owns the queue. Implementations: {@link ShimTapPort} (a real TAP queue) and an in-memory
 * double in the test-jar.
 */
public interface TapPort
{
    /**
     * Reads as many frames as are waiting, up to the batch's slots, without blocking.
     *
     * @return the number of frames read (also set as the batch's count).
     */
    int read(FrameBatch batch);

    /**
     * Writes every frame of the list, without blocking.
     *
     * @return the number of frames written; the rest were refused or did not fit (counted as drops by the caller).
     */
    int write(OutList frames);

    /**
     * @return 0, or the length of the virtio-net header in front of every frame read and written
     *         ({@code IFF_VNET_HDR}): it sits in the batch's headroom just before
     *         {@link FrameBatch#dataOffset}, and every frame written carries one.
     */
    default int vnetHeaderLength()
    {
        return 0;
    }

    /**
     * @return true if frames written may be UDP/IPv4 super-frames (virtio-net {@code GSO_UDP_L4}) that
     *         the kernel cuts into datagrams; only with a virtio-net header.
     */
    default boolean takesUdpSuperFrames()
    {
        return false;
    }

    /** @return how many reads failed with an error other than "nothing to read" so far. */
    default long readErrors()
    {
        return 0;
    }

    /**
     * @return true if the agent should let poll say whether more came before it reads again: the
     *         last read found the queue empty, or took the lone frame that woke the thread; false
     *         where that is not known (read again).
     */
    default boolean drained()
    {
        return false;
    }

    /** @return an fd to poll for readability when idle, or -1 if there is none. */
    default int pollFd()
    {
        return -1;
    }
}
