/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode "hotplug": --cycles rounds of hotplug add, configure, start, link up,
 * 32 echoed packets verified, stop, close, hotplug remove, against one
 * backend.  Three warm-up rounds first (EAL allocates some things once, e.g.
 * the interrupt thread's state); then fds, threads and DPDK heap bytes must
 * end exactly where they began, resident memory within 4 MB, the pool full.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vu_pkt.h"
#include "lifecycle.h"

#define VUL_WARMUP	3u
#define VUL_RSS_SLACK	(4u << 20)

struct vul_usage {
	unsigned int fds;
	unsigned int threads;
	size_t heap;
	size_t rss;
};

static void
vul_usage_get(struct vul_usage *u)
{
	struct rte_malloc_socket_stats st = { 0 };
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	rte_malloc_get_socket_stats(rte_socket_id(), &st);
	u->heap = st.heap_allocsz_bytes;
	u->rss = resident * (size_t)sysconf(_SC_PAGESIZE);
	u->threads = vul_thread_count();
	u->fds = vul_fd_count();
}

static const char *
vul_hotplug_round(struct vul_port *p)
{
	uint64_t t0, want;

	if (vul_port_attach(p, vul_cfg.vdev) < 0)
		return "hotplug add failed";
	if (vul_port_start(p) < 0)
		return "port start failed";
	if (vul_wait_link(p, 1, 5000) < 0)
		return "link not up 5 s after start";
	want = p->rx_good + VUL_BURST;
	t0 = vu_now_ns();
	while (p->rx_good < want && vul_ms_since(t0) < 5000)
		vul_port_poll(p);
	if (p->rx_good < want)
		return "no echo traffic";
	if (vul_port_detach(p) < 0)
		return "stop, close or hotplug remove failed";
	if (rte_mempool_avail_count(p->mp) != p->mp->size)
		return "mbufs leaked: the pool is not full after close";
	return NULL;
}

int
vul_mode_hotplug(void)
{
	struct vul_usage u0 = { 0 }, u1 = { 0 };
	struct vul_port p = { 0 };
	struct vul_child be = { 0 };
	const char *why = NULL;
	unsigned int c = 0, total = vul_cfg.cycles + VUL_WARMUP;
	uint64_t t0;

	why = vul_backend_start(&p, &be);
	t0 = vu_now_ns();
	for (c = 0; why == NULL && c < total; c++) {
		if (c == VUL_WARMUP)
			vul_usage_get(&u0);
		why = vul_hotplug_round(&p);
	}
	if (why == NULL) {
		vul_usage_get(&u1);
		if (u1.fds != u0.fds)
			why = "fd count changed";
		else if (u1.threads != u0.threads)
			why = "thread count changed";
		else if (u1.heap != u0.heap)
			why = "DPDK heap use changed";
		else if (u1.rss > u0.rss + VUL_RSS_SLACK)
			why = "resident memory grew by more than 4 MB";
		else if (p.rx_bad > 0)
			why = "corrupted packets received";
	}
	vul_child_kill(&be);
	printf("VU-LIFECYCLE mode=hotplug cycles=%u ms=%" PRIu64 " rx=%" PRIu64 " rx_bad=%"
	       PRIu64 " fds=%u->%u threads=%u->%u heap=%zu->%zu rss_kb=%zu->%zu result=%s%s%s\n",
	       c > VUL_WARMUP ? c - VUL_WARMUP : 0, vul_ms_since(t0), p.rx_good, p.rx_bad,
	       u0.fds, u1.fds, u0.threads, u1.threads, u0.heap, u1.heap, u0.rss >> 10,
	       u1.rss >> 10, why ? "FAIL" : "PASS", why ? " why=" : "", why ? why : "");
	return why ? 1 : 0;
}
