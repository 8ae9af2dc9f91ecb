/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alkaid-xdp's capture (capture.start on the control socket): the settings
 * go into each chosen interface's program (alk_capture, capture.h), whose
 * ring buffer is read on the event loop while the capture runs, each
 * record handed to the control server for its client.  When it ends the
 * programs' flags go off: they pay one test a frame again.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "ctl/capture.h"
#include "daemon/log.h"
#include "xdpd.h"

_Static_assert(ALK_XDP_CAPTURE_SNAP_MAX == ALK_CAPTURE_SNAP_MAX &&
		       ALK_XDP_CAPTURE_WORDS == ALK_CAPTURE_WORDS,
	       "the program captures what the protocol carries");

static struct bpf_map *settings_map(struct iface *ifc)
{
	struct bpf_map *m =
		bpf_object__find_map_by_name(ifc->obj, ALK_XDP_CAPTURE_SECTION);

	if (!m || bpf_map__value_size(m) != sizeof(struct alk_xdp_capture))
		return NULL;
	return m;
}

static int settings_put(struct iface *ifc, const struct alk_xdp_capture *s)
{
	struct bpf_map *m = settings_map(ifc);
	__u32 zero = 0;

	if (!m)
		return -ENOENT;
	return bpf_map_update_elem(bpf_map__fd(m), &zero, s, BPF_ANY) ? -errno :
									0;
}

static uint64_t settings_lost(struct iface *ifc)
{
	struct alk_xdp_capture s = { 0 };
	struct bpf_map *m = settings_map(ifc);
	__u32 zero = 0;

	if (!m || bpf_map_lookup_elem(bpf_map__fd(m), &zero, &s))
		return 0;
	return s.lost;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct iface *ifc = ctx;
	struct xdpd *d = ifc->daemon;
	const struct alk_xdp_capture_rec *rec = data;
	struct alk_capture_frame f;

	if (!d->capture.running || size < sizeof(rec->hdr) ||
	    rec->hdr.caplen > size - sizeof(rec->hdr))
		return 0; /* left from an earlier capture: dropped */
	f = (struct alk_capture_frame){
		.ts_ns = rec->hdr.ts_ns + d->capture.realtime_offset,
		.iface = ifc->name,
		.reason = rec->hdr.reason,
		.ingress = rec->hdr.ingress,
		.len = rec->hdr.len,
		.caplen = rec->hdr.caplen,
		.data = rec->data,
	};
	alk_ctl_capture_frame(d->srv, &f);
	return 0;
}

static int on_ring(struct alk_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xdpd *d = arg;

	ring_buffer__consume(d->capture.rings);
	return 0;
}

static void capture_stop(void *arg, uint64_t *lost)
{
	struct xdpd *d = arg;
	struct alk_xdp_capture off = { 0 };

	*lost = 0;
	for (int i = 0; i < d->nifaces; i++) {
		if (!d->capture.taken[i])
			continue;
		*lost += settings_lost(&d->ifaces[i]);
		settings_put(&d->ifaces[i], &off);
		d->capture.taken[i] = false;
	}
	d->capture.running = false;
	if (d->capture.rings) {
		/* records since the loop's last turn are not sent: the answer
		 * to capture.stop is being written (no frame may come inside
		 * it); they are read, dropped and counted lost */
		int n = ring_buffer__consume(d->capture.rings);

		if (n > 0)
			*lost += (uint64_t)n;
		alk_loop_unwatch(d->loop,
				 ring_buffer__epoll_fd(d->capture.rings));
		ring_buffer__free(d->capture.rings);
		d->capture.rings = NULL;
	}
}

static int capture_start(void *arg, const struct alk_capture_req *req,
			 struct alk_error *err)
{
	struct xdpd *d = arg;
	struct alk_xdp_capture on = {
		.on = 1,
		.ingress = req->ingress,
		.snaplen = req->snaplen,
	};
	int n = 0, rc;

	if (req->port >= 0)
		return alk_error_set(err, -1, -EINVAL,
				     "alkaid-xdp has interfaces, not ports: "
				     "give an interface (-i)");
	memcpy(on.reasons, req->reasons, sizeof(on.reasons));
	for (int i = 0; i < d->nifaces; i++) {
		struct iface *ifc = &d->ifaces[i];
		struct bpf_map *ring;

		if (req->iface[0] && strcmp(req->iface, ifc->name))
			continue;
		ring = bpf_object__find_map_by_name(ifc->obj,
						    "alk_capture_ring");
		if (!ring || !settings_map(ifc)) {
			rc = alk_error_set(err, -1, -ENOENT,
					   "%s: the program has no capture",
					   ifc->name);
			goto fail;
		}
		ifc->daemon = d;
		rc = d->capture.rings ? ring_buffer__add(d->capture.rings,
							 bpf_map__fd(ring),
							 on_record, ifc) :
					0;
		if (!d->capture.rings) {
			d->capture.rings = ring_buffer__new(
				bpf_map__fd(ring), on_record, ifc, NULL);
			rc = d->capture.rings ? 0 : -errno;
		}
		if (rc) {
			alk_error_set(err, -1, rc, "%s: ring buffer: %s",
				      ifc->name, strerror(-rc));
			goto fail;
		}
		d->capture.taken[i] = true;
		n++;
	}
	if (!n)
		return alk_error_set(err, -1, -ENODEV, "no interface '%s' here",
				     req->iface);
	/* records of an earlier capture are read and dropped first */
	ring_buffer__consume(d->capture.rings);
	d->capture.realtime_offset =
		clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	d->capture.running = true;
	rc = alk_loop_watch(d->loop, ring_buffer__epoll_fd(d->capture.rings),
			    EPOLLIN, on_ring, d);
	for (int i = 0; !rc && i < d->nifaces; i++)
		if (d->capture.taken[i])
			rc = settings_put(&d->ifaces[i], &on);
	if (rc) {
		alk_error_set(err, -1, rc, "starting the capture: %s",
			      strerror(-rc));
		goto fail;
	}
	alk_say("capture started on %d interface%s", n, n == 1 ? "" : "s");
	return 0;
fail : {
	uint64_t lost;

	capture_stop(d, &lost);
}
	return rc;
}

const struct alk_capture_ops *capture_ops(struct xdpd *d)
{
	d->capture.ops = (struct alk_capture_ops){
		.start = capture_start,
		.stop = capture_stop,
		.arg = d,
	};
	return &d->capture.ops;
}
