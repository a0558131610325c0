package wow.tools;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SimCommandTest
{
    @Test
    void printsOneJsonObjectWithExactlyTheDocumentedKeys()
    {
        final Map<String, Object> result = Json.object(FibDumpTest.run("sim", "--nodes", "40", "--duration-s", "30", "--json"));
        assertEquals(Set.of("nodes", "routable_fraction", "ring_correct_fraction", "hops_mean", "hops_p99", "join_ms_p50",
            "join_ms_p99", "resolved_fraction", "leased_fraction", "duplicate_addresses", "lease_conflicts", "shortcut_fraction", "shortcut_ms_p50", "heal_ms",
            "liars", "hijacked", "messages_per_node_per_s", "wall_s"), result.keySet());
        assertEquals(40.0, result.get("nodes"));
        assertEquals(1.0, result.get("ring_correct_fraction"));
        assertEquals(1.0, result.get("resolved_fraction"));
        assertEquals(null, result.get("leased_fraction"), "not simulated without --leases");
        assertEquals(null, result.get("liars"), "not simulated without --liars");
        final Map<String, Object> lying = Json.object(FibDumpTest.run("sim", "--nodes", "40", "--duration-s", "30", "--liars", "10",
            "--json"));
        assertEquals(0.0, lying.get("hijacked"), "no honest address resolved to a liar");
    }
}
