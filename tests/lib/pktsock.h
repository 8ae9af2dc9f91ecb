/* SPDX-License-Identifier: BSD-3-Clause */
/* The packet socket of the test traffic generators. */
#ifndef ALKAID_TESTS_PKTSOCK_H
#define ALKAID_TESTS_PKTSOCK_H

#include <stdint.h>

/*
 * An AF_PACKET socket for the IPv4 frames of ifname (index ifindex), bound
 * to it and deaf to the frames it sends itself (they are not answers);
 * ifname's MAC in mac.  -1 after printing why, prefixed with prog.
 */
int pkt_socket(const char *prog, const char *ifname, int ifindex,
	       uint8_t mac[6]);

#endif
