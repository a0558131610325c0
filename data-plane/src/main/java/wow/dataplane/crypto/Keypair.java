package wow.dataplane.crypto;

import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.DirectBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys of one session with one peer, as a Noise handshake split them: the key this node seals
 * with and the one it opens with, the indices each end chose (a datagram carries the receiver's),
 * the send counter every queue draws nonces from, and the receive replay window. Made by the
 * conductor after a handshake and published in a {@link SessionTable}; queue threads take
 * counters, accept counters and flag the first datagram received; nothing else changes. A
 * link session's keypair belongs to an underlay endpoint; an end-to-end session's to the ring
 * address of the node at the other end ({@link #peerIs}), which may send from its certified
 * virtual IP ({@link #peerIp}).
 */
public final class Keypair
{
    public static final int KEY_LENGTH = 32;
    public static final int ADDRESS_LENGTH = 20;
    /** Control messages a session's peer may hand this node's conductor each second, per session. */
    public static final int CONTROL_PER_SECOND = 2_000;
    /** ... and at once after a quiet spell. */
    public static final int CONTROL_BURST = 1_000;
    private static final long CONTROL_INTERVAL_NS = 1_000_000_000L / CONTROL_PER_SECOND;

    private final int localIndex;
    private final int remoteIndex;
    private final int slot;
    private final byte[] sendKey;
    private final byte[] receiveKey;
    private final long createdNs;
    private final byte[] peerAddress;
    private final int peerIp;
    private final AtomicLong sendCounter = new AtomicLong();
    private final ReplayWindow window = new ReplayWindow();
    private final AtomicBoolean received = new AtomicBoolean();
    /** The control messages' rate limit (GCRA): the theoretical arrival time of the next one. */
    private final AtomicLong controlTat = new AtomicLong(Long.MIN_VALUE);
    private volatile long endpoint;

    /**
     * @param localIndex  the index this node chose: peers put it in datagrams for it.
     * @param remoteIndex the index the peer chose: put in datagrams to it.
     * @param slot        a number below {@link SessionTable#MAX_KEYPAIRS} no other live keypair has
     *                    (queues cache their cipher contexts by it).
     */
    public Keypair(final int localIndex, final int remoteIndex, final int slot, final byte[] sendKey,
        final byte[] receiveKey, final long createdNs)
    {
        this(localIndex, remoteIndex, slot, sendKey, receiveKey, createdNs, null, 0);
    }

    /**
     * An end-to-end session's keypair.
     *
     * @param peerAddress the 20-byte ring address of the node at the other end, or null for a link session.
     * @param peerIp      the virtual IP its certificate fixes, or 0 (a pool: its leases prove its address).
     */
    public Keypair(final int localIndex, final int remoteIndex, final int slot, final byte[] sendKey,
        final byte[] receiveKey, final long createdNs, final byte[] peerAddress, final int peerIp)
    {
        if ((peerAddress != null && peerAddress.length != ADDRESS_LENGTH) || sendKey.length != KEY_LENGTH ||
            receiveKey.length != KEY_LENGTH || slot < 0 || slot >= SessionTable.MAX_KEYPAIRS)
        {
            throw new IllegalArgumentException("bad keypair");
        }
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
        this.slot = slot;
        this.sendKey = sendKey.clone();
        this.receiveKey = receiveKey.clone();
        this.createdNs = createdNs;
        this.peerAddress = peerAddress == null ? null : peerAddress.clone();
        this.peerIp = peerIp;
    }

    /** @return true if this is an end-to-end keypair with the node whose ring address is at {@code offset} (no allocation). */
    public boolean peerIs(final DirectBuffer buffer, final int offset)
    {
        if (peerAddress == null)
        {
            return false;
        }
        for (int i = 0; i < ADDRESS_LENGTH; i++)
        {
            if (buffer.getByte(offset + i) != peerAddress[i])
            {
                return false;
            }
        }
        return true;
    }

    /** @return the end-to-end peer's certified virtual IP, 0 if it has none (or this is a link session's). */
    public int peerIp()
    {
        return peerIp;
    }

    public int localIndex()
    {
        return localIndex;
    }

    public int remoteIndex()
    {
        return remoteIndex;
    }

    public int slot()
    {
        return slot;
    }

    byte[] sendKey()
    {
        return sendKey;
    }

    byte[] receiveKey()
    {
        return receiveKey;
    }

    public long createdNs()
    {
        return createdNs;
    }

    /** @return the underlay endpoint of the peer as the conductor knows it (queue threads compare). */
    public long endpoint()
    {
        return endpoint;
    }

    /** Sets where the peer is: when the session is made and when it follows its peer (conductor thread). */
    public void endpoint(final long peerEndpoint)
    {
        this.endpoint = peerEndpoint;
    }

    /** @return the next nonce counter (any queue thread). */
    public long nextCounter()
    {
        return sendCounter.getAndIncrement();
    }

    /**
     * Reserves consecutive nonce counters for a run of datagrams (any queue thread): one atomic
     * add for the run; counters reserved and left unused only leave a gap the receiver tolerates.
     *
     * @return the first of the {@code n}.
     */
    public long nextCounters(final int n)
    {
        return sendCounter.getAndAdd(n);
    }

    /** @return how many datagrams were sealed with this keypair. */
    public long sent()
    {
        return sendCounter.get();
    }

    public ReplayWindow window()
    {
        return window;
    }

    /** @return true for the one call that flags the first authenticated datagram received. */
    public boolean firstReceived()
    {
        return !received.get() && received.compareAndSet(false, true);
    }

    /**
     * Admits one control message of this session's peer to the conductor: at most
     * {@link #CONTROL_PER_SECOND} a second after a burst of {@link #CONTROL_BURST} (a generic cell
     * rate algorithm on one atomic, so every queue shares the budget; nothing allocates). A new
     * keypair of the same peer takes the budget over ({@link #inheritControlBudget}), so a
     * handshake does not refill it.
     *
     * @return false if the peer is over its rate (the caller counts the drop).
     */
    public boolean admitControl(final long nowNs)
    {
        while (true)
        {
            final long tat = controlTat.get();
            final long next = (tat == Long.MIN_VALUE || tat - nowNs < 0 ? nowNs : tat) + CONTROL_INTERVAL_NS;
            if (next - nowNs > CONTROL_INTERVAL_NS * (CONTROL_BURST + 1))
            {
                return false;
            }
            if (controlTat.compareAndSet(tat, next))
            {
                return true;
            }
        }
    }

    /** Carries the control budget of the peer's previous keypair over to this one (conductor thread). */
    public void inheritControlBudget(final Keypair previous)
    {
        if (previous != null)
        {
            controlTat.set(previous.controlTat.get());
        }
    }

    /** @return true once a datagram sealed with this keypair was received: the peer has it. */
    public boolean confirmed()
    {
        return received.get();
    }
}
