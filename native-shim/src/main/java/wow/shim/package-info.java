/** The native shim: multi-queue TAP, batched frame and datagram I/O and interface set-up, bound through JNR-FFI. */
package wow.shim;
