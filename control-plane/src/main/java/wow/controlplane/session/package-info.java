/**
 * Link sessions, the control plane's half: Noise XX handshakes with members' certificates
 * inside, the keypairs they yield and when they rotate, expire and follow their peers, published
 * to the data plane's queues as {@link wow.dataplane.crypto.SessionTable}s. Conductor thread.
 */
package wow.controlplane.session;
