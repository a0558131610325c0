package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The most queues {@code --queues} accepts fit the counters file (they did not: 48 and more failed
 * to start), and so do the counters of the most links a node accepts (a member opening 520 links
 * made the conductor fail with "unable to allocate counter").
 */
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

    @Test
    @Timeout(60)
    void theCountersFileHasRoomForTheMostLinksANodeAccepts(@TempDir final Path dir)
    {
        try (Node node = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:0", "--no-tap",
            "--threading", "shared", "--state-dir", dir.toString()}), new PrintStream(new ByteArrayOutputStream())))
        {
            final org.agrona.concurrent.status.CountersReader reader =
                wow.dataplane.status.CountersFile.openReader(dir.resolve("counters"));
            final int[] allocated = {0};
            reader.forEach((id, label) -> allocated[0]++);
            final int free = reader.maxCounterId() - allocated[0];
            assertTrue(free >= wow.controlplane.overlay.OverlayNode.MAX_CONNECTIONS *
                wow.dataplane.status.CounterTypes.LINK_COUNTERS.length, free + " counters free of " + reader.maxCounterId());
        }
    }
}
