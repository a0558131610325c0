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
