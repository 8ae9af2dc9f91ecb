/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema of the table objects: one row per field, saying everything
 * any part of alkaid needs to know about it (its JSON name, its word in the
 * command grammar, how its value is written, where it sits in the key or
 * the value, whether it may be left out, its column in alkaidctl's tables,
 * its help line and an example value).
 *
 * Everything that reads or writes a table object is derived from these
 * rows: the command grammar (tables/cmd.c), command files and the state
 * file, the JSON encoding and decoding of the control protocol (ctl/api.c,
 * ctl/rows.c), alkaidctl's columns, usage lines and help.  Adding a field
 * to a table is one row here and the member in core/model.h.
 */
#ifndef ALKAID_TABLES_SCHEMA_H
#define ALKAID_TABLES_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables/tables.h"

/* The objects a command or a request names. */
enum alk_cmd_object {
	ALK_O_GATEWAY,
	ALK_O_ENDPOINT,
	ALK_O_NETWORK,
	ALK_O_VPC,
	ALK_O_NEIGHBOR,
	ALK_O_PORT,
};

#define ALK_NOBJECTS 6

/* How a field's value is written: in JSON, and as the grammar's word.
 * The number kinds come first (alk_field_is_number()). */
enum alk_field_kind {
	ALK_F_VNI,    /* number, 0-16777215 */
	ALK_F_U16,    /* number */
	ALK_F_U32,    /* number */
	ALK_F_PORT,   /* number, stored network order */
	ALK_F_IPV4,   /* "a.b.c.d" */
	ALK_F_IPV4_0, /* "a.b.c.d", or JSON null; 0.0.0.0 means none */
	ALK_F_MAC,    /* "xx:xx:xx:xx:xx:xx" */
	ALK_F_PREFIX, /* "a.b.c.d/len": ip at off, u32 length in the key at aux
		       */
	ALK_F_HOPS,   /* JSON ["a.b.c.d", ...], grammar a.b.c.d,...: array at
		       * off, count at aux */
	ALK_F_FLAG,   /* JSON true/false, grammar on/off: bit aux of the u16 */
	ALK_F_IFNAME, /* "name": an interface, 1-15 bytes, NUL-padded in
		       * ALK_IFNAMSIZ; no '/', ':', quote, backslash, space
		       * or control character, not "." or ".." */
};

#define ALK_FIELD_DEFAULT 2

struct alk_field {
	const char *name; /* JSON member */
	const char *word; /* the grammar's word */
	enum alk_field_kind kind;
	uint8_t in_key;	    /* lives in the key, else in the value */
	uint8_t optional;   /* may be left out of an add (zero or default;
			     * ALK_FIELD_DEFAULT: a default, zero a value) */
	uint8_t aux_size;   /* ALK_F_HOPS: size of the count, 1 or 4 */
	uint16_t off;	    /* offset in the key or value */
	uint16_t aux;	    /* see the kind */
	const char *header; /* alkaidctl's column title */
	uint8_t width;	    /* column width; 0: the last column */
	const char *meta;   /* the value in usage lines: VNI, ADDR, ... */
	const char *help;   /* one line: what the field means */
	const char *example;
};

struct alk_object {
	const char *name; /* "endpoint": methods "endpoint.add", words too */
	enum alk_cmd_object object;
	enum alk_table table; /* ALK_T_MAX for the gateway */
	uint16_t key_size, val_size;
	uint8_t nfields, nkey; /* the key's fields come first */
	const struct alk_field *fields;
	const char *about; /* what the object is, for alkaidctl's help */
	const char *notes; /* how its commands behave, likewise */
};

const struct alk_object *alk_object(enum alk_cmd_object o);
const struct alk_object *alk_object_by_name(const char *name, size_t len);

/* Largest key and value of any object: sizes for scratch buffers. */
#define ALK_MAX_KEY 16
#define ALK_MAX_VAL 64

enum alk_part {
	ALK_PART_KEY, /* the key's fields only, all required */
	ALK_PART_ALL, /* every field; optional ones may be absent */
};

/* How many fields a part has. */
static inline unsigned int alk_part_fields(const struct alk_object *o,
					   enum alk_part part)
{
	return part == ALK_PART_KEY ? o->nkey : o->nfields;
}

/* The field whose JSON name (len bytes) or word is given, among the first
 * n of o; -1 if none. */
int alk_field_by_name(const struct alk_object *o, unsigned int n,
		      const char *name, size_t len);
int alk_field_by_word(const struct alk_object *o, unsigned int n,
		      const char *word);

/* Zero key and value, with the defaults given to fields left out (the
 * gateway's: alk_gateway_defaults()).  key may be NULL (the gateway has none);
 * val is left alone for ALK_PART_KEY. */
void alk_object_start(const struct alk_object *o, enum alk_part part, void *key,
		      void *val);

/* A gateway with every field the defaults of its rows, its address and
 * MAC zero: what 'gateway set' starts from, and --gateway-ip too. */
void alk_gateway_defaults(struct alk_gateway *gw);

/* The flags (ALK_GW_F_*) a gateway set without them gets in this process,
 * beyond the rows' defaults: alkaid-dpdk, with no kernel to answer ARP
 * for the gateway, adds underlay ARP.  Called once, before any parsing. */
void alk_gateway_default_flags(uint32_t flags);

/* Where a field's bytes are. */
static inline uint8_t *alk_field_ptr(const struct alk_field *f, void *key,
				     void *val)
{
	return (uint8_t *)(f->in_key ? key : val) + f->off;
}

/* Whether a field is a number (VNI, U16, U32, PORT). */
static inline bool alk_field_is_number(const struct alk_field *f)
{
	return f->kind <= ALK_F_PORT;
}

/* The largest value of a number kind (VNI, U16, U32, PORT). */
uint64_t alk_field_max(const struct alk_field *f);
/* Store a number already checked against alk_field_max(). */
void alk_field_store_number(const struct alk_field *f, void *key, void *val,
			    uint64_t x);

/* Store the count of an ALK_F_HOPS field (at most ALK_MAX_HOPS). */
void alk_field_store_count(const struct alk_field *f, void *val, uint32_t n);

/*
 * Parse one value in its text form (the grammar's, which is also the body
 * of a JSON string): numbers in decimal, addresses dotted, a MAC as
 * xx:xx:xx:xx:xx:xx, a prefix as a.b.c.d/len, hops as a.b.c.d[,a.b.c.d...]
 * (1 to ALK_MAX_HOPS), a flag as on or off, an interface name as it is.
 * s is NUL-terminated.
 * 0, or -EINVAL with nothing promised about the field's bytes.
 */
int alk_field_parse(const struct alk_field *f, const char *s, void *key,
		    void *val);
/* One dotted IPv4 address, exactly (inet_pton). */
int alk_parse_ipv4(const char *s, __be32 *ip);
/* An interface name as ALK_F_IFNAME takes it, NUL-padded into name. */
int alk_parse_ifname(const char *s, char name[ALK_IFNAMSIZ]);
/* Exactly xx:xx:xx:xx:xx:xx (hex digits of either case). */
int alk_parse_mac(const char *s, uint8_t mac[6]);

/* Values written out, as JSON, as the grammar's word, or as alkaidctl's
 * column (where an unset option is "-"). */
enum alk_style {
	ALK_STYLE_JSON,
	ALK_STYLE_WORDS,
	ALK_STYLE_TEXT,
};

/* Room for any field's value in any style. */
#define ALK_FIELD_TEXT_MAX (ALK_MAX_HOPS * 18 + 3)

/* Write the field's value into out (ALK_FIELD_TEXT_MAX bytes, not
 * NUL-terminated); returns its length. */
size_t alk_field_format(const struct alk_field *f, const void *key,
			const void *val, enum alk_style style, char *out);

/* An optional field left at its "none" value: left out of the grammar's
 * words, "-" in columns.  Ports and flags always count as set. */
bool alk_field_unset(const struct alk_field *f, const void *key,
		     const void *val);

/* The longest word of a field, and room for all of an object's words. */
#define ALK_WORD_MAX 16
#define ALK_FIELDS_MAX 8
#define ALK_WORDS_MAX (ALK_FIELDS_MAX * (ALK_WORD_MAX + ALK_FIELD_TEXT_MAX + 2))

/* key and value as the grammar's words ("vni 100 ip 203.0.113.5 ..."),
 * options at their "none" value left out, into out (ALK_WORDS_MAX bytes,
 * not NUL-terminated); returns the length. */
size_t alk_object_words(const struct alk_object *o, enum alk_part part,
			const void *key, const void *val, char *out);

#endif
