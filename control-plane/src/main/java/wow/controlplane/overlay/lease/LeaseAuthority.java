package wow.controlplane.overlay.lease;

import java.util.Arrays;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Keys;

/**
 * Who may hold a lease on a virtual IP, beyond the owner's signature ({@link Leases#verify}): on a
 * secure network the owner's certificate must come from a trusted CA, be valid and unrevoked, bind
 * the record key that signed the operation and the ring address it names, and allow the IP; a
 * certificate for one fixed IP issued after the certificate of the lease that holds it takes the
 * address over (a reinstalled host with a new bundle). Holders check every operation they apply and
 * resolvers every lease they are answered with. Called on the overlay node's thread.
 */
public interface LeaseAuthority
{
    /**
     * An insecure network's: the operation must carry an Ed25519 key and signature; nothing more. Its
     * key is its IP's lease key or, for a host name's record, a key no insecure node can tie to the
     * name (anyone may claim any name there, first come first served).
     */
    LeaseAuthority OPEN = new LeaseAuthority()
    {
        @Override
        public String problem(final Messages.LeaseOp op)
        {
            return signedShape(op);
        }

        @Override
        public boolean supersedes(final Messages.LeaseOp newer, final Messages.LeaseOp held)
        {
            return false;
        }
    };

    /**
     * @return true if the operation carries its owner's valid signature ({@link Leases#verify}); an
     *         authority may remember what it checked (the simulator shares one memory among its nodes).
     */
    default boolean signed(final Messages.LeaseOp op)
    {
        return Leases.verify(op);
    }

    /** @return null if the operation's owner may hold the lease it names, else why not (for counters and logs). */
    String problem(Messages.LeaseOp op);

    /**
     * @return true if the operation's owner may hold any address of a pool, so that only the grant of
     *         the key's holders makes this one its own (a lease it signed proves it may, not that it does)
     */
    default boolean pooled(final Messages.LeaseOp op)
    {
        return false;
    }

    /** @return true if {@code newer}'s owner takes the address over from the owner of {@code held}. */
    boolean supersedes(Messages.LeaseOp newer, Messages.LeaseOp held);

    /** @return null if the operation carries an Ed25519 key and signature, else why not. */
    static String signedShape(final Messages.LeaseOp op)
    {
        return op.publicKey().length != Keys.KEY_LENGTH || op.signature().length != Keys.SIGNATURE_LENGTH ?
            "not an Ed25519 key and signature" : null;
    }

    /** @return true if the operation is on its IP's lease (not on a host name's record). */
    static boolean onIpLease(final Messages.LeaseOp op)
    {
        return Arrays.equals(op.key(), Leases.key(op.ip()));
    }
}
