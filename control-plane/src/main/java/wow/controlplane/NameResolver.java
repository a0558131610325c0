package wow.controlplane;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;

/**
 * Host names &rarr; virtual IPs through the DHT ({@link NameRecord} publishes them): each lookup
 * asks the key's primary and the nodes at two points beside it at once, takes the first record
 * that passes this node's own checks (the owner's signature; on a secure network a certificate
 * that bears the name and allows the address), and says "no such name" only when every one that
 * answered had none. Answers are kept for at most {@link #CACHE_MS} (never longer than the
 * record lives); concurrent questions for one name share a lookup; at most
 * {@link #MAX_PENDING} names are looked up at a time. This node's own name is answered from its
 * lease. Conductor thread only.
 */
public final class NameResolver
{
    /** How an answer ends. */
    public enum Status
    {
        FOUND, NO_SUCH_NAME, UNAVAILABLE
    }

    /** What a name resolved to: its virtual IP and how many more seconds it may be trusted. */
    public record Answer(Status status, int ip, int ttlSeconds)
    {
        public static final Answer NO_SUCH_NAME = new Answer(Status.NO_SUCH_NAME, 0, 0);
        public static final Answer UNAVAILABLE = new Answer(Status.UNAVAILABLE, 0, 0);
    }

    static final long CACHE_MS = 30_000;
    static final long TIMEOUT_MS = 3_000;
    static final int MAX_PENDING = 256;
    static final int CACHE_ENTRIES = 4_096;
    /** Lookups per name: the primary and two points beside the key. */
    private static final int LOOKUPS = 3;

    private record Cached(int ip, long expiresMs)
    {
    }

    private static final class Pending
    {
        final String name;
        final byte[] key;
        final long sentMs;
        final List<Consumer<Answer>> waiting = new ArrayList<>();
        int answered;

        Pending(final String name, final byte[] key, final long sentMs)
        {
            this.name = name;
            this.key = key;
            this.sentMs = sentMs;
        }
    }

    private final OverlayNode overlay;
    private final String ownName;
    private final IntSupplier ownIp;
    private final Map<String, Cached> cache = new LruMap<>(CACHE_ENTRIES);
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<Integer, Pending> byToken = new HashMap<>();

    /**
     * @param ownName this node's name, lower case (null: none).
     * @param ownIp   this node's leased virtual IP (0: none yet).
     */
    NameResolver(final OverlayNode overlay, final String ownName, final IntSupplier ownIp)
    {
        this.overlay = overlay;
        this.ownName = ownName;
        this.ownIp = ownIp;
    }

    /** Resolves a name (lower case); {@code answer} is told once, now or when the lookup ends. */
    void resolve(final String name, final long now, final Consumer<Answer> answer)
    {
        if (name.equals(ownName))
        {
            final int ip = ownIp.getAsInt();
            answer.accept(ip == 0 ? Answer.UNAVAILABLE : new Answer(Status.FOUND, ip, (int)(CACHE_MS / 1000)));
            return;
        }
        final Cached c = cache.get(name);
        if (c != null && c.expiresMs() > now)
        {
            answer.accept(new Answer(Status.FOUND, c.ip(), (int)Math.max(1, (c.expiresMs() - now) / 1000)));
            return;
        }
        final Pending known = pending.get(name);
        if (known != null)
        {
            known.waiting.add(answer);
            return;
        }
        if (pending.size() >= MAX_PENDING || !overlay.isJoined())
        {
            answer.accept(Answer.UNAVAILABLE);
            return;
        }
        final Pending p = new Pending(name, Leases.nameKey(name), now);
        p.waiting.add(answer);
        pending.put(name, p);
        byToken.put(overlay.get(p.key), p);
        for (int beside = 1; beside < LOOKUPS; beside++)
        {
            byToken.put(overlay.getBeside(p.key, beside), p);
        }
    }

    /** @return true if the reply was to a name lookup (and is taken), else false. */
    boolean onDhtReply(final int token, final boolean found, final byte[] value, final long now)
    {
        final Pending p = byToken.remove(token);
        if (p == null)
        {
            return false;
        }
        if (pending.get(p.name) != p)
        {
            return true; // the lookup already ended
        }
        p.answered++;
        final Messages.LeaseOp op = found && value != null ? Messages.decodeLease(value, 0, value.length) : null;
        if (op != null && Arrays.equals(op.key(), p.key) && overlay.leaseProblem(op) == null)
        {
            final long ttlMs = Math.min(CACHE_MS, Math.max(1, op.remainingSeconds()) * 1000L);
            cache.put(p.name, new Cached(op.ip(), now + ttlMs));
            end(p, new Answer(Status.FOUND, op.ip(), (int)Math.max(1, ttlMs / 1000)));
        }
        else if (p.answered == LOOKUPS)
        {
            end(p, Answer.NO_SUCH_NAME);
        }
        return true;
    }

    /** Lookups not all answered in {@link #TIMEOUT_MS}: no such name if any holder said so, else unavailable. */
    void tick(final long now)
    {
        final List<Pending> late = new ArrayList<>();
        for (final Pending p : pending.values())
        {
            if (now - p.sentMs > TIMEOUT_MS)
            {
                late.add(p);
            }
        }
        for (final Pending p : late)
        {
            end(p, p.answered > 0 ? Answer.NO_SUCH_NAME : Answer.UNAVAILABLE);
        }
    }

    private void end(final Pending p, final Answer answer)
    {
        pending.remove(p.name);
        for (final Iterator<Pending> it = byToken.values().iterator(); it.hasNext();)
        {
            if (it.next() == p)
            {
                it.remove();
            }
        }
        for (final Consumer<Answer> waiting : p.waiting)
        {
            waiting.accept(answer);
        }
    }
}
