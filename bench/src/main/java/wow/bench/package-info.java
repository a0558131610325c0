/** Benchmarks: JMH per-packet costs of the data plane and the UDP transport comparison. */
package wow.bench;
