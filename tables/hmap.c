/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((a)-1))

/* Keys of 4-byte words through a multiply-xorshift mix (the MurmurHash3
 * finaliser at the end): every key bit reaches the index and the tag. */
static uint64_t hash(const void *key, uint32_t size)
{
	const uint8_t *p = key;
	uint64_t h = size;

	for (uint32_t i = 0; i < size; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint8_t tag(uint64_t h)
{
	return 0x80 | h >> 57;
}

static uint8_t *slot(const struct alk_hmap *m, uint32_t i)
{
	return m->slots + (size_t)i * m->slot_size;
}

int alk_hmap_init(struct alk_hmap *m, uint32_t key_size, uint32_t val_size,
		  uint32_t val_align, uint32_t capacity)
{
	uint64_t nslots = 16;
	size_t a = val_align < 8 ? 8 : val_align;

	/* at most 80% full: short probe runs even for absent keys */
	while (nslots * 4 < (uint64_t)capacity * 5)
		nslots <<= 1;
	if (nslots > (1ull << 31) || key_size % 4)
		return -EINVAL;
	*m = (struct alk_hmap){
		.key_size = key_size,
		.val_size = val_size,
		.val_off = ALIGN_UP(key_size, val_align),
		.capacity = capacity,
		.mask = nslots - 1,
	};
	m->slot_size = ALIGN_UP(m->val_off + val_size, val_align);
	m->ctrl = calloc(nslots, 1);
	m->slots = aligned_alloc(a, ALIGN_UP(nslots * m->slot_size, a));
	if (!m->ctrl || !m->slots) {
		alk_hmap_fini(m);
		return -ENOMEM;
	}
	return 0;
}

void alk_hmap_fini(struct alk_hmap *m)
{
	free(m->ctrl);
	free(m->slots);
	m->ctrl = m->slots = NULL;
}

/* The slot holding key, or the empty slot ending its probe run. */
static uint32_t find(const struct alk_hmap *m, const void *key, uint64_t h)
{
	uint8_t t = tag(h);
	uint32_t i = h & m->mask;

	while (m->ctrl[i] &&
	       (m->ctrl[i] != t || memcmp(slot(m, i), key, m->key_size)))
		i = (i + 1) & m->mask;
	return i;
}

void *alk_hmap_lookup(const struct alk_hmap *m, const void *key)
{
	uint32_t i = find(m, key, hash(key, m->key_size));

	return m->ctrl[i] ? slot(m, i) + m->val_off : NULL;
}

void alk_hmap_lookup_bulk(const struct alk_hmap *m, const void *keys,
			  uint32_t n, void *vals, uint8_t *found)
{
	enum { AHEAD = 16 };
	const uint8_t *k = keys;
	uint8_t *v = vals;
	uint64_t h[AHEAD];

	for (uint32_t i = 0; i < n; i += AHEAD) {
		uint32_t c = n - i < AHEAD ? n - i : AHEAD;

		/* first ask for every key's control byte and slot ... */
		for (uint32_t j = 0; j < c; j++) {
			uint32_t s;

			h[j] = hash(k + (size_t)(i + j) * m->key_size,
				    m->key_size);
			s = h[j] & m->mask;
			__builtin_prefetch(&m->ctrl[s]);
			__builtin_prefetch(slot(m, s));
		}
		/* ... then probe, by which time most have arrived */
		for (uint32_t j = 0; j < c; j++) {
			const uint8_t *key = k + (size_t)(i + j) * m->key_size;
			uint32_t s = find(m, key, h[j]);

			found[i + j] = m->ctrl[s] != 0;
			if (found[i + j])
				memcpy(v + (size_t)(i + j) * m->val_size,
				       slot(m, s) + m->val_off, m->val_size);
		}
	}
}

int alk_hmap_update(struct alk_hmap *m, const void *key, const void *val)
{
	uint64_t h = hash(key, m->key_size);
	uint32_t i = find(m, key, h);

	if (!m->ctrl[i]) {
		if (m->count >= m->capacity)
			return -ENOSPC;
		m->ctrl[i] = tag(h);
		memcpy(slot(m, i), key, m->key_size);
		m->count++;
	}
	memcpy(slot(m, i) + m->val_off, val, m->val_size);
	return 0;
}

int alk_hmap_delete(struct alk_hmap *m, const void *key)
{
	uint32_t i = find(m, key, hash(key, m->key_size)), j = i;

	if (!m->ctrl[i])
		return -ENOENT;
	/* shift back the rest of the run that may move into the hole */
	for (;;) {
		uint32_t home;

		j = (j + 1) & m->mask;
		if (!m->ctrl[j])
			break;
		home = hash(slot(m, j), m->key_size) & m->mask;
		/* j stays unless its home lies outside (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->ctrl[i] = m->ctrl[j];
		memcpy(slot(m, i), slot(m, j), m->slot_size);
		i = j;
	}
	m->ctrl[i] = 0;
	m->count--;
	return 0;
}

int alk_hmap_next(const struct alk_hmap *m, const void *key, void *next)
{
	uint32_t i = 0;

	if (key) {
		i = find(m, key, hash(key, m->key_size));
		i = m->ctrl[i] ? i + 1 : 0;
	}
	for (; i <= m->mask; i++) {
		if (m->ctrl[i]) {
			memcpy(next, slot(m, i), m->key_size);
			return 0;
		}
	}
	return -ENOENT;
}

uint64_t alk_hmap_memory(const struct alk_hmap *m)
{
	return ((uint64_t)m->mask + 1) * (m->slot_size + 1);
}
