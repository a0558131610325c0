/** The immutable, versioned forwarding table and the ring arithmetic its greedy lookup uses. */
package wow.dataplane.fib;
