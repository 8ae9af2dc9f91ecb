/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What bench/agent's programs share: the agent's BPF object loaded with
 * map pinning turned off (the benchmarks never touch a bpffs, nor a
 * running alkaid-agent's pins), and a map's memlock as the kernel states it.
 */
#ifndef ALKAID_BENCH_AGENT_OBJ_H
#define ALKAID_BENCH_AGENT_OBJ_H

#include <bpf/libbpf.h>

/* Opens and loads the object at path with no map pinned; the program
 * called prog is returned in *prog.  Exits on failure. */
struct bpf_object *agent_obj_load(const char *path, const char *prog,
				  struct bpf_program **out);
/* The "memlock:" line of the fd's /proc/self/fdinfo (bytes), or -1. */
long long agent_fd_memlock(int fd);
/* Exits with "bench/agent: what: error". */
void agent_die(const char *what, int err) __attribute__((noreturn));

#endif
