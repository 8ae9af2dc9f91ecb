/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON shape of the table objects, driven by the schema
 * (tables/schema.c).  The decoder is on the server's hot path (a batch of
 * endpoints is a few hundred thousand of these per second): it walks each JSON
 * object once, matches member names against a handful of fields and parses
 * addresses without allocating.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

int alk_api_code(int neg_errno)
{
	switch (-neg_errno) {
	case EINVAL:
	case ERANGE:
		return ALK_RPC_INVALID_PARAMS;
	case ENOENT:
		return ALK_RPC_NOT_FOUND;
	case ENOSPC:
		return ALK_RPC_NO_SPACE;
	case EEXIST:
		return ALK_RPC_CONFLICT;
	case EACCES:
	case EPERM:
		return ALK_RPC_DENIED;
	default:
		return ALK_RPC_FAILED;
	}
}

/* --- decoding ------------------------------------------------------- */

/* "entries[3].mac: " or "params: " before the reason. */
static int fail(struct alk_error *err, const char *where, int64_t index,
		const char *field, const char *fmt, ...)
{
	char reason[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	err->index = index;
	if (index >= 0)
		snprintf(err->msg, sizeof(err->msg), "%s[%" PRId64 "]%s%s: %s",
			 where, index, field ? "." : "", field ? field : "",
			 reason);
	else
		snprintf(err->msg, sizeof(err->msg), "%s%s%s: %s", where,
			 field ? "." : "", field ? field : "", reason);
	return -EINVAL;
}

/* A JSON string's body as the field's text form.  json-c strings may hold
 * a NUL, where the parser would stop: such a string is no value. */
static int parse_string(const struct alk_field *f, const char *s, size_t len,
			void *key, void *val)
{
	if (strlen(s) != len)
		return -EINVAL;
	return alk_field_parse(f, s, key, val);
}

static int decode_number(struct json_object *v, uint64_t max, uint64_t *out,
			 const char **why)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int)) {
		*why = "expected an integer";
		return -EINVAL;
	}
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max) {
		*why = NULL; /* the caller says the range */
		return -ERANGE;
	}
	*out = x;
	return 0;
}

/* What a string field's value must look like, for the message. */
static const char *string_form(enum alk_field_kind kind)
{
	switch (kind) {
	case ALK_F_MAC:
		return "is not a MAC address (xx:xx:xx:xx:xx:xx)";
	case ALK_F_PREFIX:
		return "is not an IPv4 prefix (a.b.c.d/len)";
	case ALK_F_IFNAME:
		return "is not an interface name (1-15 characters, no '/', "
		       "':' or space)";
	default:
		return "is not an IPv4 address";
	}
}

static int decode_field(const struct alk_field *f, struct json_object *v,
			void *key, void *val, const char *where, int64_t index,
			struct alk_error *err)
{
	uint8_t *p = alk_field_ptr(f, key, val);
	const char *why = NULL, *s;
	uint64_t x = 0;
	int rc;

	switch (f->kind) {
	case ALK_F_VNI:
	case ALK_F_U16:
	case ALK_F_U32:
	case ALK_F_PORT:
		rc = decode_number(v, alk_field_max(f), &x, &why);
		if (rc == -ERANGE)
			return fail(err, where, index, NULL,
				    "%s %" PRId64 " out of range (0-%" PRIu64
				    ")",
				    f->name, json_object_get_int64(v),
				    alk_field_max(f));
		if (rc)
			break;
		alk_field_store_number(f, key, val, x);
		return 0;
	case ALK_F_FLAG:
		if (!json_object_is_type(v, json_type_boolean)) {
			why = "expected true or false";
			break;
		}
		return alk_field_parse(
			f, json_object_get_boolean(v) ? "on" : "off", key, val);
	case ALK_F_IPV4_0:
		if (json_object_is_type(v, json_type_null)) {
			memset(p, 0, 4);
			return 0;
		}
		/* fall through */
	case ALK_F_IPV4:
	case ALK_F_MAC:
	case ALK_F_PREFIX:
	case ALK_F_IFNAME:
		if (!json_object_is_type(v, json_type_string)) {
			why = f->kind == ALK_F_IPV4_0 ?
				      "expected a string or null" :
				      "expected a string";
			break;
		}
		s = json_object_get_string(v);
		if (!parse_string(f, s, json_object_get_string_len(v), key,
				  val))
			return 0;
		return fail(err, where, index, f->name, "'%.40s' %s", s,
			    string_form(f->kind));
	case ALK_F_HOPS: {
		size_t n;

		if (!json_object_is_type(v, json_type_array)) {
			why = "expected an array of IPv4 addresses";
			break;
		}
		n = json_object_array_length(v);
		if (n > ALK_MAX_HOPS)
			return fail(err, where, index, f->name,
				    "at most %d addresses, got %zu",
				    ALK_MAX_HOPS, n);
		for (size_t i = 0; i < n; i++) {
			struct json_object *h = json_object_array_get_idx(v, i);

			if (!json_object_is_type(h, json_type_string) ||
			    strlen(json_object_get_string(h)) !=
				    (size_t)json_object_get_string_len(h) ||
			    alk_parse_ipv4(json_object_get_string(h),
					   (__be32 *)p + i)) {
				char name[32];

				snprintf(name, sizeof(name), "%s[%zu]", f->name,
					 i);
				return fail(err, where, index, name,
					    "not an IPv4 address");
			}
		}
		alk_field_store_count(f, val, n);
		return 0;
	}
	}
	return fail(err, where, index, f->name, "%s", why);
}

/* The field called name among those of part: its index, or -1. */
static int field_index(const struct alk_object *o, enum alk_part part,
		       const char *name, const char *where, int64_t index,
		       struct alk_error *err)
{
	unsigned int nfields = alk_part_fields(o, part);
	int i = alk_field_by_name(o, o->nfields, name, strlen(name));

	if (i >= 0 && (unsigned int)i < nfields)
		return i;
	if (i >= 0)
		fail(err, where, index, NULL, "'%s' is not part of the key",
		     name);
	else
		fail(err, where, index, NULL, "unknown member '%.40s'", name);
	return -1;
}

static int check_required(const struct alk_object *o, enum alk_part part,
			  uint32_t seen, const char *where, int64_t index,
			  struct alk_error *err)
{
	unsigned int nfields = alk_part_fields(o, part);

	for (unsigned int i = 0; i < nfields; i++)
		if (!(seen & (1u << i)) &&
		    (part == ALK_PART_KEY || !o->fields[i].optional))
			return fail(err, where, index, NULL, "missing '%s'",
				    o->fields[i].name);
	return 0;
}

int alk_api_decode_text(const struct alk_field *f, const char *s, size_t len,
			bool quoted, void *key, void *val)
{
	char a[20];

	if (f->kind == ALK_F_HOPS || f->kind == ALK_F_FLAG ||
	    f->kind == ALK_F_IFNAME)
		return -1; /* arrays, booleans, names: the general path's */
	if (f->kind == ALK_F_IPV4_0 && !quoted && len == 4 &&
	    !memcmp(s, "null", 4)) {
		memset(alk_field_ptr(f, key, val), 0, 4);
		return 0;
	}
	/* numbers bare, as JSON writes them (no leading zero); the others
	 * a string's body (no escape: the caller's), without a NUL; either
	 * way the text form every reader parses (tables/schema.c) */
	if (quoted == alk_field_is_number(f) ||
	    (!quoted && len > 1 && s[0] == '0') || len >= sizeof(a) ||
	    memchr(s, 0, len))
		return -1;
	memcpy(a, s, len);
	a[len] = 0;
	return alk_field_parse(f, a, key, val) ? -1 : 0;
}

int alk_api_decode(const struct alk_object *o, struct json_object *j,
		   enum alk_part part, const char *where, int64_t index,
		   void *key, void *val, struct alk_error *err)
{
	uint32_t seen = 0;

	if (!json_object_is_type(j, json_type_object))
		return fail(err, where, index, NULL, "expected an object");
	alk_object_start(o, part, key, val);
	json_object_object_foreach (j, name, v) {
		int i = field_index(o, part, name, where, index, err);

		if (i < 0 ||
		    decode_field(&o->fields[i], v, key, val, where, index, err))
			return -EINVAL;
		seen |= 1u << i;
	}
	return check_required(o, part, seen, where, index, err);
}

int alk_api_columns(const struct alk_object *o, enum alk_part part,
		    struct json_object *fields, uint8_t *cols, size_t *ncols,
		    struct alk_error *err)
{
	size_t n = json_object_array_length(fields);
	uint32_t seen = 0;

	if (n > o->nfields)
		return fail(err, "params.fields", -1, NULL,
			    "%zu names for %u fields", n, o->nfields);
	for (size_t c = 0; c < n; c++) {
		struct json_object *name = json_object_array_get_idx(fields, c);
		int i;

		if (!json_object_is_type(name, json_type_string))
			return fail(err, "params.fields", c, NULL,
				    "expected a field name");
		i = field_index(o, part, json_object_get_string(name),
				"params.fields", c, err);
		if (i < 0)
			return -EINVAL;
		if (seen & (1u << i))
			return fail(err, "params.fields", c, NULL,
				    "'%s' given twice", o->fields[i].name);
		seen |= 1u << i;
		cols[c] = i;
	}
	*ncols = n;
	return check_required(o, part, seen, "params.fields", -1, err);
}

int alk_api_decode_row(const struct alk_object *o, enum alk_part part,
		       const uint8_t *cols, size_t ncols,
		       struct json_object *row, const char *where,
		       int64_t index, void *key, void *val,
		       struct alk_error *err)
{
	if (!json_object_is_type(row, json_type_array) ||
	    json_object_array_length(row) != ncols)
		return fail(err, where, index, NULL,
			    "expected an array of %zu values, one per field",
			    ncols);
	alk_object_start(o, part, key, val);
	for (size_t c = 0; c < ncols; c++)
		if (decode_field(&o->fields[cols[c]],
				 json_object_array_get_idx(row, c), key, val,
				 where, index, err))
			return -EINVAL;
	return 0;
}

/* --- encoding ------------------------------------------------------- */

static void put_value(const struct alk_field *f, const void *key,
		      const void *val, struct alk_buf *b, enum alk_style style)
{
	char text[ALK_FIELD_TEXT_MAX];

	alk_buf_put(b, text, alk_field_format(f, key, val, style, text));
}

void alk_api_encode(const struct alk_object *o, enum alk_part part,
		    const void *key, const void *val, struct alk_buf *b)
{
	unsigned int n = alk_part_fields(o, part);

	alk_buf_putc(b, '{');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		alk_buf_putc(b, '"');
		alk_buf_puts(b, o->fields[i].name);
		alk_buf_put(b, "\":", 2);
		put_value(&o->fields[i], key, val, b, ALK_STYLE_JSON);
	}
	alk_buf_putc(b, '}');
}

void alk_api_encode_fields(const struct alk_object *o, enum alk_part part,
			   struct alk_buf *b)
{
	unsigned int n = alk_part_fields(o, part);

	alk_buf_putc(b, '[');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		alk_buf_putc(b, '"');
		alk_buf_puts(b, o->fields[i].name);
		alk_buf_putc(b, '"');
	}
	alk_buf_putc(b, ']');
}

void alk_api_encode_row(const struct alk_object *o, enum alk_part part,
			const void *key, const void *val, struct alk_buf *b)
{
	unsigned int n = alk_part_fields(o, part);

	alk_buf_putc(b, '[');
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			alk_buf_putc(b, ',');
		put_value(&o->fields[i], key, val, b, ALK_STYLE_JSON);
	}
	alk_buf_putc(b, ']');
}

void alk_api_words(const struct alk_object *o, enum alk_part part,
		   const void *key, const void *val, struct alk_buf *b)
{
	char words[ALK_WORDS_MAX];

	alk_buf_put(b, words, alk_object_words(o, part, key, val, words));
}

void alk_api_field_text(const struct alk_field *f, const void *key,
			const void *val, struct alk_buf *b)
{
	if (alk_field_unset(f, key, val))
		alk_buf_putc(b, '-');
	else
		put_value(f, key, val, b, ALK_STYLE_TEXT);
}

const int alk_rpc_codes[ALK_RPC_NCODES] = {
	ALK_RPC_PARSE_ERROR,	  ALK_RPC_INVALID_REQUEST,
	ALK_RPC_METHOD_NOT_FOUND, ALK_RPC_INVALID_PARAMS,
	ALK_RPC_INTERNAL,	  ALK_RPC_FAILED,
	ALK_RPC_NOT_FOUND,	  ALK_RPC_NO_SPACE,
	ALK_RPC_CONFLICT,	  ALK_RPC_DENIED,
	ALK_RPC_TOO_LARGE,	  ALK_RPC_BUSY,
};

const char *const alk_rpc_code_names[ALK_RPC_NCODES] = {
	"parse_error", "invalid_request", "method_not_found", "invalid_params",
	"internal",    "failed",	  "not_found",	      "no_space",
	"conflict",    "denied",	  "too_large",	      "busy",
};
