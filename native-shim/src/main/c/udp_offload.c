/*
 * UDP segmentation offload for the data plane's sockets (part of wowshim).
 *
 * Send: runs of consecutive datagrams to one endpoint, all of one length but the last (which
 * may be shorter), go to the kernel as one message with a UDP_SEGMENT control message: one trip
 * through the UDP/IP stack for up to 64 datagrams, cut into datagrams as late as possible (by
 * the NIC, or not at all when the receiver takes them coalesced). A kernel that refuses a
 * segmented message (no checksum offload on the route, a segment above the path MTU) gets that
 * run as single datagrams.
 *
 * Receive: with UDP_GRO on, the kernel hands up several datagrams of one sender as one buffer
 * and their size in a control message. Those are read (recvmmsg) into a per-socket stash and
 * handed out one datagram per slot of the caller's batch, in order; what does not fit waits
 * for the next call. Each function returns >= 0 or -errno, like the rest of the shim.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include "endpoint.h"

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000 /* a message's payload: below 65,535 less the IP and UDP headers */
#define GRO_MESSAGES 32
#define GRO_BYTES 65536
#define SEND_MAX 1024

/* Turns UDP_GRO on. Returns 0, or -errno (a kernel without it: the caller receives as before). */
int wow_udp_enable_gro(int fd)
{
    int one = 1;
    return setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) < 0 ? -errno : 0;
}

static __thread struct mmsghdr s_msgs[SEND_MAX];
static __thread struct iovec s_iov[SEND_MAX];
static __thread struct sockaddr_in s_addr[SEND_MAX];
static __thread uint64_t s_cmsg[SEND_MAX][3]; /* one UDP_SEGMENT cmsg: CMSG_SPACE(2) = 24 */
static __thread int32_t s_count[SEND_MAX];    /* datagrams in message i */
static __thread int32_t s_first[SEND_MAX];    /* its first datagram */

static void message(int m, int first, int count, int segment)
{
    struct msghdr *h = &s_msgs[m].msg_hdr;
    memset(h, 0, sizeof(*h));
    h->msg_iov = &s_iov[first];
    h->msg_iovlen = count;
    h->msg_name = &s_addr[first];
    h->msg_namelen = sizeof(struct sockaddr_in);
    if (count > 1) {
        h->msg_control = s_cmsg[m];
        h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
        struct cmsghdr *c = CMSG_FIRSTHDR(h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t size = (uint16_t)segment;
        memcpy(CMSG_DATA(c), &size, sizeof(size));
    }
    s_count[m] = count;
    s_first[m] = first;
}

/*
 * Like wow_send_each (datagram i at base + offs[i], lens[i] bytes, to endpoints[i]; refused ones
 * skipped and counted in *refused; EAGAIN stops), with runs coalesced as described above.
 * Returns the number of datagrams consumed (sent or refused).
 */
static int send_gso(int fd, uintptr_t base, const int64_t *offs, const int32_t *lens, const int64_t *endpoints, int n,
                    int32_t *refused)
{
    if (n > SEND_MAX) n = SEND_MAX;
    *refused = 0;
    int m = 0;
    for (int i = 0; i < n;) {
        s_iov[i].iov_base = (void *)(base + (uintptr_t)offs[i]);
        s_iov[i].iov_len = (size_t)lens[i];
        unpack_endpoint(endpoints[i], &s_addr[i]);
        int j = i + 1;
        size_t bytes = (size_t)lens[i];
        while (lens[i] > 0 && j < n && j - i < GSO_MAX_SEGMENTS && endpoints[j] == endpoints[i] && lens[j] > 0 &&
               lens[j] <= lens[i] && bytes + (size_t)lens[j] <= GSO_MAX_BYTES) {
            s_iov[j].iov_base = (void *)(base + (uintptr_t)offs[j]);
            s_iov[j].iov_len = (size_t)lens[j];
            unpack_endpoint(endpoints[j], &s_addr[j]);
            bytes += (size_t)lens[j];
            j++;
            if (lens[j - 1] < lens[i]) break; /* a shorter datagram ends a run */
        }
        message(m++, i, j - i, lens[i]);
        i = j;
    }
    int sent = 0; /* messages */
    int consumed = 0;
    while (sent < m) {
        int r = sendmmsg(fd, s_msgs + sent, m - sent, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == ENOBUFS) break;
            if (s_count[sent] > 1) {
                /* refused as a whole (EIO: no checksum offload; EINVAL: above the path MTU): one by one */
                const int first = s_first[sent];
                int32_t skipped = 0;
                int done = wow_send_each(fd, base, offs + first, lens + first, endpoints + first, s_count[sent], &skipped);
                *refused += skipped;
                consumed += done;
                if (done < s_count[sent]) return consumed;
            } else {
                (*refused)++;
                consumed++;
            }
            sent++;
            continue;
        }
        for (int k = 0; k < r; k++) consumed += s_count[sent + k];
        sent += r;
    }
    return consumed;
}

/* send_gso of the datagrams from..from+n of a list; returns pack_sent(consumed, refused). */
int64_t wow_udp_send_gso(int fd, const struct wow_list *list, int from, int n)
{
    int32_t refused = 0;
    int done = send_gso(fd, (uintptr_t)list->base, (const int64_t *)(uintptr_t)list->offs + from,
                        (const int32_t *)(uintptr_t)list->lens + from, (const int64_t *)(uintptr_t)list->endpoints + from,
                        n, &refused);
    return pack_sent(done, refused);
}

/* A socket's received, not yet handed out datagrams: GRO_MESSAGES buffers of GRO_BYTES. */
struct wow_gro
{
    uint8_t *data;
    int messages; /* buffers filled by the last recvmmsg */
    int current;  /* the buffer being handed out */
    int offset;   /* where in it */
    int full; /* the last refill took GRO_MESSAGES datagrams: the socket may hold more */
    int32_t length[GRO_MESSAGES];
    int32_t segment[GRO_MESSAGES];
    int64_t endpoint[GRO_MESSAGES];
    struct mmsghdr msgs[GRO_MESSAGES];
    struct iovec iov[GRO_MESSAGES];
    struct sockaddr_in addr[GRO_MESSAGES];
    uint64_t cmsg[GRO_MESSAGES][8]; /* SO_RXQ_OVFL and UDP_GRO */
};

/* Returns a new stash for one socket (0 if out of memory). */
int64_t wow_gro_new(void)
{
    struct wow_gro *g = calloc(1, sizeof(*g));
    if (g == NULL) return 0;
    g->data = malloc((size_t)GRO_MESSAGES * GRO_BYTES);
    if (g->data == NULL) {
        free(g);
        return 0;
    }
    return (int64_t)(uintptr_t)g;
}

void wow_gro_free(int64_t stash)
{
    struct wow_gro *g = (struct wow_gro *)(uintptr_t)stash;
    if (g != NULL) {
        free(g->data);
        free(g);
    }
}

/* Returns 1 if the stash holds datagrams not handed out yet. */
int wow_gro_pending(int64_t stash)
{
    struct wow_gro *g = (struct wow_gro *)(uintptr_t)stash;
    return g->current < g->messages ? 1 : 0;
}

/*
 * Returns 1 if a receive now could hand out more without the socket becoming readable again:
 * the stash holds datagrams not handed out, or its last refill filled every buffer.
 */
int wow_gro_more(int64_t stash)
{
    struct wow_gro *g = (struct wow_gro *)(uintptr_t)stash;
    return g->current < g->messages || g->full ? 1 : 0;
}

static int refill(struct wow_gro *g, int fd, int64_t *kernel_drops)
{
    for (int i = 0; i < GRO_MESSAGES; i++) {
        g->iov[i].iov_base = g->data + (size_t)i * GRO_BYTES;
        g->iov[i].iov_len = GRO_BYTES;
        memset(&g->msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        g->msgs[i].msg_hdr.msg_iov = &g->iov[i];
        g->msgs[i].msg_hdr.msg_iovlen = 1;
        g->msgs[i].msg_hdr.msg_name = &g->addr[i];
        g->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        g->msgs[i].msg_hdr.msg_control = g->cmsg[i];
        g->msgs[i].msg_hdr.msg_controllen = sizeof(g->cmsg[i]);
    }
    int r;
    do {
        r = recvmmsg(fd, g->msgs, GRO_MESSAGES, MSG_DONTWAIT, NULL);
    } while (r < 0 && errno == EINTR);
    g->full = r == GRO_MESSAGES;
    if (r < 0) return errno == EAGAIN ? 0 : -errno;
    for (int i = 0; i < r; i++) {
        struct msghdr *h = &g->msgs[i].msg_hdr;
        g->length[i] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)g->msgs[i].msg_len;
        g->segment[i] = 0;
        g->endpoint[i] = pack_endpoint(&g->addr[i]);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof(size));
                g->segment[i] = size;
            } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof(drops));
                *kernel_drops = drops;
            }
        }
    }
    g->messages = r;
    g->current = 0;
    g->offset = 0;
    return r;
}

/*
 * Fills up to n slots of a batch (datagram k at buf + k*stride, at most capacity bytes; length
 * in lens[k], -1 for one that did not fit; sender in endpoints[k]) from the stash, reading the
 * socket (one recvmmsg) when the stash is empty. Returns the count, 0 when nothing is waiting,
 * or -errno.
 */
int wow_udp_recv_gro(int64_t stash, int fd, const struct wow_slots *slots, int n, int64_t *kernel_drops)
{
    uint8_t *buf = (uint8_t *)(uintptr_t)slots->buf;
    int32_t *lens = (int32_t *)(uintptr_t)slots->lens;
    int64_t *endpoints = (int64_t *)(uintptr_t)slots->endpoints;
    const int stride = slots->stride, capacity = slots->capacity;
    struct wow_gro *g = (struct wow_gro *)(uintptr_t)stash;
    int k = 0;
    if (g->current >= g->messages) {
        int r = refill(g, fd, kernel_drops);
        if (r <= 0) return r;
    }
    while (k < n && g->current < g->messages) {
        const int i = g->current;
        const uint8_t *p = g->data + (size_t)i * GRO_BYTES;
        const int length = g->length[i];
        if (length <= 0) {
            lens[k] = length < 0 ? -1 : 0; /* truncated; or an empty datagram, which is one too */
            endpoints[k++] = g->endpoint[i];
            g->current++;
            continue;
        }
        const int segment = g->segment[i] > 0 ? g->segment[i] : length;
        while (k < n && g->offset < length) {
            const int l = length - g->offset < segment ? length - g->offset : segment;
            if (l > capacity) {
                lens[k] = -1;
            } else {
                memcpy(buf + (size_t)k * stride, p + g->offset, (size_t)l);
                lens[k] = l;
            }
            endpoints[k++] = g->endpoint[i];
            g->offset += l;
        }
        if (g->offset >= length) {
            g->current++;
            g->offset = 0;
        }
    }
    return k;
}
