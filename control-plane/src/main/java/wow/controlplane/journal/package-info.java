/** The forwarding-table journal: every published FIB version on a Chronicle Queue in the state directory, and its reader. */
package wow.controlplane.journal;
