package wow.tools;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target (Jazzer) for {@code wow node --config FILE}: whatever the file holds, reading it and
 * the options it gives ends in a configuration or a one-line {@link UsageException} naming the
 * problem, never another exception. {@code mvn verify} runs it once; {@code JAZZER_FUZZ=1} fuzzes
 * (see the README).
 */
class ConfigFileFuzzTest
{
    private static final Path FILE;

    static
    {
        try
        {
            FILE = Files.createTempFile("wow-config-fuzz", ".yaml");
            FILE.toFile().deleteOnExit();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void configFile(final byte[] input) throws IOException
    {
        Files.write(FILE, input);
        try
        {
            NodeCommand.parseWithConfig(new String[] {"--config", FILE.toString()});
        }
        catch (final UsageException expected)
        {
            if (expected.getMessage() == null || expected.getMessage().chars().anyMatch(Character::isISOControl))
            {
                throw new IllegalStateException("not a one-line error: " + expected.getMessage());
            }
        }
    }
}
