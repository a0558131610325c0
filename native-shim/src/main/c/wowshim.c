/*
 * wowshim: the syscalls the JDK cannot make for WOW's data plane.
 *
 * Every function returns >= 0 on success or -errno, so the Java side can turn a failure
 * into a specific message. Batch functions make many syscalls per call so that Java
 * crosses into native code once per batch, never once per packet. Buffers are passed as
 * raw addresses of off-heap memory owned by the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <linux/if_tun.h>
#include "endpoint.h"

#define WOW_MAX_BATCH 1024

static int sock_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int rc = ioctl(s, req, ifr);
    int err = errno;
    close(s);
    return rc < 0 ? -err : 0;
}

static int fill_ifr(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    if (name == NULL || strlen(name) == 0 || strlen(name) >= IFNAMSIZ) return -EINVAL;
    strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
    return 0;
}

/* 1 if an interface with this name exists in this network namespace, else 0. */
static int wow_if_exists(const char *name)
{
    return if_nametoindex(name) != 0 ? 1 : 0;
}

/*
 * Opens a TAP device with 'queues' queues (IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE, plus
 * IFF_VNET_HDR when vnet_hdr != 0, identical on every queue). fds_out receives one
 * non-blocking fd per queue. On failure every fd opened so far is closed.
 * Returns 0, -ENOENT (no /dev/net/tun), -EPERM (no CAP_NET_ADMIN), -EBUSY (name in use).
 */
int wow_tap_open(const char *name, int queues, int vnet_hdr, int32_t *fds_out)
{
    struct ifreq ifr;
    int rc = fill_ifr(&ifr, name);
    if (rc < 0) return rc;
    if (queues < 1 || queues > 256) return -EINVAL;
    if (wow_if_exists(name)) return -EBUSY;
    short flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
    if (vnet_hdr) flags |= IFF_VNET_HDR;
    for (int q = 0; q < queues; q++) {
        int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            goto fail;
        }
        fill_ifr(&ifr, name);
        ifr.ifr_flags = flags;
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
            rc = -errno;
            close(fd);
            goto fail;
        }
        fds_out[q] = fd;
        continue;
fail:
        for (int i = 0; i < q; i++) close(fds_out[i]);
        return rc;
    }
    return 0;
}

/* TUNSETOFFLOAD takes its flags by value. */
int wow_tap_set_offload(int fd, int flags)
{
    return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}

/* Sets the MTU and brings the interface up. */
int wow_if_up(const char *name, int mtu)
{
    struct ifreq ifr;
    int rc = fill_ifr(&ifr, name);
    if (rc < 0) return rc;
    ifr.ifr_mtu = mtu;
    if ((rc = sock_ioctl(SIOCSIFMTU, &ifr)) < 0) return rc;
    fill_ifr(&ifr, name);
    if ((rc = sock_ioctl(SIOCGIFFLAGS, &ifr)) < 0) return rc;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return sock_ioctl(SIOCSIFFLAGS, &ifr);
}

/* Assigns an IPv4 address (network byte order) with its prefix length. */
int wow_if_set_ipv4(const char *name, int addr_be, int prefix)
{
    if (prefix < 1 || prefix > 32) return -EINVAL;
    struct ifreq ifr;
    int rc = fill_ifr(&ifr, name);
    if (rc < 0) return rc;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = (uint32_t)addr_be;
    if ((rc = sock_ioctl(SIOCSIFADDR, &ifr)) < 0) return rc;
    fill_ifr(&ifr, name);
    sin = (struct sockaddr_in *)&ifr.ifr_netmask;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
    return sock_ioctl(SIOCSIFNETMASK, &ifr);
}

/* Copies the interface's 6-byte hardware address into mac_out. */
int wow_if_get_mac(const char *name, uint8_t *mac_out)
{
    struct ifreq ifr;
    int rc = fill_ifr(&ifr, name);
    if (rc < 0) return rc;
    if ((rc = sock_ioctl(SIOCGIFHWADDR, &ifr)) < 0) return rc;
    memcpy(mac_out, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

/*
 * Reads up to n frames from a non-blocking fd: frame i lands at buf + i*stride (at most
 * 'capacity' bytes; shape = stride << 32 | capacity) and its length in lens[i]. Stops at the
 * first EAGAIN. Returns the number of frames read, and in bits 32..63 the -errno of a failure
 * other than EAGAIN that ended the batch (else 0).
 */
int64_t wow_read_batch(int fd, uint8_t *buf, int64_t shape, int32_t *lens, int n)
{
    const int stride = (int)(shape >> 32), capacity = (int)(shape & 0x7fffffff);
    int i = 0;
    int32_t error = 0;
    while (i < n) {
        ssize_t r = read(fd, buf + (size_t)i * stride, capacity);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) error = -errno;
            break;
        }
        lens[i++] = (int32_t)r;
    }
    return (int64_t)(uint32_t)i | ((int64_t)error << 32);
}

/*
 * Writes n frames, frame i at base + offs[i] with length lens[i] (base 0: offs are absolute
 * addresses, so one batch may gather frames from several buffers). A frame the kernel
 * refuses (EINVAL, EIO) is skipped and counted; EAGAIN stops the batch.
 * Returns the number of frames consumed (written or refused), and in bits 32..63 how many of
 * them were refused.
 */
int64_t wow_write_batch(int fd, uintptr_t base, const int64_t *offs, const int32_t *lens, int n)
{
    int i = 0;
    int64_t refused = 0;
    for (; i < n; i++) {
        ssize_t w = write(fd, (void *)(base + (uintptr_t)offs[i]), lens[i]);
        if (w < 0) {
            if (errno == EINTR) { i--; continue; }
            if (errno == EAGAIN) break;
            refused++;
        }
    }
    return (int64_t)(uint32_t)i | (refused << 32);
}

/* Opens a non-blocking UDP socket bound to addr:port (SO_REUSEPORT if asked). */
/*
 * Sets a socket's receive and send buffers to bytes each, best effort: SO_*BUFFORCE needs
 * CAP_NET_ADMIN, the plain options are capped by net.core.[rw]mem_max. Returns the receive
 * buffer the kernel now gives the socket (twice what was asked, for its bookkeeping), or -errno.
 */
int wow_sock_buffers(int fd, int bytes)
{
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
    int got = 0;
    socklen_t len = sizeof(got);
    return getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0 ? -errno : got;
}

int wow_udp_open(int addr_be, int port, int reuseport, int bufsize)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) goto fail;
    /* Report the socket's drop counter with received datagrams, so kernel drops are counted too. */
    if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0) goto fail;
    if (bufsize > 0) wow_sock_buffers(fd, bufsize);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = (uint32_t)addr_be;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) goto fail;
    return fd;
fail:;
    int err = errno;
    close(fd);
    return -err;
}

/* The port a socket is bound to, or -errno. */
int wow_udp_local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) return -errno;
    return ntohs(sin.sin_port);
}

static __thread struct mmsghdr t_msgs[WOW_MAX_BATCH];
static __thread struct iovec t_iov[WOW_MAX_BATCH];
static __thread struct sockaddr_in t_addr[WOW_MAX_BATCH];
static __thread uint64_t t_cmsg[WOW_MAX_BATCH][4]; /* room for one SO_RXQ_OVFL cmsg each */

/*
 * recvmmsg of up to n datagrams: datagram i at buf + i*stride (capacity bytes), length in
 * lens[i], sender in endpoints[i]. *kernel_drops receives the socket's cumulative count of
 * datagrams the kernel dropped (full receive buffer) as last reported, or is left alone.
 * Returns the count, 0 when nothing is waiting, or -errno.
 */
int wow_udp_recv_batch(int fd, const struct wow_slots *slots, int n, int64_t *kernel_drops)
{
    uint8_t *buf = (uint8_t *)(uintptr_t)slots->buf;
    int32_t *lens = (int32_t *)(uintptr_t)slots->lens;
    int64_t *endpoints = (int64_t *)(uintptr_t)slots->endpoints;
    const int stride = slots->stride, capacity = slots->capacity;
    if (n > WOW_MAX_BATCH) n = WOW_MAX_BATCH;
    for (int i = 0; i < n; i++) {
        t_iov[i].iov_base = buf + (size_t)i * stride;
        t_iov[i].iov_len = capacity;
        memset(&t_msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        t_msgs[i].msg_hdr.msg_iov = &t_iov[i];
        t_msgs[i].msg_hdr.msg_iovlen = 1;
        t_msgs[i].msg_hdr.msg_name = &t_addr[i];
        t_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        t_msgs[i].msg_hdr.msg_control = t_cmsg[i];
        t_msgs[i].msg_hdr.msg_controllen = sizeof(t_cmsg[i]);
    }
    int r;
    do {
        r = recvmmsg(fd, t_msgs, n, MSG_DONTWAIT, NULL);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return errno == EAGAIN ? 0 : -errno;
    for (int i = 0; i < r; i++) {
        /* A datagram longer than capacity is truncated: report it as oversized. */
        lens[i] = (t_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)t_msgs[i].msg_len;
        endpoints[i] = pack_endpoint(&t_addr[i]);
    }
    if (r > 0) {
        struct msghdr *last = &t_msgs[r - 1].msg_hdr;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(last); c != NULL; c = CMSG_NXTHDR(last, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof(drops));
                *kernel_drops = drops;
            }
        }
    }
    return r;
}

/*
 * sendmmsg of n datagrams: datagram i at base + offs[i] (base 0: absolute addresses),
 * lens[i] bytes, to endpoints[i].
 * A datagram the kernel refuses outright (no route, bad address) is skipped and counted
 * in *refused; EAGAIN stops the batch. Returns the number consumed (sent or refused).
 */
int wow_send_each(int fd, uintptr_t base, const int64_t *offs, const int32_t *lens, const int64_t *endpoints, int n,
                  int32_t *refused)
{
    if (n > WOW_MAX_BATCH) n = WOW_MAX_BATCH;
    for (int i = 0; i < n; i++) {
        t_iov[i].iov_base = (void *)(base + (uintptr_t)offs[i]);
        t_iov[i].iov_len = lens[i];
        unpack_endpoint(endpoints[i], &t_addr[i]);
        memset(&t_msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        t_msgs[i].msg_hdr.msg_iov = &t_iov[i];
        t_msgs[i].msg_hdr.msg_iovlen = 1;
        t_msgs[i].msg_hdr.msg_name = &t_addr[i];
        t_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
    }
    int done = 0;
    *refused = 0;
    while (done < n) {
        int r = sendmmsg(fd, t_msgs + done, n - done, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == ENOBUFS) break;
            /* The first message of the remainder was refused: skip it and go on. */
            (*refused)++;
            done++;
            continue;
        }
        done += r;
    }
    return done;
}

/* wow_send_each of the datagrams from..from+n of a list; returns pack_sent(consumed, refused). */
int64_t wow_udp_send_batch(int fd, const struct wow_list *list, int from, int n)
{
    int32_t refused = 0;
    int done = wow_send_each(fd, (uintptr_t)list->base, (const int64_t *)(uintptr_t)list->offs + from,
                             (const int32_t *)(uintptr_t)list->lens + from, (const int64_t *)(uintptr_t)list->endpoints + from,
                             n, &refused);
    return pack_sent(done, refused);
}

/*
 * Waits until one of n fds (an off-heap int array, at most 256) is readable, or eventfd (-1 =
 * none) is signalled, or timeout_ms passes. A signalled eventfd is drained. Returns a mask: bit i
 * for fds[i] readable (or in error, or hung up) and bit n for the eventfd, where i, n < 62, and
 * bit 62 for any other; 0 on timeout or signal interruption; or -errno.
 */
int64_t wow_poll(const int32_t *fds, int n, int eventfd_fd, int timeout_ms)
{
    struct pollfd p[257];
    int k = 0;
    if (n > 256) return -EINVAL;
    for (int i = 0; i < n; i++) {
        p[k].fd = fds[i]; p[k].events = POLLIN; p[k].revents = 0; k++;
    }
    if (eventfd_fd >= 0) { p[k].fd = eventfd_fd; p[k].events = POLLIN; p[k].revents = 0; k++; }
    int r = poll(p, k, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    int64_t ready = 0;
    for (int i = 0; i < k; i++) {
        if (p[i].revents != 0) ready |= (int64_t)1 << (i < 62 ? i : 62);
    }
    if (eventfd_fd >= 0 && (p[k - 1].revents & POLLIN)) {
        uint64_t v;
        ssize_t ignored = read(eventfd_fd, &v, sizeof(v));
        (void)ignored;
    }
    return ready;
}

/* Waits until fd is writable or timeout_ms passes: 1 writable, 0 not, or -errno. */
int wow_poll_out(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    return r > 0 && (p.revents & POLLOUT) ? 1 : 0;
}

int wow_eventfd(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int wow_eventfd_signal(int fd)
{
    uint64_t one = 1;
    return write(fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

/* Pins the calling thread to one CPU. */
int wow_pin_thread(int cpu)
{
    cpu_set_t set;
    if (cpu < 0 || cpu >= CPU_SETSIZE) return -EINVAL;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int wow_close(int fd)
{
    return close(fd) < 0 ? -errno : 0;
}

/* Copies strerror(errnum) into out (NUL-terminated, at most len bytes). */
int wow_strerror(int errnum, char *out, int len)
{
    if (len <= 0) return -EINVAL;
    const char *s = strerror(errnum);
    strncpy(out, s, (size_t)len - 1);
    out[len - 1] = 0;
    return (int)strlen(out);
}
