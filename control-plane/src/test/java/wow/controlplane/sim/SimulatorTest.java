package wow.controlplane.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The overlay's real code on the simulated network: ring, routing and joins at 1,000 nodes. */
class SimulatorTest
{
    @Test
    void thousandNodesWithChurnFormACorrectRingAndRouteEveryPair()
    {
        final Simulator.Result r = new Simulator(new Simulator.Options(1000, 42, 50, 0, 10, 150)).run();
        assertEquals(1000, r.nodes());
        assertEquals(1.0, r.ringCorrectFraction(), r.toJson());
        assertEquals(1.0, r.routableFraction(), r.toJson());
        assertTrue(r.hopsMean() > 1 && r.hopsMean() <= 8, r.toJson());
    }

    @Test
    void messageLossIsSurvived()
    {
        final Simulator.Result r = new Simulator(new Simulator.Options(300, 3, 50, 0.02, 0, 120)).run();
        assertEquals(1.0, r.ringCorrectFraction(), r.toJson());
        assertEquals(1.0, r.routableFraction(), r.toJson());
    }

    @Test
    void theSameSeedGivesTheSameOutput()
    {
        final Simulator.Result a = new Simulator(new Simulator.Options(100, 9, 20, 0.01, 20, 60)).run();
        final Simulator.Result b = new Simulator(new Simulator.Options(100, 9, 20, 0.01, 20, 60)).run();
        assertEquals(a.toJson().replaceAll("\"wall_s\":[0-9.]+", ""), b.toJson().replaceAll("\"wall_s\":[0-9.]+", ""));
        final Simulator.Result c = new Simulator(new Simulator.Options(100, 10, 20, 0.01, 20, 60)).run();
        assertTrue(!a.toJson().replaceAll("\"wall_s\":[0-9.]+", "").equals(c.toJson().replaceAll("\"wall_s\":[0-9.]+", "")));
    }
}
