package wow.controlplane.session;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import wow.controlplane.security.Keys;

/**
 * One Noise handshake, {@code Noise_XX_25519_AESGCM_SHA256} (Noise revision 34): mutual
 * authentication of static X25519 keys with forward secrecy in three messages, each side's
 * payload (its certificate) encrypted. X25519 is BouncyCastle's, SHA-256 and AES-GCM the JDK's.
 * <pre>
 *   -&gt; e
 *   &lt;- e, ee, s, es
 *   -&gt; s, se
 * </pre>
 * The state machine refuses messages out of turn; after the third message {@link #split} gives
 * the transport keys. Owned by the conductor thread.
 */
public final class NoiseHandshake
{
    public static final String PROTOCOL = "Noise_XX_25519_AESGCM_SHA256";
    static final int KEY = 32;

    private final boolean initiator;
    private final SymmetricState state = new SymmetricState(PROTOCOL);
    private final byte[] staticPrivate;
    private final byte[] staticPublic;
    private byte[] ephemeralPrivate;
    private byte[] ephemeralPublic;
    private byte[] remoteEphemeral;
    private byte[] remoteStatic;
    /** Messages done so far: 0 to 3. */
    private int step;

    /**
     * @param prologue bound into the handshake hash: both sides must use the same.
     */
    public NoiseHandshake(final boolean initiator, final byte[] staticPrivate, final byte[] prologue)
    {
        this.initiator = initiator;
        this.staticPrivate = staticPrivate.clone();
        this.staticPublic = Keys.agreementPublic(staticPrivate);
        state.mixHash(prologue);
    }

    /** Makes the fixed ephemeral key a test vector gives (tests only). */
    void ephemeral(final byte[] privateKey)
    {
        ephemeralPrivate = privateKey.clone();
        ephemeralPublic = Keys.agreementPublic(privateKey);
    }

    public boolean initiator()
    {
        return initiator;
    }

    /** @return true if it is this side's turn to write. */
    public boolean writes()
    {
        return step < 3 && initiator == (step % 2 == 0);
    }

    public boolean complete()
    {
        return step == 3;
    }

    /**
     * Writes the next message with a payload.
     *
     * @throws IllegalStateException if it is not this side's turn.
     * @throws GeneralSecurityException if the peer's ephemeral key is a low-order point.
     */
    public byte[] write(final byte[] payload) throws GeneralSecurityException
    {
        if (!writes())
        {
            throw new IllegalStateException("not this side's turn to write");
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (step)
        {
            case 0 -> writeEphemeral(out);
            case 1 ->
            {
                writeEphemeral(out);
                mixDh(ephemeralPrivate, remoteEphemeral); // ee
                out.writeBytes(state.encryptAndHash(staticPublic)); // s
                mixDh(staticPrivate, remoteEphemeral); // es (responder: s with re)
            }
            default ->
            {
                out.writeBytes(state.encryptAndHash(staticPublic)); // s
                mixDh(staticPrivate, remoteEphemeral); // se (initiator: s with re)
            }
        }
        out.writeBytes(state.encryptAndHash(payload));
        step++;
        return out.toByteArray();
    }

    /**
     * Reads the peer's next message.
     *
     * @return its payload.
     * @throws GeneralSecurityException if it is malformed, out of turn, or does not authenticate;
     *         the handshake cannot go on then.
     */
    public byte[] read(final byte[] message) throws GeneralSecurityException
    {
        if (writes() || complete())
        {
            throw new GeneralSecurityException("not the peer's turn to write");
        }
        int at = 0;
        switch (step)
        {
            case 0 ->
            {
                at = readEphemeral(message, at);
            }
            case 1 ->
            {
                at = readEphemeral(message, at);
                mixDh(ephemeralPrivate, remoteEphemeral); // ee
                at = readStatic(message, at);
                mixDh(ephemeralPrivate, remoteStatic); // es (initiator: e with rs)
            }
            default ->
            {
                at = readStatic(message, at);
                mixDh(ephemeralPrivate, remoteStatic); // se (responder: e with rs)
            }
        }
        final byte[] payload = state.decryptAndHash(Arrays.copyOfRange(message, at, message.length));
        step++;
        return payload;
    }

    private void writeEphemeral(final ByteArrayOutputStream out)
    {
        if (ephemeralPrivate == null)
        {
            ephemeral(Keys.newAgreementKey());
        }
        out.writeBytes(ephemeralPublic);
        state.mixHash(ephemeralPublic);
    }

    private int readEphemeral(final byte[] message, final int at) throws GeneralSecurityException
    {
        if (message.length < at + KEY)
        {
            throw new GeneralSecurityException("handshake message too short");
        }
        remoteEphemeral = Arrays.copyOfRange(message, at, at + KEY);
        state.mixHash(remoteEphemeral);
        return at + KEY;
    }

    private int readStatic(final byte[] message, final int at) throws GeneralSecurityException
    {
        final int length = KEY + (state.hasKey() ? SymmetricState.TAG_LENGTH : 0);
        if (message.length < at + length)
        {
            throw new GeneralSecurityException("handshake message too short");
        }
        remoteStatic = state.decryptAndHash(Arrays.copyOfRange(message, at, at + length));
        return at + length;
    }

    private void mixDh(final byte[] privateKey, final byte[] publicKey) throws GeneralSecurityException
    {
        final byte[] shared = new byte[KEY];
        if (!Keys.agree(privateKey, publicKey, shared))
        {
            throw new GeneralSecurityException("low-order X25519 point");
        }
        state.mixKey(shared);
        Arrays.fill(shared, (byte)0);
    }

    /** @return the peer's static public key, once its message carrying it was read. */
    public byte[] remoteStatic()
    {
        return remoteStatic == null ? null : remoteStatic.clone();
    }

    /** @return {this side's sending key, its receiving key} after the third message. */
    public byte[][] split()
    {
        if (!complete())
        {
            throw new IllegalStateException("the handshake is not complete");
        }
        final byte[][] keys = state.split();
        return initiator ? keys : new byte[][] {keys[1], keys[0]};
    }

    /** @return the handshake hash (channel binding), after completion. */
    public byte[] hash()
    {
        return state.handshakeHash();
    }

    /** Forgets the private keys this handshake holds. */
    public void destroy()
    {
        Arrays.fill(staticPrivate, (byte)0);
        if (ephemeralPrivate != null)
        {
            Arrays.fill(ephemeralPrivate, (byte)0);
        }
    }
}
