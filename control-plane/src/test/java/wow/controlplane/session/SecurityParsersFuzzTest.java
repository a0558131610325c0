package wow.controlplane.session;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.Pem;
import wow.controlplane.security.RevocationList;

/**
 * Fuzz targets (Jazzer) for every parser that reads what a peer or a file hands a node on the way
 * to membership: certificates, revocation lists, armor, handshake messages and payloads. Each may
 * refuse its input only with {@link IllegalArgumentException} (or by returning null); anything
 * else thrown is a finding. {@code mvn verify} runs the seed corpus in
 * {@code src/test/resources/.../SecurityParsersFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes
 * (see the README for the long run).
 */
class SecurityParsersFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void certificate(final byte[] input)
    {
        try
        {
            final Certificate c = Certificate.decode(input);
            c.describe();
            c.allows(0x0A000001);
            c.ringAddress();
        }
        catch (final IllegalArgumentException expected)
        {
            // refused with a reason: fine
        }
    }

    @FuzzTest(maxDuration = "30s")
    void revocationList(final byte[] input)
    {
        try
        {
            RevocationList.decode(input).serials();
        }
        catch (final IllegalArgumentException expected)
        {
            // refused with a reason: fine
        }
    }

    @FuzzTest(maxDuration = "30s")
    void armor(final byte[] input)
    {
        try
        {
            Pem.decode(new String(input, StandardCharsets.ISO_8859_1));
        }
        catch (final IllegalArgumentException expected)
        {
            // refused with a reason: fine
        }
    }

    @FuzzTest(maxDuration = "30s")
    void handshakeMessageAndPayload(final byte[] input)
    {
        final HandshakeMessage m = HandshakeMessage.decode(new UnsafeBuffer(input), 0, input.length);
        if (m != null)
        {
            Payload.decode(m.noise());
        }
        Payload.decode(input);
        Revocations.parse(new UnsafeBuffer(input), 0, input.length);
    }
}
