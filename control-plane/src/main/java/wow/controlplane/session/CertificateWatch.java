package wow.controlplane.session;

import java.util.function.LongSupplier;
import wow.controlplane.EventLog;
import wow.controlplane.security.Certificate;

/**
 * Watches this node's own certificate: exports the days it has left ({@code certificate_days_left})
 * once a minute and logs {@code certificate_expiring} once a day in its last
 * {@link #WARNING_DAYS} days (peers refuse an expired certificate). Owned by the conductor thread.
 */
final class CertificateWatch
{
    static final long WARNING_DAYS = 7;
    private static final long CHECK_NS = 60_000_000_000L;
    private static final long WARN_EVERY_NS = 86_400_000_000_000L;

    private final Certificate certificate;
    private final LongSupplier epochSeconds;
    private final SessionCounters counters;
    private final EventLog log;
    private long nextCheckNs;
    private long lastWarningNs;
    private boolean warned;

    CertificateWatch(final Certificate certificate, final LongSupplier epochSeconds, final SessionCounters counters,
        final EventLog log)
    {
        this.certificate = certificate;
        this.epochSeconds = epochSeconds;
        this.counters = counters;
        this.log = log;
    }

    void tick(final long nowNs)
    {
        if (nextCheckNs != 0 && nowNs - nextCheckNs < 0)
        {
            return;
        }
        nextCheckNs = nowNs + CHECK_NS;
        final long daysLeft = (certificate.notAfter() - epochSeconds.getAsLong()) / 86_400;
        counters.certificateDaysLeft.setOrdered(daysLeft);
        if (daysLeft < WARNING_DAYS && (!warned || nowNs - lastWarningNs > WARN_EVERY_NS))
        {
            warned = true;
            lastWarningNs = nowNs;
            log.event("certificate_expiring", "name=" + certificate.name() + " days_left=" + daysLeft + " expires=" +
                java.time.Instant.ofEpochSecond(certificate.notAfter()));
        }
    }
}
