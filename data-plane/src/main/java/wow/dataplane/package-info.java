/**
 * The packet path: one queue agent per TAP queue composed of its egress and ingress paths (host
 * responder, TSO segmenter, resolution hold, transit forwarder), the conductor up- and downlinks,
 * the batch sender; the receive coalescer; threading and idling.
 */
package wow.dataplane;
