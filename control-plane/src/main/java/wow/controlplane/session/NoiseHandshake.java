package wow.controlplane.session;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import wow.controlplane.security.Keys;

/**
 * One Noise handshake (Noise revision 34) over X25519, AES-GCM and SHA-256, in one of two
 * patterns: {@code Noise_XX_25519_AESGCM_SHA256} when the initiator does not know the responder's
 * static key (three messages), {@code Noise_IK_25519_AESGCM_SHA256} when it does (two messages:
 * one round trip, and the responder learns who the initiator is, and may refuse it, before it
 * answers at all). Mutual authentication of static keys with forward secrecy; each side's payload
 * (its certificate) encrypted. X25519 is BouncyCastle's, SHA-256 and AES-GCM the JDK's.
 * <pre>
 *   XX:  -&gt; e                     IK:  &lt;- s
 *        &lt;- e, ee, s, es               ...
 *        -&gt; s, se                       -&gt; e, es, s, ss
 *                                        &lt;- e, ee, se
 * </pre>
 * The state machine refuses messages out of turn; after the last message {@link #split} gives
 * the transport keys. Owned by the conductor thread.
 */
public final class NoiseHandshake
{
    public static final String PROTOCOL = "Noise_XX_25519_AESGCM_SHA256";
    public static final String PROTOCOL_IK = "Noise_IK_25519_AESGCM_SHA256";
    static final int KEY = 32;

    private final boolean initiator;
    private final boolean ik;
    private final SymmetricState state;
    private final byte[] staticPrivate;
    private final byte[] staticPublic;
    private byte[] ephemeralPrivate;
    private byte[] ephemeralPublic;
    private byte[] remoteEphemeral;
    private byte[] remoteStatic;
    /** Messages done so far. */
    private int step;

    /** An XX handshake. @param prologue bound into the handshake hash: both sides must use the same. */
    public NoiseHandshake(final boolean initiator, final byte[] staticPrivate, final byte[] prologue)
    {
        this(initiator, staticPrivate, prologue, false, null);
    }

    /**
     * An IK handshake.
     *
     * @param responderStatic the responder's static public key: the initiator's knowledge of it
     *                        (on the responder's side, null: its own key is used).
     */
    public static NoiseHandshake ik(final boolean initiator, final byte[] staticPrivate, final byte[] prologue,
        final byte[] responderStatic)
    {
        return new NoiseHandshake(initiator, staticPrivate, prologue, true, responderStatic);
    }

    private NoiseHandshake(final boolean initiator, final byte[] staticPrivate, final byte[] prologue, final boolean ik,
        final byte[] responderStatic)
    {
        this.initiator = initiator;
        this.ik = ik;
        this.state = new SymmetricState(ik ? PROTOCOL_IK : PROTOCOL);
        this.staticPrivate = staticPrivate.clone();
        this.staticPublic = Keys.agreementPublic(staticPrivate);
        state.mixHash(prologue);
        if (ik)
        {
            // the pre-message: the responder's static key, known to both
            final byte[] known = initiator ? responderStatic.clone() : staticPublic;
            if (initiator)
            {
                remoteStatic = known;
            }
            state.mixHash(known);
        }
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

    private int messages()
    {
        return ik ? 2 : 3;
    }

    /** @return true if it is this side's turn to write. */
    public boolean writes()
    {
        return step < messages() && initiator == (step % 2 == 0);
    }

    public boolean complete()
    {
        return step == messages();
    }

    /**
     * Writes the next message with a payload.
     *
     * @throws IllegalStateException if it is not this side's turn.
     * @throws GeneralSecurityException if the peer's key is a low-order point.
     */
    public byte[] write(final byte[] payload) throws GeneralSecurityException
    {
        if (!writes())
        {
            throw new IllegalStateException("not this side's turn to write");
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (ik && step == 0)
        {
            writeEphemeral(out);
            mixDh(ephemeralPrivate, remoteStatic); // es (initiator: e with rs)
            out.writeBytes(state.encryptAndHash(staticPublic)); // s
            mixDh(staticPrivate, remoteStatic); // ss
        }
        else if (ik)
        {
            writeEphemeral(out);
            mixDh(ephemeralPrivate, remoteEphemeral); // ee
            mixDh(ephemeralPrivate, remoteStatic); // se (responder: e with rs)
        }
        else if (step == 0)
        {
            writeEphemeral(out);
        }
        else if (step == 1)
        {
            writeEphemeral(out);
            mixDh(ephemeralPrivate, remoteEphemeral); // ee
            out.writeBytes(state.encryptAndHash(staticPublic)); // s
            mixDh(staticPrivate, remoteEphemeral); // es (responder: s with re)
        }
        else
        {
            out.writeBytes(state.encryptAndHash(staticPublic)); // s
            mixDh(staticPrivate, remoteEphemeral); // se (initiator: s with re)
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
        int at = readEphemeralIfAny(message);
        if (ik && step == 0)
        {
            mixDh(staticPrivate, remoteEphemeral); // es (responder: s with re)
            at = readStatic(message, at);
            mixDh(staticPrivate, remoteStatic); // ss
        }
        else if (ik)
        {
            mixDh(ephemeralPrivate, remoteEphemeral); // ee
            mixDh(staticPrivate, remoteEphemeral); // se (initiator: s with re)
        }
        else if (step == 1)
        {
            mixDh(ephemeralPrivate, remoteEphemeral); // ee
            at = readStatic(message, at);
            mixDh(ephemeralPrivate, remoteStatic); // es (initiator: e with rs)
        }
        else if (step == 2)
        {
            at = readStatic(message, at);
            mixDh(ephemeralPrivate, remoteStatic); // se (responder: e with rs)
        }
        final byte[] payload = state.decryptAndHash(Arrays.copyOfRange(message, at, message.length));
        step++;
        return payload;
    }

    /** Reads the peer's ephemeral key where the pattern puts one. @return where the rest starts. */
    private int readEphemeralIfAny(final byte[] message) throws GeneralSecurityException
    {
        if (!ik && step == 2)
        {
            return 0;
        }
        if (message.length < KEY)
        {
            throw new GeneralSecurityException("handshake message too short");
        }
        remoteEphemeral = Arrays.copyOfRange(message, 0, KEY);
        state.mixHash(remoteEphemeral);
        return KEY;
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

    /** @return the peer's static public key, once known (read, or given to an IK initiator). */
    public byte[] remoteStatic()
    {
        return remoteStatic == null ? null : remoteStatic.clone();
    }

    /** @return {this side's sending key, its receiving key} after the last message. */
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
