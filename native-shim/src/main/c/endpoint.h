/*
 * Endpoints cross the shim's boundary as one int64: IPv4 address (host order) << 16 | port.
 * Shared by wowshim.c and udp_offload.c.
 */
#ifndef WOW_ENDPOINT_H
#define WOW_ENDPOINT_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

/*
 * A batch's slots in off-heap memory, as the Java side lays them out (FrameBatch): slot i's bytes
 * at buf + i * stride (capacity of them), its length in lens[i], its endpoint in endpoints[i].
 * Passed by address so that no call on the packet path takes more than five arguments: JNR-FFI's
 * fast path ends at six (beyond, every call marshals its arguments into a new heap array) and
 * garbles the sixth (see LibWow).
 */
struct wow_slots
{
    int64_t buf;
    int64_t lens;
    int64_t endpoints;
    int32_t stride;
    int32_t capacity;
};

/* A list of datagrams to send (OutList): datagram i at base + offs[i], lens[i] bytes, to endpoints[i]. */
struct wow_list
{
    int64_t base;
    int64_t offs;
    int64_t lens;
    int64_t endpoints;
};

/* What a send consumed, and how many of those the kernel refused, in one return value. */
static inline int64_t pack_sent(int done, int32_t refused)
{
    return (int64_t)(uint32_t)done | ((int64_t)refused << 32);
}

/* wowshim.c: sendmmsg of n datagrams, one message each (see wow_udp_send_batch). */
int wow_send_each(int fd, uintptr_t base, const int64_t *offs, const int32_t *lens, const int64_t *endpoints, int n,
                  int32_t *refused);

static inline int64_t pack_endpoint(const struct sockaddr_in *sin)
{
    return ((int64_t)ntohl(sin->sin_addr.s_addr) << 16) | ntohs(sin->sin_port);
}

static inline void unpack_endpoint(int64_t ep, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)(ep & 0xffff));
    sin->sin_addr.s_addr = htonl((uint32_t)(ep >> 16));
}

#endif
