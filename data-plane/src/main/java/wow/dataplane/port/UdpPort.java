package wow.dataplane.port;

/**
 * A UDP socket on the underlay, read and written in batches (recvmmsg/sendmmsg) by the one agent
 * that owns it. Implementations: {@link ShimUdpPort} and an in-memory network in the test-jar.
 */
public interface UdpPort
{
    /**
     * Receives as many datagrams as are waiting, up to the batch's slots, without blocking.
     * A datagram too long for a slot has length -1.
     *
     * @return the number of datagrams received (also set as the batch's count).
     */
    int receive(FrameBatch batch);

    /**
     * Sends datagrams from the list starting at index {@code from}, without blocking.
     *
     * @param result receives the count the kernel refused outright (no route and the like).
     * @return the number of datagrams consumed (sent or refused); fewer than asked means the
     *         socket is full and the caller may wait for {@link #awaitWritable} and go on.
     */
    int send(OutList datagrams, int from, SendResult result);

    /** Waits up to {@code timeoutMs} for room to send; returns true if there is. */
    boolean awaitWritable(int timeoutMs);

    /**
     * @return datagrams the kernel dropped before this port could receive them (full receive
     *         buffer), cumulative, as last reported; 0 where nothing can be dropped.
     */
    default long kernelDrops()
    {
        return 0;
    }

    /**
     * @return true if the last read found the socket empty, with nothing received left over, so that only its {@link #pollFd}
     *         becoming readable can say more came; false where that is not known (read again).
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

    /** @return the local port. */
    int port();

    /** The refused count of the last send; reused, one per agent. */
    final class SendResult
    {
        public int refused;
    }
}
