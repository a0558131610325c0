/** The packet path: per-queue agents, the control hand-offs, threading and idling. */
package wow.dataplane;
