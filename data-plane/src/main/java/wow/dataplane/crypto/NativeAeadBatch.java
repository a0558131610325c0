package wow.dataplane.crypto;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import wow.shim.LibWow;
import wow.shim.Shim;

/**
 * {@link AeadBatch} through the shim, over Intel's ipsec-mb or the system's libcrypto: an array of
 * operations in off-heap memory handed to the shim in one call; a native context per keypair
 * slot, keyed once when a new keypair takes the slot. Owned by one queue thread.
 */
final class NativeAeadBatch extends AeadBatch
{
    private static final int OP = 24;
    private static final int RESULT = 20;
    /** Backends, as the shim numbers them. */
    static final int LIBCRYPTO = 1;
    static final int IPSEC_MB = 2;
    private static final int BACKENDS = loadNative();

    private final boolean seal;
    private final int backend;
    private final int capacity;
    private final LibWow lib = Shim.lib();
    private final UnsafeBuffer ops;
    private final long[] contexts = new long[SessionTable.MAX_KEYPAIRS];
    private final Keypair[] owners = new Keypair[SessionTable.MAX_KEYPAIRS];
    private int count;

    NativeAeadBatch(final boolean seal, final int capacity, final int backend)
    {
        this.seal = seal;
        this.backend = backend;
        this.capacity = capacity;
        this.ops = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * OP, 64));
    }

    static boolean available(final int backend)
    {
        return (BACKENDS & backend) != 0;
    }

    @Override
    public boolean add(final Keypair keypair, final long header, final int length)
    {
        if (count == capacity)
        {
            return false;
        }
        final int at = count * OP;
        ops.putLong(at, context(keypair));
        ops.putLong(at + 8, header);
        ops.putInt(at + 16, length);
        ops.putInt(at + RESULT, -1);
        count++;
        return true;
    }

    private long context(final Keypair keypair)
    {
        final int slot = keypair.slot();
        if (owners[slot] != keypair)
        {
            final byte[] key = seal ? keypair.sendKey() : keypair.receiveKey();
            if (contexts[slot] == 0)
            {
                contexts[slot] = lib.wow_aead_ctx_new(key, seal ? 1 : 0, backend);
                if (contexts[slot] == 0)
                {
                    throw new IllegalStateException("the shim could not make an AES-256-GCM context");
                }
            }
            else if (lib.wow_aead_ctx_key(contexts[slot], key) != 0)
            {
                throw new IllegalStateException("the shim could not key an AES-256-GCM context");
            }
            owners[slot] = keypair;
        }
        return contexts[slot];
    }

    @Override
    public int count()
    {
        return count;
    }

    @Override
    public int run()
    {
        if (count == 0)
        {
            return 0;
        }
        return seal ? lib.wow_aead_seal_batch(ops.addressOffset(), count) : lib.wow_aead_open_batch(ops.addressOffset(), count);
    }

    @Override
    public boolean authentic(final int i)
    {
        return ops.getInt(i * OP + RESULT) == 0;
    }

    @Override
    public void reset()
    {
        count = 0;
    }

    @Override
    public void close()
    {
        for (int i = 0; i < contexts.length; i++)
        {
            if (contexts[i] != 0)
            {
                lib.wow_aead_ctx_free(contexts[i]);
                contexts[i] = 0;
                owners[i] = null;
            }
        }
    }
}
