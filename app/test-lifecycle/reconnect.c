/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode "reconnect": SIGKILL the backend mid-traffic and restart it, --cycles
 * times.  Per cycle: the link reads down and an LSC "down" event arrives; the
 * backend is back when its log says "event=listening" (its vhost driver is
 * started); from then, within --resume-ms, an LSC "up" event, link up, and
 * 100 more echoed packets verified byte for byte.  Our driver resumes split
 * and packed rings in place, so no RESET event is expected (the test script
 * requires resets=0); one (a ring found inconsistent, or another driver) is
 * still handled as an application must -- stop, rte_eth_dev_reset,
 * configure, start -- and counted.  At the end: no bad packet, the mbuf pool
 * full again after stop, the fd count of before cycle 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vu_pkt.h"
#include "lifecycle.h"


/* Poll traffic until *counter > base, and the link reads 'up' if up >= 0. */
static int
vul_wait_event(struct vul_port *p, const unsigned int *counter, unsigned int base, int up,
	       unsigned int ms)
{
	uint64_t t0 = vu_now_ns();

	while (vul_ms_since(t0) < ms) {
		if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) > base &&
		    (up < 0 || vul_link_status(p->port_id) == up))
			return 0;
		vul_port_poll(p);
	}
	return -ETIMEDOUT;
}

static int
vul_wait_rx(struct vul_port *p, uint64_t want, unsigned int ms)
{
	uint64_t t0 = vu_now_ns();

	while (vul_ms_since(t0) < ms) {
		if (p->rx_good >= want)
			return 0;
		vul_port_poll(p);
	}
	return -ETIMEDOUT;
}

/* What an application does on RTE_ETH_EVENT_INTR_RESET, from its own lcore. */
static int
vul_port_recover(struct vul_port *p)
{
	int ret;

	ret = rte_eth_dev_reset(p->port_id);	/* stops the port first */
	if (ret == 0)
		ret = vul_port_start(p);
	return ret;
}

/* Wait for the link to come back, resetting the port if the driver asks. */
static int
vul_wait_up(struct vul_port *p, unsigned int up0, unsigned int *resets, unsigned int ms)
{
	uint64_t t0 = vu_now_ns();
	int ret;

	while (vul_ms_since(t0) < ms) {
		if (__atomic_load_n(&vul_ev.reset, __ATOMIC_ACQUIRE) > *resets) {
			(*resets)++;
			ret = vul_port_recover(p);
			if (ret < 0) {
				printf("VU-LIFECYCLE port reset failed: %s\n", strerror(-ret));
				return ret;
			}
			return vul_wait_link(p, 1, ms);
		}
		if (__atomic_load_n(&vul_ev.lsc_up, __ATOMIC_ACQUIRE) > up0 &&
		    vul_link_status(p->port_id) == 1)
			return 0;
		vul_port_poll(p);
	}
	return -ETIMEDOUT;
}

struct vul_cycle {
	uint64_t down_ms;	/* kill -> link down + LSC */
	uint64_t ready_ms;	/* restart -> backend ready */
	uint64_t up_ms;		/* backend ready -> link up + LSC */
	uint64_t good_ms;	/* backend ready -> 100 echoed packets verified */
};

static const char *
vul_cycle_run(struct vul_port *p, struct vul_child *be, unsigned int *resets,
	      struct vul_cycle *t)
{
	unsigned int down0 = vul_ev.lsc_down, up0 = vul_ev.lsc_up, seen;
	uint64_t t0, t_ready;

	if (vul_wait_rx(p, p->rx_good + 1000, 10000) < 0)
		return "no echo traffic before the kill";
	t0 = vu_now_ns();
	vul_child_kill(be);
	if (vul_wait_event(p, &vul_ev.lsc_down, down0, 0, 5000) < 0)
		return "no LSC down event / link still up 5 s after the kill";
	t->down_ms = vul_ms_since(t0);
	seen = vul_file_count(vul_cfg.backend_log, VUL_READY_MARK);
	t0 = vu_now_ns();
	if (vul_child_spawn(be, vul_cfg.backend_cmd, vul_cfg.backend_log) < 0)
		return "cannot restart the backend";
	if (vul_wait_ready(p, seen, 20000) < 0)
		return "the restarted backend never became ready";
	t_ready = vu_now_ns();
	t->ready_ms = (t_ready - t0) / 1000000u;
	if (vul_wait_up(p, up0, resets, 10000) < 0)
		return "no LSC up event / link still down 10 s after the backend's return";
	t->up_ms = vul_ms_since(t_ready);
	if (vul_wait_rx(p, p->rx_good + 100, 10000) < 0)
		return "no echo traffic 10 s after the backend's return";
	t->good_ms = vul_ms_since(t_ready);
	if (t->good_ms > vul_cfg.resume_ms)
		return "traffic resumed, but later than --resume-ms after the backend's return";
	return NULL;
}

static const char *
vul_reconnect_setup(struct vul_port *p, struct vul_child *be)
{
	int ret;

	const char *why = vul_backend_start(p, be);

	if (why != NULL)
		return why;
	ret = vul_port_attach(p, vul_cfg.vdev);
	if (ret < 0)
		return "cannot attach the port";
	if (vul_port_start(p) < 0)
		return "cannot start the port";
	if (vul_wait_link(p, 1, 5000) < 0)
		return "link not up 5 s after start";
	if (vul_wait_rx(p, 2000, 10000) < 0)
		return "no echo traffic after start";
	return NULL;
}

int
vul_mode_reconnect(void)
{
	struct vul_cycle t, worst = { 0 };
	struct vul_port p = { 0 };
	struct vul_child be = { 0 };
	unsigned int c = 0, fds0 = 0, fds1 = 0, resets = 0, avail = 0;
	const char *why;

	why = vul_reconnect_setup(&p, &be);
	if (why == NULL)
		fds0 = vul_fd_count();
	for (c = 0; why == NULL && c < vul_cfg.cycles; c++) {
		memset(&t, 0, sizeof(t));
		why = vul_cycle_run(&p, &be, &resets, &t);
		printf("VU-LIFECYCLE cycle=%u down_ms=%" PRIu64 " backend_ready_ms=%" PRIu64
		       " up_ms=%" PRIu64 " traffic_ms=%" PRIu64 " lsc_down=%u lsc_up=%u"
		       " resets=%u%s%s\n", c + 1, t.down_ms, t.ready_ms, t.up_ms, t.good_ms,
		       vul_ev.lsc_down, vul_ev.lsc_up, resets, why ? " error=" : "",
		       why ? why : "");
		worst.down_ms = RTE_MAX(worst.down_ms, t.down_ms);
		worst.up_ms = RTE_MAX(worst.up_ms, t.up_ms);
		worst.good_ms = RTE_MAX(worst.good_ms, t.good_ms);
	}
	if (why == NULL) {
		fds1 = vul_fd_count();
		if (rte_eth_dev_stop(p.port_id) < 0)
			why = "port stop failed";
		avail = rte_mempool_avail_count(p.mp);
		if (why == NULL && p.rx_bad > 0)
			why = "corrupted packets received";
		else if (why == NULL && avail != p.mp->size)
			why = "mbufs leaked: the pool is not full after stop";
		else if (why == NULL && fds1 != fds0)
			why = "fd count changed over the cycles";
		if (rte_eth_dev_close(p.port_id) < 0 && why == NULL)
			why = "port close failed";
	}
	vul_child_kill(&be);
	printf("VU-LIFECYCLE mode=reconnect cycles=%u tx=%" PRIu64 " rx=%" PRIu64 " rx_bad=%"
	       PRIu64 " lsc_down=%u lsc_up=%u resets=%u worst_down_ms=%" PRIu64
	       " worst_up_ms=%" PRIu64 " worst_traffic_ms=%" PRIu64 " fds_before=%u"
	       " fds_after=%u pool=%u/%u result=%s%s%s\n", c, p.tx, p.rx_good, p.rx_bad,
	       vul_ev.lsc_down, vul_ev.lsc_up, resets, worst.down_ms, worst.up_ms,
	       worst.good_ms, fds0, fds1, avail, p.mp ? p.mp->size : 0,
	       why ? "FAIL" : "PASS", why ? " why=" : "", why ? why : "");
	return why ? 1 : 0;
}
