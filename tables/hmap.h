/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fixed-capacity hash map of fixed-size keys and values in plain memory:
 * open addressing with linear probing, one control byte per slot (empty,
 * or seven bits of the key's hash) so that a probe reads a run of bytes
 * and compares a key only on a tag match, and backward-shift deletion (no
 * tombstones, so it never degrades).  It is the in-memory back end's
 * table (tables/host.c) and the XDP back end's userspace copy of its hash
 * maps (dp-xdp/tables_bpf.c).  Not thread-safe; never resizes.
 */
#ifndef ALKAID_TABLES_HMAP_H
#define ALKAID_TABLES_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct alk_hmap {
	uint32_t key_size, val_size;
	uint32_t val_off, slot_size; /* a slot: [key][pad][value][pad] */
	uint32_t capacity;	     /* entries allowed */
	uint32_t mask;		     /* slots - 1, a power of two */
	uint32_t count;
	uint8_t *ctrl; /* per slot: 0 empty, 0x80 | 7 hash bits */
	uint8_t *slots;
};

/* Key sizes are multiples of 4 (all our keys are); values start at a
 * multiple of val_align (a power of two) within the slot and the slots
 * are aligned to it, for callers that read values in place. */
int alk_hmap_init(struct alk_hmap *m, uint32_t key_size, uint32_t val_size,
		  uint32_t val_align, uint32_t capacity);
void alk_hmap_fini(struct alk_hmap *m);

/* The value of key, in place, or NULL. */
void *alk_hmap_lookup(const struct alk_hmap *m, const void *key);
/* n lookups, the memory of several in flight at once: found[i], and the
 * value copied to vals[i] when found. */
void alk_hmap_lookup_bulk(const struct alk_hmap *m, const void *keys,
			  uint32_t n, void *vals, uint8_t *found);
/* Insert or replace: 0, or -ENOSPC when a new key finds the map full. */
int alk_hmap_update(struct alk_hmap *m, const void *key, const void *val);
/* 0, or -ENOENT. */
int alk_hmap_delete(struct alk_hmap *m, const void *key);
/* Iteration in slot order: the key after key (NULL: the first), or
 * -ENOENT; after a key that is gone, from the start. */
int alk_hmap_next(const struct alk_hmap *m, const void *key, void *next);
/* Bytes allocated. */
uint64_t alk_hmap_memory(const struct alk_hmap *m);

#endif
