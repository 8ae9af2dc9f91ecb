/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interfaces alkaid-xdp serves: where their tables are pinned
 * (PINS/IFNAME/ in a bpffs, mounted if need be), the lock on that
 * directory that keeps a second daemon off, starting one (open the
 * program, size its maps, reuse the pins or create them, attach),
 * closing it (the program stays attached) and detaching it.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/magic.h>
#include <linux/sockios.h>

#include <bpf/libbpf.h>

#include "daemon/log.h"
#include "daemon/options.h"
#include "daemon/start.h"
#include "xdpd.h"

#ifndef ALK_BPF_OBJECT_DEFAULT
#define ALK_BPF_OBJECT_DEFAULT "/usr/local/lib/alkaid/alkaid.bpf.o"
#endif

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int same_mount_ns_as_init(void)
{
	char self[64] = "", init[64] = "";

	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0 ||
	    readlink("/proc/1/ns/mnt", init, sizeof(init) - 1) < 0)
		return 1; /* cannot tell: do not warn */
	return !strcmp(self, init);
}

int ensure_bpffs(const char *path)
{
	struct statfs st;
	int err;

	if (!statfs(path, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	err = mkdir_p(path, 0755);
	if (err) {
		alk_fail("cannot create %s for bpffs: %s", path,
			 strerror(-err));
		return err;
	}
	/* a directory just made inside a bpffs (a pin-path's parent) */
	if (!statfs(path, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", path, "bpf", 0, "mode=0700")) {
		err = -errno;
		alk_fail("%s is not a bpffs and mounting one there failed: %s",
			 path, strerror(-err));
		return err;
	}
	alk_say("mounted bpffs at %s", path);
	if (!same_mount_ns_as_init())
		alk_say("warning: this process has its own mount namespace (ip "
			"netns exec?): the bpffs just mounted, and the tables "
			"pinned in it, vanish when alkaid-xdp exits; see NOTES "
			"in "
			"--help");
	return 0;
}

int iface_mac(const char *name, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

void iface_driver(const char *name, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(buf, len, "unknown");
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", info.driver);
	close(fd);
}

/* --bpf-object, else beside the binary (a build tree), else installed. */
void find_object(struct xdpd *d)
{
	alk_daemon_find_object(d->object_path, sizeof(d->object_path),
			       d->bpf_object, "alkaid.bpf.o",
			       ALK_BPF_OBJECT_DEFAULT);
}

/*
 * One daemon per interface: a second one would fight the first over the
 * program and the tables.  The lock is on the pin directory, so it holds
 * across mount and network namespaces.  A restart waits a few seconds for
 * the old daemon to finish exiting.
 */
static int iface_lock(struct iface *ifc, int wait_ms)
{
	int fd = open(ifc->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* nothing pinned, nothing to guard */
		alk_fail("%s: cannot open %s: %s", ifc->name, ifc->pin_dir,
			 strerror(errno));
		return -errno;
	}
	for (int waited = 0;; waited += 100) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			ifc->lock_fd = fd;
			return 0;
		}
		if (errno != EWOULDBLOCK || waited >= wait_ms)
			break;
		usleep(100 * 1000);
	}
	alk_fail("%s: another alkaid-xdp is serving it (it holds the lock on "
		 "%s); stop that one first",
		 ifc->name, ifc->pin_dir);
	close(fd);
	return -EBUSY;
}

/* PINS/IFNAME */
static int iface_pin_dir(struct xdpd *d, struct iface *ifc)
{
	int n = snprintf(ifc->pin_dir, sizeof(ifc->pin_dir), "%s/%s", d->pins,
			 ifc->name);

	return n < 0 || (size_t)n >= sizeof(ifc->pin_dir) ? -ENAMETOOLONG : 0;
}

/* The pin directory, and this daemon's hold on the interface. */
int iface_claim(struct xdpd *d, struct iface *ifc)
{
	int err = iface_pin_dir(d, ifc);

	if (!err)
		err = mkdir_p(ifc->pin_dir, 0700);
	if (err) {
		alk_fail("%s: cannot create %s: %s", ifc->name, ifc->pin_dir,
			 strerror(-err));
		return ALK_EXIT_FAIL;
	}
	return iface_lock(ifc, 5000) ? ALK_EXIT_FAIL : ALK_EXIT_OK;
}

int iface_start(struct xdpd *d, struct iface *ifc)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct alk_table_sizes pinned;
	struct alk_error aerr = { 0 };
	__u32 replaced = 0;
	int npinned, err;

	/* maps are declared LIBBPF_PIN_BY_NAME: libbpf reuses the pins in
	 * this directory, or creates the maps and pins them there */
	oo.pin_root_path = ifc->pin_dir;
	ifc->obj = bpf_object__open_file(d->object_path, &oo);
	if (!ifc->obj) {
		alk_fail("cannot open the XDP program %s: %s", d->object_path,
			 strerror(errno));
		return ALK_EXIT_FAIL;
	}
	err = alk_bpf_set_sizes(ifc->obj, &alk_opt.sizes);
	if (err) {
		alk_fail("%s: cannot size the tables: %s", d->object_path,
			 strerror(-err));
		return ALK_EXIT_FAIL;
	}
	npinned = alk_bpf_check_pinned(ifc->obj, ifc->pin_dir, &alk_opt.sizes,
				       &pinned, &aerr);
	if (npinned == -EEXIST) {
		alk_fail("%s: %s", ifc->name, aerr.msg);
		alk_say("%s: the tables pinned by an earlier alkaid-xdp are "
			"kept "
			"as they are.  Start with the sizes they have "
			"(--endpoints "
			"%u --networks %u --vpcs %u --neighbors %u), or run "
			"'alkaid-xdp --detach -i %s%s%s%s%s' first, which "
			"removes "
			"the program and the tables (traffic stops until the "
			"next "
			"start)",
			ifc->name, pinned.endpoints, pinned.networks,
			pinned.vpcs, pinned.neighbors, ifc->name,
			alk_opt.config ? " -c " : "",
			alk_opt.config ? alk_opt.config : "",
			d->bpffs_given ? " --bpffs " : "",
			d->bpffs_given ? d->bpffs : "");
		return EXIT_TABLES;
	}
	if (npinned < 0) {
		alk_fail("%s: %s", ifc->name, aerr.msg);
		return ALK_EXIT_FAIL;
	}
	ifc->fresh = npinned == 0;

	err = attach(d, ifc, &replaced);
	if (err)
		goto undo;
	ifc->tables = alk_bpf_tables_from_object(ifc->obj, &aerr);
	if (!ifc->tables) {
		alk_fail("%s: %s", ifc->name, aerr.msg);
		return ALK_EXIT_FAIL;
	}
	report_program(d, ifc, replaced, npinned > 0);
	return ALK_EXIT_OK;
undo:
	/* a first start that failed leaves nothing behind */
	if (!npinned)
		alk_bpf_unpin(ifc->pin_dir);
	return ALK_EXIT_FAIL;
}

void iface_close(struct iface *ifc)
{
	/* closing descriptors does not detach: the kernel (or libxdp's
	 * pinned links) keeps the program on the interface */
	if (ifc->tables)
		ifc->tables->ops->close(ifc->tables);
	xdp_program__close(ifc->xdp);
	bpf_object__close(ifc->obj);
	if (ifc->lock_fd >= 0)
		close(ifc->lock_fd);
	ifc->lock_fd = -1;
	ifc->tables = NULL;
	ifc->xdp = NULL;
	ifc->obj = NULL;
}

int iface_detach(struct xdpd *d, struct iface *ifc)
{
	int err;

	if (iface_pin_dir(d, ifc)) {
		alk_fail("%s: the pin path is too long", ifc->name);
		return ALK_EXIT_FAIL;
	}
	if (iface_lock(ifc, 0))
		return ALK_EXIT_FAIL;
	if (!ifc->ifindex)
		alk_say("%s: no such interface; removing its pins only",
			ifc->name);
	else if (detach_program(ifc))
		return ALK_EXIT_FAIL;
	err = alk_bpf_unpin(ifc->pin_dir);
	if (err) {
		alk_fail("%s: removing the pins in %s failed: %s", ifc->name,
			 ifc->pin_dir, strerror(-err));
		return ALK_EXIT_FAIL;
	}
	alk_say("%s: tables in %s removed", ifc->name, ifc->pin_dir);
	return ALK_EXIT_OK;
}
