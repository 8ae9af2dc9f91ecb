/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table API over the BPF maps of the XDP program.
 *
 * The endpoints and the DHCP index are flat tables (core/flat.h) in array
 * maps the program reads in place: the handle mmaps them and writes them
 * with the flat writer (tables/flat.h), with no syscall per entry and no
 * copy in userspace.  One writer at a time per table: the daemon, or a tool
 * while no daemon serves the interface.
 *
 * The other hash maps are written with the batch syscalls (one syscall per
 * batch, not per entry).  The networks LPM trie has no batch operations: it is
 * written entry by entry, its keys translated between the API's {vni, prefix,
 * plen} and the trie's {32 + plen, vni, ip}.
 *
 * Entry counts of the flat tables are in their heads.  Of the others: the
 * kernel does not report how many entries a map holds, so
 * the handle counts them once (batched reads) the first time it is asked
 * and then keeps the count in step with its own writes.  Another process
 * writing the same pins makes it drift; alk_bpf_tables_clear() and reopening
 * the handle start it afresh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/flat.h"
#include "tables/flat.h"
#include "tables_bpf.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's "operation not supported" */
#endif

/* The gateway's tables, the first rows of shapes[]; the host agent's
 * ports are not among them (dp-agent/tables_agent.c has those). */
#define NTABLES ALK_T_PORT

/* Keys read or written per batch syscall when the count is ours to choose. */
#define BATCH_CHUNK 4096

_Static_assert(sizeof(struct alk_vpc) >= sizeof(struct alk_endpoint) &&
		       sizeof(struct alk_vpc) >= sizeof(struct alk_neighbor) &&
		       sizeof(struct alk_vpc) >= sizeof(struct alk_dhcp),
	       "hash_update()'s scratch value holds any hash table's value");

struct bpf_tables {
	struct alk_tables base;
	int fd[NTABLES];
	int gateway_fd;
	int stats_fd;
	uint32_t capacity[NTABLES];
	uint64_t count[NTABLES];
	int count_known[NTABLES];
	int ncpus;
	uint64_t *percpu; /* one value per possible CPU */
	/* the endpoints and the DHCP index over their maps' memory */
	struct alk_flat flat[NTABLES];
	size_t mapped[NTABLES]; /* bytes mmapped, 0: none */
	/* what the kernel charges for each map: fixed once created (the
	 * maps are preallocated), read once (a /proc file) */
	uint64_t memory[NTABLES];
};

static const char *const map_names[NTABLES] = {
	[ALK_T_ENDPOINT] = "alk_endpoints", [ALK_T_NETWORK] = "alk_networks",
	[ALK_T_VPC] = "alk_vpcs",	    [ALK_T_NEIGHBOR] = "alk_neighbors",
	[ALK_T_DHCP] = "alk_dhcp_index",
};

/* What each map must look like, checked whenever one is opened. */
struct map_shape {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size;
	uint32_t max_entries; /* 0: any */
	uint32_t map_flags;   /* flags it must have */
};

static const struct map_shape shapes[] = {
	{ "alk_endpoints", BPF_MAP_TYPE_ARRAY, sizeof(__u32), ALK_FLAT_BUCKET,
	  0, BPF_F_MMAPABLE },
	{ "alk_networks", BPF_MAP_TYPE_LPM_TRIE,
	  sizeof(struct alk_network_lpm_key), sizeof(struct alk_network), 0 },
	{ "alk_vpcs", BPF_MAP_TYPE_HASH, sizeof(struct alk_vpc_key),
	  sizeof(struct alk_vpc), 0 },
	{ "alk_neighbors", BPF_MAP_TYPE_HASH, sizeof(struct alk_neighbor_key),
	  sizeof(struct alk_neighbor), 0 },
	{ "alk_dhcp_index", BPF_MAP_TYPE_ARRAY, sizeof(__u32), ALK_FLAT_BUCKET,
	  0, BPF_F_MMAPABLE },
	{ ALK_BPF_MAP_GATEWAY, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
	  sizeof(struct alk_gateway), 1 },
	{ ALK_BPF_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
	  sizeof(__u64), ALK_R_MAX },
};

#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))
#define SHAPE_GATEWAY (NSHAPES - 2)
#define SHAPE_STATS (NSHAPES - 1)

static struct bpf_tables *bpft(struct alk_tables *t)
{
	return (struct bpf_tables *)t;
}

static void set_err(struct alk_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->index = -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

const char *alk_bpf_map_name(enum alk_table tbl)
{
	return tbl < NTABLES ? map_names[tbl] : NULL;
}

int alk_bpf_pin_dir(char *buf, size_t len, const char *bpffs,
		    const char *ifname)
{
	int n = snprintf(buf, len, "%s/alkaid/%s", bpffs, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int batch_unsupported(int err)
{
	/* old kernels lack the command (EINVAL); map types without batch
	 * operations answer ENOTSUPP */
	return err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP;
}

/* The kernel's own account of a map's memory (/proc/self/fdinfo). */
uint64_t alk_bpf_map_memlock(int fd)
{
	unsigned long long bytes = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

/* ---- hash maps: batched writes ---------------------------------------- */

static int update_many(int fd, const void *keys, const void *vals, size_t ks,
		       size_t vs, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	const uint8_t *k = keys, *v = vals;
	uint32_t cnt = n;
	int err;

	if (!n)
		return 0;
	err = bpf_map_update_batch(fd, k, v, &cnt, &opts);
	if (batch_unsupported(err)) {
		for (uint32_t i = 0; i < n; i++) {
			err = bpf_map_update_elem(fd, k + i * ks, v + i * vs,
						  BPF_ANY);
			if (err)
				break;
		}
	}
	/* a preallocated hash map out of free elements says E2BIG */
	return err == -E2BIG ? -ENOSPC : err;
}

/* Delete n keys, absent ones skipped; *deleted counts those that were
 * there.  The batch stops at the first absent key, so resume after it. */
static int delete_many(int fd, const void *keys, size_t ks, uint32_t n,
		       uint64_t *deleted)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const uint8_t *k = keys;
	uint32_t done = 0;
	int err;

	while (done < n) {
		uint32_t cnt = n - done;

		err = bpf_map_delete_batch(fd, k + done * ks, &cnt, &opts);
		if (batch_unsupported(err))
			break;
		*deleted += cnt;
		done += cnt;
		if (!err)
			return 0;
		if (err != -ENOENT)
			return err;
		done++; /* the absent key */
	}
	for (; done < n; done++) {
		err = bpf_map_delete_elem(fd, k + done * ks);
		if (!err)
			(*deleted)++;
		else if (err != -ENOENT)
			return err;
	}
	return 0;
}

/*
 * Every entry of a map in batched reads, each batch handed to fn (which
 * stops the walk by returning non-zero).  0 at the end, or -errno; map
 * types without batch reads (LPM tries) fail with batch_unsupported().
 */
static int read_batches(int fd, size_t ks, size_t vs,
			int (*fn)(void *ctx, const uint8_t *keys,
				  const uint8_t *vals, uint32_t n),
			void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint8_t *keys = malloc(BATCH_CHUNK * ks),
		*vals = malloc(BATCH_CHUNK * vs);
	uint64_t in[8], out[8];
	void *batch = NULL;
	int err = -ENOMEM;

	while (keys && vals) {
		uint32_t cnt = BATCH_CHUNK;
		int last;

		err = bpf_map_lookup_batch(fd, batch, out, keys, vals, &cnt,
					   &opts);
		last = err == -ENOENT; /* the end, with cnt entries still */
		if (err && !last)
			break;
		err = fn(ctx, keys, vals, cnt);
		if (err || last)
			break;
		memcpy(in, out, sizeof(in));
		batch = in;
	}
	free(keys);
	free(vals);
	return err;
}

static int add_count(void *total, const uint8_t *keys, const uint8_t *vals,
		     uint32_t n)
{
	*(uint64_t *)total += n;
	return 0;
}

/* Entries in a map, read in batches where the map type allows it. */
static int count_entries(int fd, size_t ks, size_t vs, uint64_t *count)
{
	uint64_t total = 0;
	uint8_t *key;
	int err = read_batches(fd, ks, vs, add_count, &total);

	if (!err)
		*count = total;
	if (!batch_unsupported(err) || total)
		return err;
	/* no batch reads (LPM tries): walk the keys */
	key = malloc(ks);
	if (!key)
		return -ENOMEM;
	for (err = bpf_map_get_next_key(fd, NULL, key); !err;
	     err = bpf_map_get_next_key(fd, key, key))
		total++;
	free(key);
	if (err != -ENOENT)
		return err;
	*count = total;
	return 0;
}

static int cmp_keys(const void *a, const void *b, void *size)
{
	return memcmp(a, b, *(size_t *)size);
}

/* Distinct keys of an array (sorted in place). */
static uint32_t distinct(uint8_t *keys, size_t ks, uint32_t n)
{
	uint32_t d = n ? 1 : 0;

	qsort_r(keys, n, ks, cmp_keys, &ks);
	for (uint32_t i = 1; i < n; i++)
		if (memcmp(keys + (i - 1) * ks, keys + i * ks, ks))
			d++;
	return d;
}

static int hash_update(struct bpf_tables *b, enum alk_table tbl,
		       const void *keys, const void *vals, uint32_t n)
{
	size_t ks = alk_table_key_size(tbl), vs = alk_table_val_size(tbl);
	const uint8_t *k = keys;
	uint8_t *fresh = NULL, val[sizeof(struct alk_vpc)]; /* the largest */
	uint32_t nfresh = 0;
	int err;

	/* To keep the count exact, learn which keys are new before the
	 * batch replaces them all; a batch may name a key twice. */
	if (b->count_known[tbl]) {
		fresh = malloc((n ? n : 1) * ks);
		if (!fresh)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++)
			if (bpf_map_lookup_elem(b->fd[tbl], k + i * ks, val))
				memcpy(fresh + nfresh++ * ks, k + i * ks, ks);
		nfresh = distinct(fresh, ks, nfresh);
		free(fresh);
	}
	err = update_many(b->fd[tbl], keys, vals, ks, vs, n);
	if (err)
		b->count_known[tbl] = 0; /* partly applied: count afresh */
	else
		b->count[tbl] += nfresh;
	return err;
}

/* ---- the networks trie ------------------------------------------------ */

void alk_bpf_network_lpm_key(const struct alk_network_key *k,
			     struct alk_network_lpm_key *l)
{
	l->prefixlen = 32 + k->plen;
	l->vni = htonl(k->vni);
	l->ip = k->prefix;
}

static int from_lpm(const struct alk_network_lpm_key *l,
		    struct alk_network_key *k)
{
	if (l->prefixlen < 32 || l->prefixlen > 64)
		return -EINVAL; /* not written by this API */
	k->vni = ntohl(l->vni);
	k->prefix = l->ip;
	k->plen = l->prefixlen - 32;
	return 0;
}

static int network_update(struct bpf_tables *b,
			  const struct alk_network_key *keys,
			  const struct alk_network *vals, uint32_t n)
{
	int fd = b->fd[ALK_T_NETWORK];

	for (uint32_t i = 0; i < n; i++) {
		struct alk_network_lpm_key l;
		struct alk_network v = vals[i];
		int err;

		alk_bpf_network_lpm_key(&keys[i], &l);
		/* lookup() tells an exact entry from a shorter prefix by
		 * this copy, so the back end owns it */
		v.plen = keys[i].plen;
		err = bpf_map_update_elem(fd, &l, &v, BPF_NOEXIST);
		if (!err) {
			if (b->count_known[ALK_T_NETWORK])
				b->count[ALK_T_NETWORK]++;
			continue;
		}
		if (err == -EEXIST)
			err = bpf_map_update_elem(fd, &l, &v, BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

static int network_remove(struct bpf_tables *b,
			  const struct alk_network_key *keys, uint32_t n)
{
	int fd = b->fd[ALK_T_NETWORK];

	for (uint32_t i = 0; i < n; i++) {
		struct alk_network_lpm_key l;
		int err;

		alk_bpf_network_lpm_key(&keys[i], &l);
		err = bpf_map_delete_elem(fd, &l);
		if (!err && b->count_known[ALK_T_NETWORK])
			b->count[ALK_T_NETWORK]--;
		else if (err != -ENOENT)
			return err;
	}
	return 0;
}

/* A trie lookup is longest-prefix; the API's is exact. */
int alk_bpf_network_lookup(int fd, const struct alk_network_key *k,
			   struct alk_network *val)
{
	struct alk_network_lpm_key l;

	if (k->plen > 32)
		return -ENOENT;
	alk_bpf_network_lpm_key(k, &l);
	if (bpf_map_lookup_elem(fd, &l, val) || val->plen != k->plen)
		return -ENOENT;
	return 0;
}

int alk_bpf_network_next_key(int fd, const struct alk_network_key *key,
			     struct alk_network_key *next)
{
	struct alk_network_lpm_key cur, l;
	const void *prev = NULL;
	int err;

	if (key) {
		alk_bpf_network_lpm_key(key, &cur);
		prev = &cur;
	}
	for (;;) {
		err = bpf_map_get_next_key(fd, prev, &l);
		if (err)
			return err;
		if (!from_lpm(&l, next))
			return 0;
		cur = l; /* a foreign entry: step over it */
		prev = &cur;
	}
}

/* ---- the ops ----------------------------------------------------------- */

static int bpf_update(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, const void *vals, uint32_t n)
{
	struct bpf_tables *b = bpft(t);

	if (tbl >= NTABLES)
		return -EOPNOTSUPP; /* ports: a host agent's, not a gateway's */
	if (alk_table_is_flat(tbl))
		return alk_flat_update(&b->flat[tbl], keys, vals, n);
	if (tbl == ALK_T_NETWORK)
		return network_update(b, keys, vals, n);
	return hash_update(b, tbl, keys, vals, n);
}

static int bpf_remove(struct alk_tables *t, enum alk_table tbl,
		      const void *keys, uint32_t n)
{
	struct bpf_tables *b = bpft(t);
	uint64_t deleted = 0;
	int err;

	if (tbl >= NTABLES)
		return -EOPNOTSUPP;
	if (alk_table_is_flat(tbl)) {
		alk_flat_remove(&b->flat[tbl], keys, n);
		return 0;
	}
	if (tbl == ALK_T_NETWORK)
		return network_remove(b, keys, n);
	err = delete_many(b->fd[tbl], keys, alk_table_key_size(tbl), n,
			  &deleted);
	b->count[tbl] -= deleted < b->count[tbl] ? deleted : b->count[tbl];
	return err;
}

static int bpf_lookup(struct alk_tables *t, enum alk_table tbl, const void *key,
		      void *val)
{
	struct bpf_tables *b = bpft(t);

	if (tbl >= NTABLES)
		return -EOPNOTSUPP;
	if (alk_table_is_flat(tbl))
		return alk_flat_lookup(&b->flat[tbl], key, val);
	if (tbl == ALK_T_NETWORK)
		return alk_bpf_network_lookup(b->fd[ALK_T_NETWORK], key, val);
	return bpf_map_lookup_elem(b->fd[tbl], key, val) ? -ENOENT : 0;
}

static int bpf_lookup_bulk(struct alk_tables *t, enum alk_table tbl,
			   const void *keys, uint32_t n, void *vals,
			   uint8_t *found)
{
	struct bpf_tables *b = bpft(t);

	if (tbl >= NTABLES)
		return -EOPNOTSUPP;
	if (!alk_table_is_flat(tbl)) /* the kernel's maps have no bulk lookup */
		return alk_table_lookup_each(t, tbl, keys, n, vals, found);
	alk_flat_lookup_bulk(&b->flat[tbl], keys, n, vals, found);
	return 0;
}

static int bpf_next_key(struct alk_tables *t, enum alk_table tbl,
			const void *key, void *next)
{
	struct bpf_tables *b = bpft(t);

	if (tbl >= NTABLES)
		return -EOPNOTSUPP;
	if (alk_table_is_flat(tbl))
		return alk_flat_next_key(&b->flat[tbl], key, next);
	if (tbl == ALK_T_NETWORK)
		return alk_bpf_network_next_key(b->fd[ALK_T_NETWORK], key,
						next);
	return bpf_map_get_next_key(b->fd[tbl], key, next);
}

static int bpf_info(struct alk_tables *t, enum alk_table tbl,
		    struct alk_table_info *info)
{
	struct bpf_tables *b = bpft(t);

	if (tbl >= NTABLES)
		return -EOPNOTSUPP;
	if (alk_table_is_flat(tbl)) {
		alk_flat_info(&b->flat[tbl], info);
		return 0;
	}
	if (!b->count_known[tbl]) {
		size_t ks = tbl == ALK_T_NETWORK ?
				    sizeof(struct alk_network_lpm_key) :
				    alk_table_key_size(tbl);
		int err = count_entries(b->fd[tbl], ks, alk_table_val_size(tbl),
					&b->count[tbl]);

		if (err)
			return err;
		b->count_known[tbl] = 1;
	}
	info->count = b->count[tbl];
	info->capacity = b->capacity[tbl];
	if (!b->memory[tbl])
		b->memory[tbl] = alk_bpf_map_memlock(b->fd[tbl]);
	info->memory = b->memory[tbl];
	return 0;
}

static int bpf_gateway_get(struct alk_tables *t, struct alk_gateway *gw)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(bpft(t)->gateway_fd, &zero, gw);
}

static int bpf_gateway_set(struct alk_tables *t, const struct alk_gateway *gw)
{
	__u32 zero = 0;

	return bpf_map_update_elem(bpft(t)->gateway_fd, &zero, gw, BPF_ANY);
}

static int bpf_stats_get(struct alk_tables *t, uint64_t counters[ALK_R_MAX])
{
	struct bpf_tables *b = bpft(t);

	for (__u32 r = 0; r < ALK_R_MAX; r++) {
		int err = bpf_map_lookup_elem(b->stats_fd, &r, b->percpu);

		if (err)
			return err;
		counters[r] = 0;
		for (int c = 0; c < b->ncpus; c++)
			counters[r] += b->percpu[c];
	}
	return 0;
}

static int bpf_stats_reset(struct alk_tables *t)
{
	struct bpf_tables *b = bpft(t);

	memset(b->percpu, 0, b->ncpus * sizeof(*b->percpu));
	for (__u32 r = 0; r < ALK_R_MAX; r++) {
		int err = bpf_map_update_elem(b->stats_fd, &r, b->percpu,
					      BPF_ANY);

		if (err)
			return err;
	}
	return 0;
}

static void bpf_close(struct alk_tables *t)
{
	struct bpf_tables *b = bpft(t);

	if (!b)
		return;
	for (int i = 0; i < NTABLES; i++)
		if (b->fd[i] >= 0)
			close(b->fd[i]);
	if (b->gateway_fd >= 0)
		close(b->gateway_fd);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	for (int i = 0; i < NTABLES; i++)
		if (b->mapped[i])
			munmap(b->flat[i].mem, b->mapped[i]);
	free(b->percpu);
	free(b);
}

static const struct alk_tables_ops bpf_ops = {
	.name = "xdp",
	.update = bpf_update,
	.remove = bpf_remove,
	.lookup = bpf_lookup,
	.lookup_bulk = bpf_lookup_bulk,
	.next_key = bpf_next_key,
	.info = bpf_info,
	.gateway_get = bpf_gateway_get,
	.gateway_set = bpf_gateway_set,
	.stats_get = bpf_stats_get,
	.stats_reset = bpf_stats_reset,
	.close = bpf_close,
};

/* ---- opening ----------------------------------------------------------- */

static const char *map_type_name(enum bpf_map_type type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

/* Is fd the map shape s describes?  Fills *max with its capacity. */
static int check_shape(int fd, const struct map_shape *s, const char *where,
		       uint32_t *max, struct alk_error *err)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int rc = bpf_obj_get_info_by_fd(fd, &info, &len);

	if (rc) {
		set_err(err, "%s/%s: cannot read map info: %s", where, s->name,
			strerror(-rc));
		return rc;
	}
	if (info.type != s->type || info.key_size != s->key_size ||
	    info.value_size != s->value_size ||
	    (s->max_entries && info.max_entries != s->max_entries) ||
	    (info.map_flags & s->map_flags) != s->map_flags) {
		set_err(err,
			"%s/%s is a %s map of %u-byte keys, %u-byte values, %u "
			"entries, flags %#x; this build expects %s, %u, %u%s, "
			"flags %#x",
			where, s->name, map_type_name(info.type), info.key_size,
			info.value_size, info.max_entries, info.map_flags,
			map_type_name(s->type), s->key_size, s->value_size,
			s->max_entries ? "" : " (entries: any)", s->map_flags);
		return -EINVAL;
	}
	*max = info.max_entries;
	return 0;
}

/* The capacity a flat map of `buckets` buckets (the head's included) was
 * sized for, when nobody said (alk_bpf_set_sizes() says): the largest whose
 * table has as many. */
static uint32_t flat_capacity(uint32_t buckets)
{
	return buckets > 1 ? (uint32_t)((uint64_t)(buckets - 1) * 9 / 4) : 0;
}

/*
 * Map the memory of a flat table's array map, and take its layout: a map
 * whose head is still zero (just created) is laid out for capacity
 * entries; one that has a head (pinned: a restart) keeps it, and its seed.
 * The mapping's length into *mapped.
 */
static int flat_map(int fd, enum alk_table tbl, uint32_t buckets,
		    uint32_t capacity, struct alk_flat *f, size_t *mapped,
		    struct alk_error *err)
{
	size_t bytes = (size_t)buckets * ALK_FLAT_BUCKET;
	void *mem =
		mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char why[160];
	int rc;

	if (mem == MAP_FAILED) {
		rc = -errno;
		set_err(err, "%s: cannot map its %zu bytes: %s", map_names[tbl],
			bytes, strerror(-rc));
		return rc;
	}
	if (((const struct alk_flat_head *)mem)->magic) {
		rc = alk_flat_open(f, mem, bytes, tbl, why, sizeof(why));
		if (rc)
			set_err(err, "%s: %s", map_names[tbl], why);
	} else {
		rc = alk_flat_init(f, mem, bytes, tbl, capacity);
		if (rc)
			set_err(err,
				"%s: %u buckets cannot hold a table of %u "
				"entries",
				map_names[tbl], buckets, capacity);
	}
	if (rc) {
		munmap(mem, bytes);
		return rc;
	}
	*mapped = bytes;
	return 0;
}

/* Takes ownership of the descriptors (shapes order), closing them on error. */
static struct alk_tables *tables_create(int fds[NSHAPES], const char *where,
					struct alk_error *err)
{
	struct bpf_tables *b = calloc(1, sizeof(*b));
	uint32_t max;
	int rc = -ENOMEM;

	if (!b) {
		for (size_t i = 0; i < NSHAPES; i++)
			close(fds[i]);
		set_err(err, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	b->base.ops = &bpf_ops;
	for (int i = 0; i < NTABLES; i++)
		b->fd[i] = fds[i];
	b->gateway_fd = fds[SHAPE_GATEWAY];
	b->stats_fd = fds[SHAPE_STATS];

	for (size_t i = 0; i < NSHAPES; i++) {
		rc = check_shape(fds[i], &shapes[i], where, &max, err);
		if (rc)
			goto fail;
		if (i < NTABLES && alk_table_is_flat(i))
			rc = flat_map(fds[i], i, max, flat_capacity(max),
				      &b->flat[i], &b->mapped[i], err);
		if (rc)
			goto fail;
		if (i < NTABLES)
			b->capacity[i] = max;
	}
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		rc = b->ncpus ? b->ncpus : -EINVAL;
		set_err(err, "cannot tell how many CPUs there are");
		goto fail;
	}
	b->percpu = calloc(b->ncpus, sizeof(*b->percpu));
	if (!b->percpu) {
		rc = -ENOMEM;
		set_err(err, "out of memory");
		goto fail;
	}
	return &b->base;
fail:
	bpf_close(&b->base);
	errno = -rc;
	return NULL;
}

struct alk_tables *alk_bpf_tables_from_object(struct bpf_object *obj,
					      struct alk_error *err)
{
	int fds[NSHAPES];
	size_t i;

	for (i = 0; i < NSHAPES; i++) {
		struct bpf_map *map =
			bpf_object__find_map_by_name(obj, shapes[i].name);
		int fd = map ? bpf_map__fd(map) : -1;

		if (fd < 0) {
			set_err(err, "%s: no loaded map %s",
				bpf_object__name(obj), shapes[i].name);
			goto fail;
		}
		/* our own descriptor: the handle outlives the object */
		fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			set_err(err, "%s: %s", shapes[i].name, strerror(errno));
			goto fail;
		}
	}
	return tables_create(fds, bpf_object__name(obj), err);
fail:
	while (i--)
		close(fds[i]);
	errno = EINVAL;
	return NULL;
}

struct alk_tables *alk_bpf_tables_open_pinned(const char *dir,
					      struct alk_error *err)
{
	char path[PATH_MAX];
	int fds[NSHAPES];
	size_t i;

	for (i = 0; i < NSHAPES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, shapes[i].name);
		fds[i] = bpf_obj_get(path);
		if (fds[i] < 0) {
			int e = -fds[i];

			set_err(err, "cannot open %s: %s%s", path, strerror(e),
				e == ENOENT ? " (is alkaid-xdp running on "
					      "this interface?)" :
					      "");
			goto fail;
		}
	}
	return tables_create(fds, dir, err);
fail:
	while (i--)
		close(fds[i]);
	errno = ENOENT;
	return NULL;
}

static int clear_map(int fd, size_t ks, uint64_t *deleted)
{
	uint8_t *keys = malloc(BATCH_CHUNK * ks);
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (;;) {
		const void *prev = NULL;
		uint32_t n = 0;

		while (n < BATCH_CHUNK &&
		       !bpf_map_get_next_key(fd, prev, keys + n * ks)) {
			prev = keys + n * ks;
			n++;
		}
		if (!n)
			break;
		err = delete_many(fd, keys, ks, n, deleted);
		if (err)
			break;
	}
	free(keys);
	return err;
}

int alk_bpf_tables_clear(struct alk_tables *t)
{
	struct bpf_tables *b = bpft(t);
	struct alk_gateway none = { 0 };
	int err;

	if (!t || t->ops != &bpf_ops)
		return -EINVAL;
	for (int i = 0; i < NTABLES; i++) {
		uint64_t deleted = 0;

		if (alk_table_is_flat(i)) {
			alk_flat_clear(&b->flat[i]);
			continue;
		}
		err = clear_map(b->fd[i],
				i == ALK_T_NETWORK ?
					sizeof(struct alk_network_lpm_key) :
					alk_table_key_size(i),
				&deleted);
		if (err)
			return err;
		b->count[i] = 0;
		b->count_known[i] = 1;
	}
	err = bpf_gateway_set(t, &none);
	return err ? err : bpf_stats_reset(t);
}

/* ---- loading ----------------------------------------------------------- */

/* Entries asked of a table: the DHCP index is sized like the endpoints,
 * one entry per endpoint. */
static uint32_t asked(const struct alk_table_sizes *s, enum alk_table tbl)
{
	switch (tbl) {
	case ALK_T_ENDPOINT:
	case ALK_T_DHCP:
		return s->endpoints;
	case ALK_T_NETWORK:
		return s->networks;
	case ALK_T_VPC:
		return s->vpcs;
	case ALK_T_NEIGHBOR:
		return s->neighbors;
	default:
		return 0;
	}
}

static void set_asked(struct alk_table_sizes *s, enum alk_table tbl,
		      uint32_t entries)
{
	if (tbl == ALK_T_ENDPOINT)
		s->endpoints = entries;
	else if (tbl == ALK_T_NETWORK)
		s->networks = entries;
	else if (tbl == ALK_T_VPC)
		s->vpcs = entries;
	else if (tbl == ALK_T_NEIGHBOR)
		s->neighbors = entries;
}

/*
 * A flat table's map made and laid out here, before the program is loaded,
 * so that no program ever runs over a map without a head; libbpf takes it
 * (and pins it) instead of creating its own.  Not when a map is pinned
 * where libbpf will look: that one is reused as it is.
 */
static int lay_out(struct bpf_map *map, enum alk_table tbl, uint32_t capacity)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = bpf_map__map_flags(map));
	const char *pin = bpf_map__pin_path(map);
	struct alk_flat f;
	size_t mapped = 0;
	int fd, rc;

	if (pin) {
		fd = bpf_obj_get(pin);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map),
			    bpf_map__key_size(map), bpf_map__value_size(map),
			    bpf_map__max_entries(map), &opts);
	if (fd < 0)
		return fd;
	rc = flat_map(fd, tbl, bpf_map__max_entries(map), capacity, &f, &mapped,
		      NULL);
	if (!rc) {
		munmap(f.mem, mapped);
		rc = bpf_map__reuse_fd(map, fd);
	}
	close(fd);
	return rc;
}

int alk_bpf_set_sizes(struct bpf_object *obj, const struct alk_table_sizes *s)
{
	for (int i = 0; i < NTABLES; i++) {
		struct bpf_map *map =
			bpf_object__find_map_by_name(obj, map_names[i]);
		uint32_t n = asked(s, i);
		int err;

		if (!map)
			return -ENOENT;
		if (alk_table_is_flat(i))
			n = alk_flat_bytes(n) / ALK_FLAT_BUCKET;
		err = bpf_map__set_max_entries(map, n);
		if (!err && alk_table_is_flat(i))
			err = lay_out(map, i, asked(s, i));
		if (err)
			return err;
	}
	return 0;
}

/* The entries a pinned map was made for: a flat table's head says. */
static uint32_t pinned_entries(int fd, enum alk_table tbl,
			       const struct bpf_map_info *info)
{
	struct alk_flat_head head;
	__u32 zero = 0;

	if (!alk_table_is_flat(tbl))
		return info->max_entries;
	if (!bpf_map_lookup_elem(fd, &zero, &head) &&
	    head.magic == ALK_FLAT_MAGIC)
		return head.capacity;
	return flat_capacity(info->max_entries);
}

int alk_bpf_check_pinned(struct bpf_object *obj, const char *dir,
			 const struct alk_table_sizes *sizes,
			 struct alk_table_sizes *pinned, struct alk_error *err)
{
	char path[PATH_MAX];
	int found = 0, rc = 0;

	if (pinned)
		memset(pinned, 0, sizeof(*pinned));
	for (size_t i = 0; i < NSHAPES; i++) {
		const char *name = shapes[i].name;
		struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		uint32_t entries = 0;
		int fd, e;

		if (!map) {
			set_err(err, "%s: the program has no map %s",
				bpf_object__name(obj), name);
			return -ENOENT;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = bpf_obj_get(path);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			set_err(err, "cannot open %s: %s", path, strerror(-fd));
			return fd;
		}
		e = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (!e && i < NTABLES)
			entries = pinned_entries(fd, i, &info);
		close(fd);
		if (e) {
			set_err(err, "%s: cannot read map info: %s", path,
				strerror(-e));
			return e;
		}
		found++;
		if (pinned && i < NTABLES)
			set_asked(pinned, i, entries);
		if (rc)
			continue; /* report the first difference only */
		if (info.type != bpf_map__type(map) ||
		    info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    info.map_flags != bpf_map__map_flags(map)) {
			set_err(err,
				"%s is a %s map of %u-byte keys and %u-byte "
				"values (flags %#x); this program's is a %s "
				"map "
				"of %u and %u (flags %#x): the table layout "
				"changed",
				path, map_type_name(info.type), info.key_size,
				info.value_size, info.map_flags,
				map_type_name(bpf_map__type(map)),
				bpf_map__key_size(map),
				bpf_map__value_size(map),
				bpf_map__map_flags(map));
			rc = -EEXIST;
		} else if (i < NTABLES ? entries != asked(sizes, i) :
					 info.max_entries !=
						 bpf_map__max_entries(map)) {
			set_err(err, "%s holds up to %u entries, %u requested",
				path, i < NTABLES ? entries : info.max_entries,
				i < NTABLES ? asked(sizes, i) :
					      bpf_map__max_entries(map));
			rc = -EEXIST;
		}
	}
	return rc ? rc : found;
}

int alk_bpf_unpin(const char *dir)
{
	char path[PATH_MAX];
	int rc = 0;

	for (size_t i = 0; i < NSHAPES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, shapes[i].name);
		if (unlink(path) && errno != ENOENT && !rc)
			rc = -errno;
	}
	if (rmdir(dir) && errno != ENOENT && !rc)
		rc = -errno;
	/* and <bpffs>/alkaid when no other interface is left in it */
	snprintf(path, sizeof(path), "%s", dir);
	rmdir(dirname(path));
	return rc;
}
