package wow.controlplane.overlay.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzz targets (Jazzer) for the overlay protocol's codec: whatever a member sends, decoding
 * returns a message or null and never throws (anything thrown is a finding), and a message that
 * decodes encodes back to the same bytes where the codec has an encoder for it. {@code mvn verify}
 * runs each target once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class OverlayMessagesFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void overlayMessage(final byte[] input)
    {
        final OverlayMessage m = Messages.decode(input, 0, input.length);
        if (m instanceof OverlayMessage.Neighbours n && n.peers().size() <= Messages.MAX_PEERS)
        {
            final byte[] again = Messages.neighbours(n.peers());
            // the header's connection types, flags and reserved byte are not part of a list
            if (!Arrays.equals(again, 4, again.length, input, 4, Math.min(input.length, again.length)))
            {
                throw new IllegalStateException("a neighbour list does not encode back to its bytes");
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void leaseMessage(final byte[] input)
    {
        Messages.decodeLease(input, 0, input.length);
        Messages.decodeLeaseHeld(input, 0, input.length);
    }
}
