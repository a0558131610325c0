package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The most queues {@code --queues} accepts fit the counters file (they did not: 48 and more failed to start). */
class ManyQueuesTest
{
    @Test
    @Timeout(60)
    void aNodeWithSixtyFourQueuesStarts(@TempDir final Path dir)
    {
        try (Node node = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:0", "--no-tap",
            "--queues", "64", "--threading", "shared", "--state-dir", dir.toString()}), new PrintStream(new ByteArrayOutputStream())))
        {
            assertEquals(64, FibDumpTest.run("counters", "--state-dir", dir.toString(), "--all").lines()
                .filter(l -> l.startsWith("udp_rx_datagrams q")).count());
        }
    }
}
