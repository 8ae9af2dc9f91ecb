/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side of alkaid-dpdk's capture (capture.h): its pool and
 * ring, made at the first capture, the settings the workers read, and the
 * main lcore's drain, every few milliseconds while a capture runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "capture.h"
#include "ctl/server.h"
#include "daemon/log.h"
#include "daemon/loop.h"

#define DRAIN_MS 5
#define DRAIN_MAX 4096 /* records a turn: the loop has other work */

static struct {
	struct alk_dpdk_capture *dp;
	struct alk_loop *loop;
	struct alk_ctl_server *srv;
	struct alk_capture_ops ops;
	int timer_fd;
	char names[RTE_MAX_ETHPORTS][RTE_ETH_NAME_MAX_LEN];
} cap = { .timer_fd = -1 };

/* The records waiting (at most DRAIN_MAX), to the client (or dropped:
 * send false); returns how many. */
static unsigned int drain(bool send, unsigned int max)
{
	void *recs[64];
	unsigned int n, total = 0;

	while (total < max &&
	       (n = rte_ring_sc_dequeue_burst(cap.dp->ring, recs, 64, NULL))) {
		for (unsigned int i = 0; i < n; i++) {
			const struct alk_dpdk_capture_rec *r = recs[i];
			struct alk_capture_frame f = {
				.ts_ns = r->ts_ns,
				.iface = cap.names[r->port],
				.reason = r->reason,
				.ingress = r->ingress,
				.len = r->len,
				.caplen = r->caplen,
				.data = r->data,
			};

			if (send && cap.srv)
				alk_ctl_capture_frame(cap.srv, &f);
		}
		rte_mempool_put_bulk(cap.dp->pool, recs, n);
		total += n;
	}
	return total;
}

static int on_timer(struct alk_loop *loop, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
		return 0;
	drain(true, DRAIN_MAX);
	return 0;
}

static void capture_stop(void *arg, uint64_t *lost)
{
	struct alk_dpdk_capture *dp = cap.dp;

	__atomic_store_n(&dp->on, 0, __ATOMIC_RELEASE);
	if (cap.timer_fd >= 0) {
		alk_loop_unwatch(cap.loop, cap.timer_fd);
		close(cap.timer_fd);
		cap.timer_fd = -1;
	}
	/* what the workers queued since the last drain is not sent: the
	 * answer to capture.stop is being written (no frame may come inside
	 * it), so it is counted lost */
	*lost = __atomic_exchange_n(&dp->lost, 0, __ATOMIC_RELAXED) +
		drain(false, ALK_DPDK_CAPTURE_RECORDS);
}

static int capture_start(void *arg, const struct alk_capture_req *req,
			 struct alk_error *err)
{
	struct alk_dpdk_capture *dp = cap.dp;
	struct itimerspec every = {
		.it_interval.tv_nsec = DRAIN_MS * 1000000L,
		.it_value.tv_nsec = DRAIN_MS * 1000000L,
	};
	uint16_t port;
	int rc;

	if (req->iface[0])
		return alk_error_set(err, -1, -EINVAL,
				     "alkaid-dpdk has ports, not interfaces: "
				     "give a port (-p)");
	if (req->port >= 0 && !rte_eth_dev_is_valid_port((uint16_t)req->port))
		return alk_error_set(err, -1, -ENODEV, "no port %d here",
				     req->port);
	if (!dp->pool) {
		dp->pool = rte_mempool_create(
			"alk_capture", ALK_DPDK_CAPTURE_RECORDS - 1,
			sizeof(struct alk_dpdk_capture_rec), 32, 0, NULL, NULL,
			NULL, NULL, SOCKET_ID_ANY, 0);
		dp->ring = dp->pool ? rte_ring_create("alk_capture",
						      ALK_DPDK_CAPTURE_RECORDS,
						      SOCKET_ID_ANY,
						      RING_F_SC_DEQ) :
				      NULL;
		if (!dp->ring) {
			rc = -rte_errno;
			rte_mempool_free(dp->pool);
			dp->pool = NULL;
			return alk_error_set(err, -1, rc, "capture records: %s",
					     rte_strerror(-rc));
		}
	}
	RTE_ETH_FOREACH_DEV (port)
		rte_eth_dev_get_name_by_port(port, cap.names[port]);
	/* left by workers that read the flag before the last stop */
	drain(false, ALK_DPDK_CAPTURE_RECORDS);
	cap.timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (cap.timer_fd < 0 || timerfd_settime(cap.timer_fd, 0, &every, NULL))
		rc = -errno;
	else
		rc = alk_loop_watch(cap.loop, cap.timer_fd, EPOLLIN, on_timer,
				    NULL);
	if (rc) {
		if (cap.timer_fd >= 0)
			close(cap.timer_fd);
		cap.timer_fd = -1;
		return alk_error_set(err, -1, rc, "capture timer: %s",
				     strerror(-rc));
	}
	dp->ingress = req->ingress;
	dp->snaplen = req->snaplen;
	dp->port = req->port;
	memcpy(dp->reasons, req->reasons, sizeof(dp->reasons));
	__atomic_store_n(&dp->lost, 0, __ATOMIC_RELAXED);
	/* the settings above are seen by a worker that sees this */
	__atomic_store_n(&dp->on, 1, __ATOMIC_RELEASE);
	alk_say("capture started on %s",
		req->port >= 0 ? "one port" : "every port");
	return 0;
}

struct alk_dpdk_capture *alk_dpdk_capture_create(struct alk_loop *loop)
{
	cap.dp = rte_zmalloc("alk_capture", sizeof(*cap.dp),
			     RTE_CACHE_LINE_SIZE);
	cap.loop = loop;
	return cap.dp;
}

const struct alk_capture_ops *alk_dpdk_capture_ops(void)
{
	cap.ops = (struct alk_capture_ops){
		.start = capture_start,
		.stop = capture_stop,
	};
	return cap.dp ? &cap.ops : NULL;
}

void alk_dpdk_capture_serve(struct alk_ctl_server *srv)
{
	cap.srv = srv;
}
