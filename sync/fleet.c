/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/api.h"
#include "fleet.h"

bool alk_fleet_group_ok(const char *s, size_t len)
{
	if (!len || len > ALK_FLEET_GROUP_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

void alk_fleet_key(struct alk_buf *b, const char *prefix,
		   const struct alk_object *o, const char *group,
		   const void *key)
{
	char text[ALK_FIELD_TEXT_MAX];

	alk_buf_puts(b, prefix);
	alk_buf_puts(b, o->name);
	alk_buf_putc(b, '/');
	alk_buf_puts(b, group);
	for (unsigned int i = 0; i < o->nkey; i++) {
		alk_buf_putc(b, '/');
		alk_buf_put(b, text,
			    alk_field_format(&o->fields[i], key, NULL,
					     ALK_STYLE_WORDS, text));
	}
}

int alk_fleet_parse_key(const char *rel, const struct alk_object **o,
			const char **group, size_t *glen, void *key,
			struct alk_error *err)
{
	const char *slash = strchr(rel, '/'), *p;
	char word[ALK_FIELD_TEXT_MAX + 1];

	*o = slash ? alk_object_by_name(rel, (size_t)(slash - rel)) : NULL;
	if (!*o || !(*o)->nkey)
		return alk_error_set(err, -1, -EINVAL,
				     "not OBJECT/GROUP/KEY: no table object");
	*group = slash + 1;
	slash = strchr(*group, '/');
	*glen = slash ? (size_t)(slash - *group) : strlen(*group);
	if (!alk_fleet_group_ok(*group, *glen))
		return alk_error_set(err, -1, -EINVAL, "bad group name");
	if (!slash)
		return alk_error_set(err, -1, -EINVAL, "the key has no %s",
				     (*o)->fields[0].name);
	memset(key, 0, (*o)->key_size);
	p = slash + 1;
	for (unsigned int i = 0; i < (*o)->nkey; i++) {
		const struct alk_field *f = &(*o)->fields[i];
		bool last = i + 1 == (*o)->nkey;
		/* the last field takes the rest (a prefix has a '/') */
		const char *end = last ? p + strlen(p) : strchr(p, '/');
		size_t len;

		if (!end)
			return alk_error_set(err, -1, -EINVAL,
					     "the key has no %s",
					     (*o)->fields[i + 1].name);
		len = (size_t)(end - p);
		if (!len || len >= sizeof(word))
			return alk_error_set(err, -1, -EINVAL,
					     "the key has no %s", f->name);
		memcpy(word, p, len);
		word[len] = '\0';
		if (alk_field_parse(f, word, key, NULL))
			return alk_error_set(err, -1, -EINVAL,
					     "the key's %s '%s' does not parse",
					     f->name, word);
		p = end + !last;
	}
	return 0;
}

int alk_fleet_decode(const struct alk_object *o, const void *key,
		     const char *value, void *vkey, void *vval,
		     struct alk_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *j;
	int rc;

	if (!tok)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	j = json_tokener_parse_ex(tok, value, (int)strlen(value) + 1);
	rc = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!j || rc != json_tokener_success) {
		json_object_put(j);
		return alk_error_set(err, -1, -EINVAL, "the value is not JSON");
	}
	memset(vkey, 0, o->key_size);
	memset(vval, 0, o->val_size);
	rc = alk_api_decode(o, j, ALK_PART_ALL, "value", -1, vkey, vval, err);
	json_object_put(j);
	if (rc)
		return rc;
	if (memcmp(key, vkey, o->key_size))
		return alk_error_set(err, -1, -EINVAL,
				     "the value's key fields differ from "
				     "the key's");
	return 0;
}
