package wow.dataplane.crypto;

import wow.shim.Shim;

/**
 * Seals or opens a batch of datagrams in place with AES-256-GCM: each a 16-byte sealed header
 * (the additional data; its last 8 bytes the counter that makes the nonce, as Noise's AESGCM:
 * 4 zero bytes and the counter), the data, and the 16-byte tag after it. One instance per queue
 * and direction, used only by that queue's thread. {@link #create} picks, by measurement, Intel's
 * ipsec-mb through the shim (VAES/AVX-512 where the CPU has them), else the system's libcrypto
 * (both: one native call per batch, a context keyed once per keypair), else the JDK's provider
 * (which allocates per packet).
 */
public abstract class AeadBatch implements AutoCloseable
{
    public static final int HEADER_LENGTH = 16;
    public static final int TAG_LENGTH = 16;
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;

    /** The implementations, fastest first: seal + open of 1,400 B took 256, 1,082 and 1,481 ns here (JMH). */
    private static final String[] IMPLEMENTATIONS = {"ipsec-mb", "libcrypto", "jdk"};

    /** @return the implementation in use on this host: "ipsec-mb", "libcrypto" or "jdk". */
    public static String implementation()
    {
        for (final String name : IMPLEMENTATIONS)
        {
            if (available(name))
            {
                return name;
            }
        }
        throw new AssertionError("the JDK's is always there");
    }

    /** @return true if this host has the implementation: "ipsec-mb", "libcrypto" or "jdk". */
    public static boolean available(final String implementation)
    {
        final int backend = backend(implementation);
        return backend == 0 || backend > 0 && NativeAeadBatch.available(backend);
    }

    /** @return the shim's number for a native implementation, 0 for the JDK's, -1 for an unknown name. */
    private static int backend(final String implementation)
    {
        return switch (implementation)
        {
            case "ipsec-mb" -> NativeAeadBatch.IPSEC_MB;
            case "libcrypto" -> NativeAeadBatch.LIBCRYPTO;
            case "jdk" -> 0;
            default -> -1;
        };
    }

    /**
     * @param seal     true to seal, false to open.
     * @param capacity datagrams per batch.
     */
    public static AeadBatch create(final boolean seal, final int capacity)
    {
        return create(seal, capacity, implementation());
    }

    /**
     * @param implementation "ipsec-mb", "libcrypto" or "jdk" (tests and benchmarks compare them).
     * @throws IllegalArgumentException if this host does not have it.
     */
    public static AeadBatch create(final boolean seal, final int capacity, final String implementation)
    {
        if (!available(implementation))
        {
            throw new IllegalArgumentException("AES-GCM implementation '" + implementation + "' is not available on this host");
        }
        final int backend = backend(implementation);
        return backend == 0 ? new JdkAeadBatch(seal, capacity) : new NativeAeadBatch(seal, capacity, backend);
    }

    /** Shim loading for {@link NativeAeadBatch}: the mask of native backends there, 0 if none. */
    static int loadNative()
    {
        try
        {
            return Shim.lib().wow_aead_init();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return 0;
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
