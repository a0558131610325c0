package wow.dataplane.status;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountersFileTest
{
    @Test
    void anotherReaderSeesLiveValues(@TempDir final Path dir)
    {
        final Path file = dir.resolve("counters");
        try (CountersFile counters = CountersFile.create(file, 64))
        {
            final QueueCounters q = new QueueCounters(counters.manager(), counters.values(), 3);
            q.drop(DropReason.NO_ROUTE);
            q.drop(DropReason.NO_ROUTE, 4);
            final AtomicCounter link = counters.manager().newCounter("link x tx_packets", CounterTypes.LINK);
            q.addToCounter(link.id(), 9);

            final CountersReader reader = CountersFile.openReader(file);
            final Map<String, Long> seen = new HashMap<>();
            reader.forEach((value, id, label) -> seen.put(label, value));
            assertEquals(5L, seen.get("drop no_route q3"));
            assertEquals(9L, seen.get("link x tx_packets"));
            q.drop(DropReason.NO_ROUTE);
            final long[] now = new long[1];
            reader.forEach((value, id, label) -> now[0] = label.equals("drop no_route q3") ? value : now[0]);
            assertEquals(6, now[0]);
            assertEquals(ProcessHandle.current().pid(), CountersFile.pid(file));
        }
    }

    @Test
    void refusesFilesThatAreNotCounters(@TempDir final Path dir) throws Exception
    {
        final Path bogus = dir.resolve("counters");
        Files.write(bogus, new byte[128]);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFile.openReader(bogus));
        assertTrue(ex.getMessage().contains("not a WOW counters file"));
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
            () -> CountersFile.openReader(dir.resolve("nope")));
        assertTrue(missing.getMessage().startsWith("no counters file at"));
    }
}
