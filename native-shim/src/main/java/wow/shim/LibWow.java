package wow.shim;

/**
 * The C functions of {@code wowshim.c} as JNR-FFI sees them. Buffers and arrays on the packet
 * path cross as raw off-heap addresses ({@code long}) so that a call allocates nothing.
 * Every function returns {@code >= 0} or {@code -errno}. Thread-safe: the C side keeps its
 * scratch state per thread.
 *
 * <p>No function here has exactly six parameters: JNR-FFI 2.2.17 passes a garbage sixth
 * argument to six-parameter functions on x86-64 (found here; {@code ShimBindingTest} guards it).
 * None on the packet path has more than five either: beyond six, JNR-FFI leaves its fast path
 * and marshals every call's arguments into a new heap array (72 bytes and about 300 ns a call,
 * measured here). Batches and lists therefore cross as the address of a small off-heap
 * descriptor ({@code struct wow_slots}: buf, lens, endpoints as addresses, then stride and capacity
 * as ints; {@code struct wow_list}: base, offs, lens, endpoints), and a count with an error or a
 * refusal count as one long.
 */
public interface LibWow
{
    int wow_tap_open(String name, int queues, int vnetHdr, int[] fdsOut);

    int wow_tap_set_offload(int fd, int flags);

    int wow_if_up(String name, int mtu);

    int wow_if_set_ipv4(String name, int addrBigEndian, int prefix);

    int wow_if_get_mac(String name, byte[] macOut);

    /** @return frames read, and in bits 32..63 the -errno that ended the batch (else 0); shape = stride << 32 | capacity. */
    long wow_read_batch(int fd, long buf, long shape, long lens, int n);

    /** @return frames consumed (written or refused by the kernel), and in bits 32..63 how many were refused. */
    long wow_write_batch(int fd, long base, long offs, long lens, int n);

    int wow_udp_open(int addrBigEndian, int port, int reuseport, int bufSize);

    int wow_udp_local_port(int fd);

    /** @return the receive buffer the socket now has (bytes, as the kernel counts them), or -errno. */
    int wow_sock_buffers(int fd, int bytes);

    int wow_udp_recv_batch(int fd, long slots, int n, long kernelDrops);

    /** @return datagrams consumed, and in bits 32..63 how many of them the kernel refused. */
    long wow_udp_send_batch(int fd, long list, int from, int n);

    int wow_udp_enable_gro(int fd);

    /** @return as {@link #wow_udp_send_batch}. */
    long wow_udp_send_gso(int fd, long list, int from, int n);

    long wow_gro_new();

    void wow_gro_free(long stash);

    int wow_gro_pending(long stash);

    int wow_gro_more(long stash);

    int wow_udp_recv_gro(long stash, int fd, long slots, int n, long kernelDrops);

    long wow_poll(long fds, int n, int eventFd, int timeoutMs);

    int wow_poll_out(int fd, int timeoutMs);

    int wow_eventfd();

    int wow_eventfd_signal(int fd);

    int wow_pin_thread(int cpu);

    int wow_close(int fd);

    int wow_strerror(int errnum, byte[] out, int len);

    int wow_aead_init();

    long wow_aead_ctx_new(byte[] key, int encrypt, int backend);

    int wow_aead_ctx_key(long ctx, byte[] key);

    void wow_aead_ctx_free(long ctx);

    int wow_aead_seal_batch(long ops, int n);

    int wow_aead_open_batch(long ops, int n);
}
