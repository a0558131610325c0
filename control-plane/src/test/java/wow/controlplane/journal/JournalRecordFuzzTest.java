package wow.controlplane.journal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Fuzz target (Jazzer) for the FIB journal's record decoder: a corrupt record (a damaged disk, a
 * journal of another build) is an {@link IllegalArgumentException} naming it, never another
 * exception and never an allocation the record's own bytes cannot back. {@code mvn verify} runs it
 * once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class JournalRecordFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void journalRecord(final byte[] input)
    {
        final Bytes<byte[]> bytes = Bytes.wrapForRead(input);
        try
        {
            final FibRecord r = FibRecord.decode(bytes);
            if (r.entries().size() > input.length)
            {
                throw new IllegalStateException("more routes than bytes");
            }
        }
        catch (final IllegalArgumentException expected)
        {
            // a corrupt record, said so
        }
    }
}
