package wow.controlplane.overlay.lease;

import wow.controlplane.overlay.wire.Messages;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Quorum rounds of the lease operations this node decides as a key's primary, and the replica's
 * side of them. A request is first a read: the key's replicas (the r - 1 near neighbours closest
 * to it) hand back the lease they hold, which the primary adopts if it lacked it (owner-signed,
 * so a replica can withhold a lease but not invent one) — a node that just became the primary,
 * or one side of a healed split, learns the owner before it decides. Once a majority of the
 * replica set (the primary counted) answered, the primary decides by its create-if-absent rule
 * ({@link Leases#apply}); a granted operation is then written to the replicas and answered
 * granted only when a majority of the set holds it. A round without a quorum within
 * {@link #ROUND_MS} is answered refused and counted ({@link #noQuorum}); the owner asks again.
 * Bounded: {@link #MAX_ROUNDS}. Owned by the overlay node's thread.
 */
public final class LeaseQuorum
{
    public static final long ROUND_MS = 2_000;
    public static final int MAX_ROUNDS = 256;

    /** How rounds reach the other nodes. */
    public interface Wire
    {
        /** Sends to a linked node by its ring value (nothing if it is no longer linked). */
        void send(BigInteger to, byte[] message);

        /** @return the ring values of the near neighbours (the nodes that may become a key's primary). */
        List<BigInteger> near();

        /** Answers an operation's owner: the result and the lease's owner (the op's, if it holds). */
        /** @param held the live lease of another owner (a "taken" answer's proof), or null. */
        void answer(Messages.LeaseOp op, int result, byte[] holder, Leases.Lease held, long nowMs);
    }

    private static final class Round
    {
        final Messages.LeaseOp op;
        final List<BigInteger> replicas;
        final int needed;
        final long deadlineMs;
        final Set<BigInteger> answered = new HashSet<>();
        boolean writing;

        Round(final Messages.LeaseOp op, final List<BigInteger> replicas, final long deadlineMs)
        {
            this.op = op;
            this.replicas = replicas;
            this.needed = (replicas.size() + 1) / 2; // with the primary: a majority of replicas + 1
            this.deadlineMs = deadlineMs;
        }
    }

    private final Leases leases;
    private final Wire wire;
    private final Map<Integer, Round> rounds = new HashMap<>();
    private int nextToken = 1;
    private long noQuorum;

    public LeaseQuorum(final Leases leases, final Wire wire)
    {
        this.leases = leases;
        this.wire = wire;
    }

    /** @return rounds answered refused for want of a quorum (or of room for another round). */
    public long noQuorum()
    {
        return noQuorum;
    }

    /** As the primary: starts deciding an owner's request with these replicas (ring values). */
    public void request(final Messages.LeaseOp op, final List<BigInteger> replicas, final long nowMs)
    {
        final Leases.Lease held = leases.get(op.key(), nowMs);
        if (held != null && !held.ownedBy(op.publicKey()))
        {
            wire.answer(op, Messages.LEASE_TAKEN, held.value(), held, nowMs); // a live lease of another owner: no round needed
            return;
        }
        if (replicas.isEmpty())
        {
            decide(0, new Round(op, replicas, nowMs), nowMs); // alone on the ring
            return;
        }
        if (rounds.size() >= MAX_ROUNDS)
        {
            noQuorum++;
            wire.answer(op, Messages.LEASE_REFUSED, op.value(), null, nowMs);
            return;
        }
        final int token = token();
        if (op.op() == Messages.LEASE_RELEASE && !inFlight(op.key()))
        {
            // a release asks nobody who owns the key (only the owner's signature counts): applied and
            // written at once, so that a leaving owner that was a replica itself cannot hold it up
            // (behind another operation on the key it waits its turn, so that one cannot undo it)
            final Round round = new Round(op, replicas, nowMs + ROUND_MS);
            rounds.put(token, round);
            decide(token, round, nowMs);
            return;
        }
        rounds.put(token, new Round(op, replicas, nowMs + ROUND_MS));
        final byte[] query = Messages.lease(op.as(Messages.LEASE_QUERY, token, op.remainingSeconds()));
        for (final BigInteger replica : replicas)
        {
            wire.send(replica, query);
        }
    }

    private boolean inFlight(final byte[] key)
    {
        for (final Round round : rounds.values())
        {
            if (Arrays.equals(round.op.key(), key))
            {
                return true;
            }
        }
        return false;
    }

    /** As the primary: a replica's answer to a query or a write. */
    public void held(final BigInteger from, final Messages.LeaseHeld answer, final long nowMs)
    {
        final Round round = rounds.get(answer.token());
        if (round == null || !round.replicas.contains(from) || !Arrays.equals(answer.key(), round.op.key()))
        {
            return;
        }
        if (!round.writing)
        {
            if (answer.held() != null)
            {
                leases.apply(answer.held(), nowMs); // adopted only if this node lacks a live lease of the key
            }
            round.answered.add(from);
            if (round.answered.size() >= round.needed)
            {
                decide(answer.token(), round, nowMs);
            }
        }
        else if (holds(answer.held(), round.op))
        {
            round.answered.add(from);
            if (round.answered.size() >= round.needed)
            {
                rounds.remove(answer.token());
                wire.answer(round.op, Messages.LEASE_GRANTED, round.op.value(), null, nowMs);
            }
        }
    }

    /** As a replica: a primary's query or copy. @return the answer to send back to it, or null (an unasked copy). */
    public byte[] replica(final Messages.LeaseOp op, final long nowMs)
    {
        if (op.role() == Messages.LEASE_COPY)
        {
            leases.apply(op, nowMs);
            if (op.token() == 0)
            {
                return null;
            }
        }
        final Leases.Lease lease = leases.get(op.key(), nowMs);
        return Messages.leaseHeld(op.token(), op.key(), lease == null ? null : lease.handOn(nowMs));
    }

    /** Answers refused the rounds that found no quorum in time. */
    public void expire(final long nowMs)
    {
        final Iterator<Round> it = rounds.values().iterator();
        while (it.hasNext())
        {
            final Round round = it.next();
            if (nowMs >= round.deadlineMs)
            {
                it.remove();
                noQuorum++;
                wire.answer(round.op, Messages.LEASE_REFUSED, round.op.value(), null, nowMs);
            }
        }
    }

    private void decide(final int token, final Round round, final long nowMs)
    {
        final int result = leases.apply(round.op, nowMs);
        if (result != Messages.LEASE_GRANTED)
        {
            rounds.remove(token);
            final Leases.Lease now = leases.get(round.op.key(), nowMs);
            wire.answer(round.op, result, now == null ? round.op.value() : now.value(),
                result == Messages.LEASE_TAKEN ? now : null, nowMs);
            return;
        }
        // the replicas are asked to acknowledge; every other near neighbour gets a copy too, so
        // whichever of them a later request may reach as its primary while the ring is in flux
        // already knows the owner
        final byte[] ask = Messages.lease(round.op.as(Messages.LEASE_COPY, token, round.op.ttlSeconds()));
        final byte[] copy = Messages.lease(round.op.as(Messages.LEASE_COPY, 0, round.op.ttlSeconds()));
        for (final BigInteger n : wire.near())
        {
            wire.send(n, round.replicas.contains(n) ? ask : copy);
        }
        if (round.replicas.isEmpty())
        {
            wire.answer(round.op, Messages.LEASE_GRANTED, round.op.value(), null, nowMs);
            return;
        }
        round.writing = true;
        round.answered.clear();
    }

    /** @return true if a replica's answer shows it now holds what the operation made. */
    private static boolean holds(final Messages.LeaseOp held, final Messages.LeaseOp op)
    {
        if (op.op() == Messages.LEASE_RELEASE)
        {
            return held == null || !Arrays.equals(held.publicKey(), op.publicKey());
        }
        return held != null && Arrays.equals(held.publicKey(), op.publicKey()) && held.serial() >= op.serial();
    }

    private int token()
    {
        if (nextToken == 0)
        {
            nextToken = 1; // 0 marks an unasked copy
        }
        return nextToken++;
    }
}
