/**
 * Membership: the network's certificate authority, node certificates and bundles, revocation
 * lists, and the key pairs they bind (Ed25519 for the CA's signatures, X25519 for a node's
 * static Noise key), all through BouncyCastle's constant-time implementations. Nothing here keeps
 * state across threads: values are immutable, files are read and written by the thread that
 * calls.
 */
package wow.controlplane.security;
