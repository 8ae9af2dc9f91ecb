/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flat tables: endpoints and the DHCP index as arrays of 64-byte
 * buckets with the values inline, the same bytes on every back end (a BPF
 * array map mmapped by the daemon, DPDK memory, host memory).  A lookup
 * reads one cache line in the common case.
 *
 * Layout: bucket 0 is the head (struct alk_flat_head: hash seed, bucket
 * count); buckets 1..nbuckets hold ALK_FLAT_SLOTS entries each.  A key's
 * home bucket is 1 + (hash * nbuckets >> 32); an entry lies in its home
 * bucket or, when that was full, in one of the next ALK_FLAT_PROBES - 1
 * (wrapping past the last to bucket 1).  An update rewrites the value
 * where it is, a delete empties the slot; an entry moves only forward
 * along its own probe order, to make room near another key's home
 * (hopscotch), and is published at its new place before it leaves the
 * old one, so a reader walking forward finds it at one or the other.
 *
 * Each bucket's meta word says which slots are used, how many entries
 * homed at or before it lie past it (spill: a lookup that misses here and
 * finds spill 0 stops), and a sequence count.  There is one writer per
 * table (the daemon's control thread).  It makes the count odd, changes
 * the bucket, and makes it even again; a reader copies what it needs and
 * retries when the count was odd or moved meanwhile (a seqlock), so no
 * reader sees a torn entry and no writer waits for readers.  An insert
 * raises the spill of the buckets it passes before it writes the entry,
 * and a delete lowers them after it has emptied the slot: a reader may
 * look one bucket too far, never one too short.
 *
 * This header is the layout and the pure functions (the writer in tables/
 * uses them too); core/lookup.h reads the tables through the platform.
 *
 * Read ordering: on DPDK and the host, acquire fences.  BPF has no load
 * fence before kernel 6.15 (load-acquire); the JITs of strongly ordered
 * CPUs (x86) keep loads in program order, which the compiler barrier
 * below preserves.
 */
#ifndef ALKAID_CORE_FLAT_H
#define ALKAID_CORE_FLAT_H

#include <linux/types.h>

#include "model.h"
#include "proto.h"

#define ALK_FLAT_BUCKET 64
#define ALK_FLAT_SLOTS 3
#ifndef ALK_FLAT_PROBES
#define ALK_FLAT_PROBES 16 /* buckets an entry may lie in, home included */
#endif
#define ALK_FLAT_TRIES 4 /* reads of a bucket a writer keeps changing */
#define ALK_FLAT_MAGIC 0x616c6b66u /* "alkf" */
#define ALK_FLAT_VERSION 2
#define ALK_FLAT_SPILL_STUCK 255 /* counts no further; never lowered */

struct alk_flat_head {
	__u32 magic;
	__u16 version;
	__u16 table;	/* enum alk_table */
	__u32 nbuckets; /* buckets after the head */
	__u32 capacity; /* entries promised to the user */
	__u64 seed;	/* of the hash, chosen when the table is made */
	__u64 count;	/* entries in use (the writer's) */
	__u64 hops;	/* entries moved forward to make room (the writer's) */
	__u8 pad[24];
};

struct alk_flat_meta {
	__u16 seq;  /* odd while the writer changes the bucket */
	__u8 used;  /* bit i: slot i holds an entry */
	__u8 spill; /* entries homed here or before that lie past here */
};

struct alk_ep_bucket {
	struct alk_endpoint_key key[ALK_FLAT_SLOTS];
	struct alk_flat_meta meta;
	struct alk_endpoint val[ALK_FLAT_SLOTS];
} __attribute__((aligned(ALK_FLAT_BUCKET)));

struct alk_dhcp_bucket {
	struct alk_dhcp_key key[ALK_FLAT_SLOTS];
	struct alk_flat_meta meta;
	struct alk_dhcp val[ALK_FLAT_SLOTS];
} __attribute__((aligned(ALK_FLAT_BUCKET)));

_Static_assert(sizeof(struct alk_flat_head) == ALK_FLAT_BUCKET &&
		       sizeof(struct alk_ep_bucket) == ALK_FLAT_BUCKET &&
		       sizeof(struct alk_dhcp_bucket) == ALK_FLAT_BUCKET,
	       "a bucket is one cache line");
_Static_assert(sizeof(struct alk_endpoint_key) == 8,
	       "endpoint keys compare as one word");

/* Loops over buckets and retries: the BPF verifier walks them as loops,
 * unrolled they would make every lookup site a thousand instructions. */
#ifdef __bpf__
#define ALK_FLAT_LOOP _Pragma("nounroll")
#else
#define ALK_FLAT_LOOP
#endif

#define ALK_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#ifdef __bpf__
#define alk_flat_rmb() asm volatile("" ::: "memory")
#else
#define alk_flat_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* What a bucket says of a key. */
enum alk_flat_probe {
	ALK_FLAT_FOUND,	  /* and the value is copied out */
	ALK_FLAT_ABSENT,  /* nowhere: no entry spills past this bucket */
	ALK_FLAT_FURTHER, /* not here; look in the next bucket */
	ALK_FLAT_BUSY,	  /* the writer kept changing the bucket */
	ALK_FLAT_TORN,	  /* one read overlapped a write: read again */
};

/* 64-bit mix (MurmurHash3's finaliser) of a key word and the seed: BPF has
 * multiplies but no CRC. */
ALK_INLINE __u32 alk_flat_hash(__u64 k, __u64 seed)
{
	k ^= seed;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (__u32)k;
}

/* Two rounds so that the word is exact: (vni, mac) is 72 bits. */
ALK_INLINE __u32 alk_dhcp_hash(const struct alk_dhcp_key *k, __u64 seed)
{
	__u64 mac = (__u64)k->mac[0] | (__u64)k->mac[1] << 8 |
		    (__u64)k->mac[2] << 16 | (__u64)k->mac[3] << 24 |
		    (__u64)k->mac[4] << 32 | (__u64)k->mac[5] << 40;

	return alk_flat_hash((__u64)alk_flat_hash(mac, seed) << 32 | k->vni,
			     seed);
}

ALK_INLINE __u32 alk_endpoint_hash(const struct alk_endpoint_key *k, __u64 seed)
{
	return alk_flat_hash((__u64)k->vni | (__u64)k->ip << 32, seed);
}

/* The home bucket of a hash: 1..nbuckets. */
ALK_INLINE __u32 alk_flat_home(const struct alk_flat_head *h, __u32 hash)
{
	return 1 + (__u32)(((__u64)hash * h->nbuckets) >> 32);
}

ALK_INLINE __u32 alk_flat_next(const struct alk_flat_head *h, __u32 b)
{
	return b >= h->nbuckets ? 1 : b + 1;
}

/* One 64-bit compare: the key is two words with no padding. */
ALK_INLINE int alk_ep_key_eq(const struct alk_endpoint_key *a,
			     const struct alk_endpoint_key *b)
{
	__u64 x, y;

	__builtin_memcpy(&x, a, sizeof(x));
	__builtin_memcpy(&y, b, sizeof(y));
	return x == y;
}

ALK_INLINE int alk_dhcp_key_eq(const struct alk_dhcp_key *a,
			       const struct alk_dhcp_key *b)
{
	const __u16 *x = (const __u16 *)a->mac, *y = (const __u16 *)b->mac;

	return a->vni == b->vni && x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
}

/*
 * One read of one bucket, as a seqlock reader: FOUND (the value copied to
 * *out), ABSENT, FURTHER, or TORN (the writer was changing it: read it
 * again).  One definition for both tables.
 */
#define ALK_FLAT_BUCKET_PROBE(name, bucket_t, key_t, val_t, key_eq)            \
	ALK_INLINE enum alk_flat_probe name(const bucket_t *b, const key_t *k, \
					    val_t *out)                        \
	{                                                                      \
		__u16 seq = ALK_READ_ONCE(b->meta.seq);                        \
		__u8 used, spill;                                              \
		int hit = 0;                                                   \
                                                                               \
		alk_flat_rmb();                                                \
		used = ALK_READ_ONCE(b->meta.used);                            \
		spill = ALK_READ_ONCE(b->meta.spill);                          \
		ALK_UNROLL                                                     \
		for (int s = 0; s < ALK_FLAT_SLOTS; s++)                       \
			if ((used & (1u << s)) && key_eq(&b->key[s], k)) {     \
				*out = b->val[s];                              \
				hit = 1;                                       \
			}                                                      \
		alk_flat_rmb();                                                \
		if ((seq & 1) || ALK_READ_ONCE(b->meta.seq) != seq)            \
			return ALK_FLAT_TORN;                                  \
		if (hit)                                                       \
			return ALK_FLAT_FOUND;                                 \
		return spill ? ALK_FLAT_FURTHER : ALK_FLAT_ABSENT;             \
	}

ALK_FLAT_BUCKET_PROBE(alk_ep_bucket_probe, struct alk_ep_bucket,
		      struct alk_endpoint_key, struct alk_endpoint,
		      alk_ep_key_eq)
ALK_FLAT_BUCKET_PROBE(alk_dhcp_bucket_probe, struct alk_dhcp_bucket,
		      struct alk_dhcp_key, struct alk_dhcp, alk_dhcp_key_eq)

#endif
