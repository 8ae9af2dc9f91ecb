/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-xdp's parts, one concern a file:
 *
 *   alkaid-xdp.c  options, --help, the xdp section merged, main()
 *   iface.c       interfaces: bpffs, pin directories, the lock that keeps
 *                 a second daemon off, start (open, size, check the pins),
 *                 close, detach
 *   attach.c      attaching the program: through libxdp, or directly with
 *                 XDP_FLAGS_REPLACE; libbpf's and libxdp's messages
 *   serve.c       the interfaces' tables as one, filled, given their
 *                 gateway and served on the control socket
 *   capture.c     capture.start: the programs' capture settings, their
 *                 ring buffers read on the event loop
 */
#ifndef ALKAID_DP_XDP_XDPD_H
#define ALKAID_DP_XDP_XDPD_H

#include <limits.h>
#include <stdbool.h>

#include <xdp/libxdp.h>

#include "config/config.h"
#include "config_xdp.h"
#include "ctl/server.h"
#include "daemon/metrics.h"
#include "daemon/loop.h"
#include "tables_bpf.h"

#define MAX_IFACES 32

/* alkaid-xdp's own exit status, beyond daemon/log.h's */
#define EXIT_TABLES ALK_EXIT_OWN /* pinned tables differ from those asked */

/* Offloading drivers (nfp) run hash and array maps only, and few helpers. */
#define HW_REFUSED                                                             \
	"XDP offload (hw) is not supported: alkaid's program needs an LPM "    \
	"trie, a per-CPU array and bpf_xdp_adjust_tail, which no offloading "  \
	"driver can run; use native, or skb (generic)"

struct iface {
	const char *name;
	int ifindex;
	__u8 mac[6];
	char pin_dir[PATH_MAX];
	int lock_fd; /* held while this daemon serves the interface */
	bool fresh;  /* no tables were pinned: this start created them */
	struct bpf_object *obj;
	struct xdp_program *xdp; /* when libxdp attached it */
	struct alk_tables *tables;
	struct xdpd *daemon; /* for the capture's ring buffer callback */
};

struct xdpd {
	/* its own options (the common ones are in alk_opt) */
	const char *ifnames[MAX_IFACES];
	int nifnames;
	enum xdp_attach_mode mode;
	bool mode_given;
	const char *bpf_object;
	const char *bpffs;
	bool bpffs_given;
	bool detach;

	struct alk_config cfg; /* the file's, or the defaults */
	struct alk_xdp_config xcfg;
	char pins[PATH_MAX]; /* holds one directory of pins per interface */
	char bpffs_dir[PATH_MAX]; /* the parent of xdp.pin-path */
	char object_path[PATH_MAX];
	struct iface ifaces[MAX_IFACES];
	int nifaces;
	/* the interfaces' tables as one: what the control socket programs */
	struct alk_tables *tables;
	struct alk_ctl_server *srv;
	struct alk_metrics *metrics; /* --metrics: /metrics over HTTP */
	struct alk_loop *loop;
	struct {
		struct alk_capture_ops ops;
		struct ring_buffer *rings; /* of the interfaces taken */
		bool taken[MAX_IFACES];
		bool running;
		uint64_t realtime_offset; /* CLOCK_REALTIME - MONOTONIC */
	} capture;
};

/* iface.c */
int ensure_bpffs(const char *path);
int iface_mac(const char *name, __u8 mac[6]);
void iface_driver(const char *name, char *buf, size_t len);
void find_object(struct xdpd *d);
int iface_claim(struct xdpd *d, struct iface *ifc);
int iface_start(struct xdpd *d, struct iface *ifc);
void iface_close(struct iface *ifc);
int iface_detach(struct xdpd *d, struct iface *ifc);

/* attach.c */
void lib_log_init(void);
const char *mode_name(enum xdp_attach_mode mode);
int attach(struct xdpd *d, struct iface *ifc, __u32 *replaced);
void report_program(struct xdpd *d, struct iface *ifc, __u32 replaced,
		    int reused);
/* Remove alkaid's program from the interface, leaving others; -errno. */
int detach_program(struct iface *ifc);

/* capture.c */
const struct alk_capture_ops *capture_ops(struct xdpd *d);

/* serve.c */
int serve_start(struct xdpd *d);
void serve_stop(struct xdpd *d);

#endif
