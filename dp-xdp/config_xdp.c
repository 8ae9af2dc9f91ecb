/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "config_xdp.h"

int alk_xdp_config_read(struct alk_config_reader *r, const config_setting_t *g,
			void *arg)
{
	static const char *const names[] = { "interfaces", "mode", "pin-path",
					     NULL };
	static const char *const modes[] = { "native", "skb", "hw" };
	struct alk_xdp_config *x = arg;
	config_setting_t *s;
	char *mode = NULL;
	int rc;

	x->present = true;
	rc = alk_config_only(r, g, names);
	if (!rc)
		rc = alk_config_member(r, g, "interfaces", CONFIG_TYPE_LIST,
				       &s);
	if (rc)
		return rc;
	if (!s || !config_setting_length(s))
		return alk_config_bad(r, s ? s : g,
				      "at least one interface is needed");
	rc = alk_config_strings(r, s, &x->interfaces, &x->ninterfaces);
	for (unsigned int i = 0; !rc && i < x->ninterfaces; i++)
		if (strlen(x->interfaces[i]) >= 16) /* IFNAMSIZ */
			rc = alk_config_bad(r, config_setting_get_elem(s, i),
					    "'%s' is longer than an interface "
					    "name",
					    x->interfaces[i]);
	if (!rc)
		rc = alk_config_string(r, g, "pin-path", &x->pin_path);
	if (!rc)
		rc = alk_config_string(r, g, "mode", &mode);
	if (rc || !mode)
		return rc;
	rc = alk_config_bad(r, config_setting_get_member(g, "mode"),
			    "'%s' is not native, skb or hw", mode);
	for (unsigned int i = 0; i < 3; i++) {
		if (!strcmp(mode, modes[i])) {
			x->mode = i;
			rc = 0;
		}
	}
	free(mode);
	return rc;
}

void alk_xdp_config_free(struct alk_xdp_config *x)
{
	alk_config_strings_free(x->interfaces, x->ninterfaces);
	free(x->pin_path);
	*x = (struct alk_xdp_config){ 0 };
}
