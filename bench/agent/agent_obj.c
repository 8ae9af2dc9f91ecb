// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent_obj.h"

void agent_die(const char *what, int err)
{
	fprintf(stderr, "bench/agent: %s: %s\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

struct bpf_object *agent_obj_load(const char *path, const char *prog,
				  struct bpf_program **out)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *map;
	int err;

	err = libbpf_get_error(obj);
	if (err)
		agent_die(path, err);
	bpf_object__for_each_map(map, obj)
	{
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			agent_die("bpf_map__set_pin_path", err);
	}
	err = bpf_object__load(obj);
	if (err)
		agent_die(path, err);
	*out = bpf_object__find_program_by_name(obj, prog);
	if (!*out)
		agent_die(prog, ENOENT);
	return obj;
}

long long agent_fd_memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}
