package wow.dataplane.crypto;

import wow.shim.Shim;

/**
 * Seals or opens a batch of datagrams in place with AES-256-GCM: each a 16-byte sealed header
 * (the additional data; its last 8 bytes the counter that makes the nonce, as Noise's AESGCM:
 * 4 zero bytes and the counter), the data, and the 16-byte tag after it. One instance per queue
 * and direction, used only by that queue's thread. {@link #create} picks the system's libcrypto
 * through the shim (one native call per batch, contexts keyed once per keypair) and falls back
 * to the JDK's provider (which allocates per packet) where there is none.
 */
public abstract class AeadBatch implements AutoCloseable
{
    public static final int HEADER_LENGTH = 16;
    public static final int TAG_LENGTH = 16;
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;

    /** @return the implementation in use on this host: "libcrypto" or "jdk". */
    public static String implementation()
    {
        return NativeAeadBatch.available() ? "libcrypto" : "jdk";
    }

    /**
     * @param seal     true to seal, false to open.
     * @param capacity datagrams per batch.
     */
    public static AeadBatch create(final boolean seal, final int capacity)
    {
        return NativeAeadBatch.available() ? new NativeAeadBatch(seal, capacity) : new JdkAeadBatch(seal, capacity);
    }

    /** @return the JDK's implementation (benchmarks compare it). */
    public static AeadBatch jdk(final boolean seal, final int capacity)
    {
        return new JdkAeadBatch(seal, capacity);
    }

    /** Shim loading for {@link NativeAeadBatch}: true if libcrypto is there. */
    static boolean loadNative()
    {
        try
        {
            return Shim.lib().wow_aead_init() == 0;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }

    /**
     * Queues a datagram.
     *
     * @param keypair whose send key seals (or receive key opens) it.
     * @param header  absolute address of its 16-byte header; the data follows, then the tag.
     * @param length  length of the data (without header and tag).
     * @return false if the batch is full.
     */
    public abstract boolean add(Keypair keypair, long header, int length);

    /** @return datagrams queued. */
    public abstract int count();

    /** Seals or opens everything queued. @return how many were sealed or authentic. */
    public abstract int run();

    /** @return true if datagram i (in the order added) was authentic, after {@link #run}. */
    public abstract boolean authentic(int i);

    /** Empties the batch. */
    public abstract void reset();

    @Override
    public abstract void close();
}
