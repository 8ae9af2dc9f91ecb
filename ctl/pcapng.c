/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapng blocks, written in the host's byte order (the magic says which). */
#include <errno.h>
#include <string.h>

#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define LINKTYPE_ETHERNET 1

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define EPB_FLAGS 2

/* A block is put together here, then written whole. */
struct block {
	uint8_t b[65536 + 512];
	size_t len;
};

static void put(struct block *k, const void *p, size_t n)
{
	if (k->len + n > sizeof(k->b))
		n = 0; /* cannot happen: frames are at most 64 KiB */
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void put32(struct block *k, uint32_t v)
{
	put(k, &v, 4);
}

static void pad4(struct block *k)
{
	static const uint8_t zero[4];

	put(k, zero, (4 - k->len % 4) % 4);
}

static void option(struct block *k, uint16_t code, const void *p, uint16_t n)
{
	put(k, &code, 2);
	put(k, &n, 2);
	put(k, p, n);
	pad4(k);
}

static void begin(struct block *k, uint32_t type)
{
	k->len = 0;
	put32(k, type);
	put32(k, 0); /* the length, known at the end */
}

static int end(struct block *k, FILE *out)
{
	uint32_t total = (uint32_t)k->len + 4;

	memcpy(k->b + 4, &total, 4);
	put32(k, total);
	return fwrite(k->b, 1, k->len, out) == k->len ? 0 : -EIO;
}

static struct block blk;

int alk_pcapng_open(struct alk_pcapng *w, FILE *out, uint32_t snaplen,
		    const char *application)
{
	static const uint32_t magic = 0x1A2B3C4D;
	static const uint16_t version[2] = { 1, 0 };
	static const int64_t unknown_length = -1;

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->snaplen = snaplen;
	begin(&blk, BT_SHB);
	put(&blk, &magic, 4);
	put(&blk, version, 4);
	put(&blk, &unknown_length, 8);
	option(&blk, SHB_USERAPPL, application, (uint16_t)strlen(application));
	option(&blk, OPT_END, "", 0);
	return end(&blk, out);
}

/* The interface's id, its IDB written when it is new; -1 if too many. */
static int iface_id(struct alk_pcapng *w, const char *iface)
{
	static const uint8_t ns = 9; /* 10^-9 s */
	uint16_t linktype[2] = { LINKTYPE_ETHERNET, 0 };

	for (unsigned int i = 0; i < w->nifaces; i++)
		if (!strncmp(w->ifaces[i], iface, sizeof(w->ifaces[i])))
			return (int)i;
	if (w->nifaces == ALK_PCAPNG_IFACES)
		return -1;
	snprintf(w->ifaces[w->nifaces], sizeof(w->ifaces[0]), "%s", iface);
	begin(&blk, BT_IDB);
	put(&blk, linktype, 4);
	put32(&blk, w->snaplen);
	option(&blk, IF_NAME, w->ifaces[w->nifaces],
	       (uint16_t)strlen(w->ifaces[w->nifaces]));
	option(&blk, IF_TSRESOL, &ns, 1);
	option(&blk, OPT_END, "", 0);
	if (end(&blk, w->out))
		return -1;
	return (int)w->nifaces++;
}

int alk_pcapng_frame(struct alk_pcapng *w, const char *iface, uint64_t ts_ns,
		     const uint8_t *data, uint32_t caplen, uint32_t len,
		     enum alk_pcapng_dir dir, const char *comment)
{
	int id = iface_id(w, iface);
	uint32_t flags = dir;

	if (id < 0)
		return -ENOSPC;
	if (caplen > 65536)
		caplen = 65536;
	begin(&blk, BT_EPB);
	put32(&blk, (uint32_t)id);
	put32(&blk, (uint32_t)(ts_ns >> 32));
	put32(&blk, (uint32_t)ts_ns);
	put32(&blk, caplen);
	put32(&blk, len);
	put(&blk, data, caplen);
	pad4(&blk);
	if (comment)
		option(&blk, OPT_COMMENT, comment, (uint16_t)strlen(comment));
	if (dir)
		option(&blk, EPB_FLAGS, &flags, 4);
	option(&blk, OPT_END, "", 0);
	return end(&blk, w->out);
}
