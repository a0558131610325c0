package wow.dataplane.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link AeadBatch} over the JDK's AES/GCM provider, for hosts without libcrypto: a Cipher per
 * batch, initialised per datagram (which allocates: the JDK refuses to reuse a key and nonce
 * pair, and every init makes new GCM state), the data copied through one scratch array. Owned by
 * one queue thread.
 */
final class JdkAeadBatch extends AeadBatch
{
    private final boolean seal;
    private final Keypair[] keypairs;
    private final long[] headers;
    private final int[] lengths;
    private final boolean[] results;
    private final SecretKeySpec[] keys = new SecretKeySpec[SessionTable.MAX_KEYPAIRS];
    private final Keypair[] owners = new Keypair[SessionTable.MAX_KEYPAIRS];
    private final byte[] nonce = new byte[12];
    private final byte[] aad = new byte[HEADER_LENGTH];
    private final byte[] scratch = new byte[65_536 + TAG_LENGTH];
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final Cipher cipher;
    private int count;

    JdkAeadBatch(final boolean seal, final int capacity)
    {
        this.seal = seal;
        this.keypairs = new Keypair[capacity];
        this.headers = new long[capacity];
        this.lengths = new int[capacity];
        this.results = new boolean[capacity];
        try
        {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK has no AES/GCM/NoPadding", ex);
        }
    }

    @Override
    public boolean add(final Keypair keypair, final long header, final int length)
    {
        if (count == keypairs.length || length + TAG_LENGTH > scratch.length)
        {
            return false;
        }
        keypairs[count] = keypair;
        headers[count] = header;
        lengths[count] = length;
        results[count] = false;
        count++;
        return true;
    }

    @Override
    public int count()
    {
        return count;
    }

    @Override
    public int run()
    {
        int done = 0;
        for (int i = 0; i < count; i++)
        {
            results[i] = one(keypairs[i], headers[i], lengths[i]);
            done += results[i] ? 1 : 0;
        }
        return done;
    }

    private boolean one(final Keypair keypair, final long header, final int length)
    {
        final int slot = keypair.slot();
        if (owners[slot] != keypair)
        {
            keys[slot] = new SecretKeySpec(seal ? keypair.sendKey() : keypair.receiveKey(), "AES");
            owners[slot] = keypair;
        }
        view.wrap(header, HEADER_LENGTH + length + TAG_LENGTH);
        view.getBytes(0, aad);
        System.arraycopy(aad, HEADER_LENGTH - 8, nonce, 4, 8);
        try
        {
            cipher.init(seal ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, keys[slot], new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            view.getBytes(HEADER_LENGTH, scratch, 0, seal ? length : length + TAG_LENGTH);
            final int out = cipher.doFinal(scratch, 0, seal ? length : length + TAG_LENGTH, scratch, 0);
            view.putBytes(HEADER_LENGTH, scratch, 0, out);
            return true;
        }
        catch (final GeneralSecurityException ex)
        {
            return false; // a forged or corrupted datagram: the caller counts it
        }
    }

    @Override
    public boolean authentic(final int i)
    {
        return results[i];
    }

    @Override
    public void reset()
    {
        count = 0;
    }

    @Override
    public void close()
    {
        count = 0;
    }
}
