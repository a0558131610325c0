/**
 * The link sessions' data-plane half: {@link wow.dataplane.crypto.Keypair}s the conductor
 * installs after a Noise handshake, the {@link wow.dataplane.crypto.SessionTable} it publishes,
 * the lock-free {@link wow.dataplane.crypto.ReplayWindow}, and the per-queue AEAD batches
 * (AES-256-GCM through the system's libcrypto, or the JDK's where there is none).
 */
package wow.dataplane.crypto;
