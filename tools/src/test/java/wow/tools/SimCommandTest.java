package wow.tools;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimCommandTest
{
    @Test
    void printsOneJsonObjectWithExactlyTheDocumentedKeys()
    {
        final Map<String, Object> result = Json.object(FibDumpTest.run("sim", "--nodes", "40", "--duration-s", "30", "--json"));
        assertEquals(Set.of("nodes", "routable_fraction", "ring_correct_fraction", "hops_mean", "hops_p99", "join_ms_p50",
            "join_ms_p99", "resolved_fraction", "leased_fraction", "duplicate_addresses", "lease_conflicts", "shortcut_fraction",
            "shortcut_ms_p50", "heal_ms", "converge_s", "liars", "hijacked", "lease_records_mean",
            "lease_records_max", "messages_per_node_per_s", "wall_s"), result.keySet());
        assertEquals(40.0, result.get("nodes"));
        assertEquals(1.0, result.get("ring_correct_fraction"));
        assertEquals(1.0, result.get("resolved_fraction"));
        assertEquals(null, result.get("leased_fraction"), "not simulated without --leases");
        assertEquals(null, result.get("liars"), "not simulated without --liars");
        final Map<String, Object> lying = Json.object(FibDumpTest.run("sim", "--nodes", "40", "--duration-s", "30", "--liars", "10",
            "--json"));
        assertEquals(0.0, lying.get("hijacked"), "no honest address resolved to a liar");
    }

    @Test
    void aJoinRateSchedulesTheJoinsAndConvergenceIsTimedFromTheLast()
    {
        // 99 joins at 20 per second end at 4.95 s: the ring is right some seconds later, well before 30 s
        final Map<String, Object> result = Json.object(FibDumpTest.run("sim", "--nodes", "100", "--join-rate", "20",
            "--duration-s", "30", "--json"));
        final double converge = ((Number)result.get("converge_s")).doubleValue();
        assertTrue(converge >= 0 && converge < 25, "converge_s " + converge);
        assertEquals(1.0, result.get("ring_correct_fraction"));
        final Map<String, Object> again = new java.util.HashMap<>(Json.object(FibDumpTest.run("sim", "--nodes", "100",
            "--join-rate", "20", "--duration-s", "30", "--json")));
        final Map<String, Object> first = new java.util.HashMap<>(result);
        first.remove("wall_s");
        again.remove("wall_s");
        assertEquals(first, again, "the same seed, the same figures");
        final Map<String, Object> threeWorkers = new java.util.HashMap<>(Json.object(FibDumpTest.run("sim", "--nodes", "100",
            "--join-rate", "20", "--duration-s", "30", "--workers", "3", "--json")));
        threeWorkers.remove("wall_s");
        assertEquals(first, threeWorkers, "the same seed, the same figures, with any number of workers");
        assertEquals(2, Main.run(new String[] {"sim", "--nodes", "10", "--workers", "0"}), "--workers 0 is refused");
    }
}
