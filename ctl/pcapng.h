/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pcapng writer (draft-ietf-opsawg-pcapng): one section, an Interface
 * Description Block per interface as it is first seen (Ethernet,
 * nanosecond stamps), an Enhanced Packet Block per frame with a comment
 * and its direction.  Only what alkaidctl capture writes; Debian's libpcap
 * 1.10 writes no pcapng, and a packet's comment is what the capture is
 * for.
 */
#ifndef ALKAID_CTL_PCAPNG_H
#define ALKAID_CTL_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#define ALK_PCAPNG_IFACES 64

enum alk_pcapng_dir {
	ALK_PCAPNG_DIR_UNKNOWN = 0,
	ALK_PCAPNG_DIR_IN = 1,
	ALK_PCAPNG_DIR_OUT = 2,
};

struct alk_pcapng {
	FILE *out;
	uint32_t snaplen;
	char ifaces[ALK_PCAPNG_IFACES][64]; /* by interface id */
	unsigned int nifaces;
};

/* The Section Header Block; 0 or -errno. */
int alk_pcapng_open(struct alk_pcapng *w, FILE *out, uint32_t snaplen,
		    const char *application);

/* One frame of iface (its IDB first if it is new); 0 or -errno. */
int alk_pcapng_frame(struct alk_pcapng *w, const char *iface, uint64_t ts_ns,
		     const uint8_t *data, uint32_t caplen, uint32_t len,
		     enum alk_pcapng_dir dir, const char *comment);

#endif
