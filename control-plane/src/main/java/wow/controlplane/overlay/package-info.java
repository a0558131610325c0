/** The structured overlay (Brunet/Symphony): connection table, join by Connect-To-Me, near and far links, greedy routing decisions, the DHT. */
package wow.controlplane.overlay;
