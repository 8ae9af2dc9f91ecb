/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching alkaid's program to an interface, first start or replacement
 * of a running alkaid, without a gap: through the libxdp dispatcher when
 * the kernel can run it (libxdp adds the new program, then alkaid removes
 * the old one, each an atomic dispatcher swap), else directly, the
 * kernel's XDP_FLAGS_REPLACE swapping the program in one step.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "daemon/log.h"
#include "xdpd.h"

/*
 * libxdp probes the kernel by loading test programs, and libbpf warns when
 * a probe fails even though libxdp then falls back.  Without -v the
 * warnings of such a step are held back and shown only if it fails, less
 * those of the dispatcher's load (libxdp then attaches directly: its
 * failure is not the cause of an error that follows) and the kernel's
 * own message, which the error line carries.
 */
static struct {
	int holding;
	int no_dispatcher; /* libxdp could not load its dispatcher */
	char held[16384];
	size_t len;
	char kernel[256]; /* libbpf's "Kernel error message: " */
} lib_log;

#define KERNEL_SAYS "Kernel error message: "

static void lib_hold(const char *msg)
{
	const char *k = strstr(msg, KERNEL_SAYS);
	size_t room = sizeof(lib_log.held) - lib_log.len, n;

	if (strstr(msg, "xdp-dispatcher")) {
		/* everything held so far was the dispatcher's load */
		lib_log.no_dispatcher = 1;
		lib_log.len = 0;
		return;
	}
	if (k) {
		snprintf(lib_log.kernel, sizeof(lib_log.kernel), "%s",
			 k + strlen(KERNEL_SAYS));
		lib_log.kernel[strcspn(lib_log.kernel, "\n")] = 0;
		return;
	}
	n = snprintf(lib_log.held + lib_log.len, room, "%s", msg);
	lib_log.len += n < room ? n : room - 1;
}

static int lib_vprint(int warning, const char *fmt, va_list ap)
{
	char msg[1024];
	int n;

	if (!alk_log_verbose() && (!warning || !lib_log.holding))
		return warning ? vfprintf(stderr, fmt, ap) : 0;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!alk_log_verbose()) {
		lib_hold(msg);
		return n;
	}
	/* with -v: all of it, as it comes; the kernel's message kept */
	if (lib_log.holding &&
	    (strstr(msg, KERNEL_SAYS) || strstr(msg, "xdp-dispatcher")))
		lib_hold(msg);
	return fputs(msg, stderr) < 0 ? -1 : n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return lib_vprint(level == LIBBPF_WARN, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return lib_vprint(level == LIBXDP_WARN, fmt, ap);
}

static void lib_log_hold(void)
{
	lib_log.holding = 1;
	lib_log.no_dispatcher = 0;
	lib_log.len = 0;
	lib_log.kernel[0] = 0;
}

/* With -v, every message; without, warnings only (held back as above). */
void lib_log_init(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

/* Stop holding; show what was held if the step failed (the kernel's
 * message stays for the error line). */
static void lib_log_release(int failed)
{
	if (failed && lib_log.len)
		fputs(lib_log.held, stderr);
	if (!failed && lib_log.no_dispatcher)
		alk_debug("libxdp could not load its dispatcher (freplace); "
			  "the program was attached directly");
	lib_log.holding = 0;
	lib_log.len = 0;
}

const char *mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "generic";
	case XDP_MODE_HW:
		return "offload";
	default:
		return "unspecified";
	}
}

static __u32 mode_flags(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static void attach_error(struct xdpd *d, struct iface *ifc, int err)
{
	char driver[32];

	if (err == -EOPNOTSUPP && d->mode == XDP_MODE_NATIVE) {
		iface_driver(ifc->name, driver, sizeof(driver));
		alk_fail(
			"%s: driver '%s' does not support XDP in native mode; "
			"run with --mode generic (works with every driver, but "
			"much slower)",
			ifc->name, driver);
		return;
	}
	alk_fail("%s: attaching the XDP program in %s mode failed: %s%s%s",
		 ifc->name, mode_name(d->mode), strerror(-err),
		 lib_log.kernel[0] ? "; the kernel says: " : "",
		 lib_log.kernel);
	if (err == -ERANGE && d->mode == XDP_MODE_NATIVE)
		alk_say("%s: the driver refuses XDP at the link's MTU "
			"(alkaid's "
			"program takes frames in fragments, the driver may "
			"not): lower the MTU, or run with --mode generic",
			ifc->name);
	if (err == -EBUSY || err == -EEXIST)
		alk_say("%s: another XDP program holds the interface; see "
			"'xdp-loader status %s' or 'ip link show dev %s'",
			ifc->name, ifc->name, ifc->name);
}

/* The id of the first program called alkaid_xdp on mp, or 0. */
static __u32 find_alkaid(struct xdp_multiprog *mp)
{
	struct xdp_program *p;

	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && !strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME) ?
			       xdp_program__id(p) :
			       0;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME))
			return xdp_program__id(p);
	return 0;
}

/* libxdp loads the object itself: as a dispatcher component (freplace)
 * when the kernel allows it, else as a plain XDP program. */
static int attach_libxdp(struct xdpd *d, struct iface *ifc)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = ifc->obj,
			    .prog_name = ALK_BPF_PROG_NAME);
	int err;

	ifc->xdp = xdp_program__create(&xo);
	if (!ifc->xdp) {
		err = -errno;
		alk_fail("%s: %s: %s", ifc->name, d->object_path,
			 strerror(-err));
		return err;
	}
	lib_log_hold();
	err = xdp_program__attach(ifc->xdp, ifc->ifindex, d->mode, 0);
	lib_log_release(err);
	if (err)
		attach_error(d, ifc, err);
	return err;
}

/* Swap a directly attached alkaid for the new one in one netlink call. */
static int replace_direct(struct xdpd *d, struct iface *ifc, __u32 old_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct bpf_program *prog;
	int err, old_fd;

	prog = bpf_object__find_program_by_name(ifc->obj, ALK_BPF_PROG_NAME);
	if (!prog) {
		alk_fail("%s: no program %s in %s", ifc->name,
			 ALK_BPF_PROG_NAME, d->object_path);
		return -ENOENT;
	}
	bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
	err = bpf_object__load(ifc->obj);
	if (err) {
		alk_fail("%s: loading %s failed: %s (libbpf's messages above "
			 "say why)",
			 ifc->name, d->object_path, strerror(-err));
		return err;
	}
	old_fd = bpf_prog_get_fd_by_id(old_id);
	if (old_fd < 0) {
		alk_fail("%s: the running program (id %u) went away: %s; start "
			 "again",
			 ifc->name, old_id, strerror(-old_fd));
		return old_fd;
	}
	/* the kernel swaps only if old_id is still the one attached */
	opts.old_prog_fd = old_fd;
	lib_log_hold();
	err = bpf_xdp_attach(ifc->ifindex, bpf_program__fd(prog),
			     XDP_FLAGS_REPLACE | mode_flags(d->mode), &opts);
	lib_log_release(err);
	close(old_fd);
	if (err)
		attach_error(d, ifc, err);
	return err;
}

/* Remove the program with id old_id from the dispatcher of ifc. */
static int dispatcher_remove(struct xdpd *d, struct iface *ifc, __u32 old_id)
{
	struct xdp_multiprog *mp =
		xdp_multiprog__get_from_ifindex(ifc->ifindex);
	struct xdp_program *p;
	int err = -ENOENT;

	if (libxdp_get_error(mp))
		return (int)libxdp_get_error(mp);
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp)) {
		if (xdp_program__id(p) != old_id)
			continue;
		err = xdp_program__detach(p, ifc->ifindex,
					  xdp_multiprog__attach_mode(mp), 0);
		break;
	}
	xdp_multiprog__close(mp);
	return err;
}

/*
 * Attach ifc->obj to the interface: first start, or replacement of a
 * running alkaid.  *replaced gets the id of the program replaced (0: none).
 */
int attach(struct xdpd *d, struct iface *ifc, __u32 *replaced)
{
	struct xdp_multiprog *mp =
		xdp_multiprog__get_from_ifindex(ifc->ifindex);
	long state = libxdp_get_error(mp);
	enum xdp_attach_mode mode;
	int legacy, err;
	__u32 old_id;

	*replaced = 0;
	if (state == -ENOENT || (!state && !mp))
		return attach_libxdp(d, ifc);
	if (state) {
		alk_fail("%s: cannot read the interface's XDP state: %s",
			 ifc->name, strerror((int)-state));
		return (int)state;
	}
	mode = xdp_multiprog__attach_mode(mp);
	legacy = xdp_multiprog__is_legacy(mp);
	old_id = find_alkaid(mp);
	if (legacy && !old_id) {
		struct xdp_program *p = xdp_multiprog__main_prog(mp);

		alk_fail(
			"%s: XDP program '%s' (id %u) is attached without the "
			"libxdp dispatcher, so alkaid cannot share the "
			"interface "
			"with it; remove it first (ip link set dev %s xdp off)",
			ifc->name, p ? xdp_program__name(p) : "?",
			p ? xdp_program__id(p) : 0, ifc->name);
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	xdp_multiprog__close(mp);
	if (mode != d->mode) {
		alk_fail("%s: %s is attached in %s mode; the kernel cannot run "
			 "both modes at once, so a gapless restart must keep "
			 "it: "
			 "start with --mode %s, or --detach first",
			 ifc->name, old_id ? "alkaid" : "the XDP dispatcher",
			 mode_name(mode), mode_name(mode));
		return -EINVAL;
	}
	if (legacy) {
		err = replace_direct(d, ifc, old_id);
	} else {
		/* two atomic dispatcher swaps: [old] -> [old, new] -> [new];
		 * XDP_TX ends the chain, so each frame meets one alkaid */
		err = attach_libxdp(d, ifc);
		if (!err && old_id) {
			err = dispatcher_remove(d, ifc, old_id);
			if (err) {
				alk_fail("%s: the new program runs, but "
					 "removing "
					 "the old one (id %u) failed: %s; "
					 "remove "
					 "it with xdp-loader unload -i %u %s",
					 ifc->name, old_id, strerror(-err),
					 old_id, ifc->name);
				return err;
			}
		}
	}
	if (!err)
		*replaced = old_id;
	return err;
}

void report_program(struct xdpd *d, struct iface *ifc, __u32 replaced,
		    int reused)
{
	struct bpf_program *prog =
		bpf_object__find_program_by_name(ifc->obj, ALK_BPF_PROG_NAME);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct xdp_multiprog *mp;
	const char *how = "directly (without the libxdp dispatcher)";
	char from[48] = "";

	if (!prog || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		memset(&info, 0, sizeof(info));
	mp = xdp_multiprog__get_from_ifindex(ifc->ifindex);
	if (!libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp))
		how = "through the libxdp dispatcher";
	xdp_multiprog__close(mp);
	if (replaced)
		snprintf(from, sizeof(from), ", replacing id %u", replaced);
	alk_say("%s: %s id %u (%u insns xlated, %u bytes jited) attached in %s "
		"mode %s%s; tables %s in %s",
		ifc->name, ALK_BPF_PROG_NAME, info.id, info.xlated_prog_len / 8,
		info.jited_prog_len, mode_name(d->mode), how, from,
		reused ? "reused" : "created", ifc->pin_dir);
}

int detach_program(struct iface *ifc)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = 0, removed = 0;
	long state;

	mp = xdp_multiprog__get_from_ifindex(ifc->ifindex);
	state = libxdp_get_error(mp);
	if (state == -ENOENT || (!state && !mp)) {
		alk_say("%s: no XDP program attached", ifc->name);
		return 0;
	}
	if (state) {
		alk_fail("%s: cannot read the interface's XDP state: %s",
			 ifc->name, strerror((int)-state));
		return (int)state;
	}
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (find_alkaid(mp)) {
			err = xdp_multiprog__detach(mp);
			removed += !err;
		} else {
			alk_say("%s: XDP program '%s' is not alkaid's; left in "
				"place",
				ifc->name, p ? xdp_program__name(p) : "?");
		}
	} else {
		enum xdp_attach_mode mode = xdp_multiprog__attach_mode(mp);

		/* only ours: other programs on the dispatcher stay */
		for (p = xdp_multiprog__next_prog(NULL, mp); p && !err;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), ALK_BPF_PROG_NAME))
				continue;
			err = xdp_program__detach(p, ifc->ifindex, mode, 0);
			removed += !err;
		}
	}
	xdp_multiprog__close(mp);
	if (err) {
		alk_fail("%s: detaching failed: %s", ifc->name, strerror(-err));
		return err;
	}
	if (removed)
		alk_say("%s: alkaid detached", ifc->name);
	return 0;
}
