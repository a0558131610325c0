/** The {@code wow} command: argument parsing and the wiring of a node's two planes. */
package wow.tools;
