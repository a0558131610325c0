/** Live counters in a memory-mapped file: drops by reason, per-link traffic, applied FIB versions. */
package wow.dataplane.status;
