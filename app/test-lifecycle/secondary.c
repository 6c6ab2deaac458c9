/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mode "secondary" (primary side): run echo traffic, stop the bursts, read
 * the port's stats, then run --secondary-cmd with those numbers appended
 * (--port-name, --expect-opackets, --expect-ipackets); it must exit 0.  The
 * port must still carry traffic afterwards.
 *
 * Mode "secondary-check" (in a secondary process): the port the primary
 * probed must show exactly those stats and matching per-queue xstats, its
 * infos and link must read, and its bursts must return 0 with rte_errno
 * ENOTSUP (the driver's documented secondary-process contract).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "vu_pkt.h"
#include "lifecycle.h"

static int
vul_wait_child(pid_t pid, unsigned int ms)
{
	uint64_t t0 = vu_now_ns();
	int st;

	while (vul_ms_since(t0) < ms) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		rte_delay_us_sleep(10000);
	}
	return -ETIMEDOUT;
}

static const char *
vul_secondary_run(struct vul_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN], cmd[2048];
	struct rte_eth_stats st;
	struct vul_child sec = { 0 };
	uint64_t t0 = vu_now_ns();
	int rc;

	while (p->rx_good < 5000 && vul_ms_since(t0) < 10000)
		vul_port_poll(p);
	if (p->rx_good < 5000)
		return "no echo traffic";
	if (rte_eth_stats_get(p->port_id, &st) != 0 ||
	    rte_eth_dev_get_name_by_port(p->port_id, name) != 0)
		return "cannot read the port's stats";
	snprintf(cmd, sizeof(cmd), "%s --port-name %s --expect-opackets %" PRIu64
		 " --expect-ipackets %" PRIu64, vul_cfg.secondary_cmd, name, st.opackets,
		 st.ipackets);
	printf("VU-LIFECYCLE primary: opackets=%" PRIu64 " ipackets=%" PRIu64 "; running: %s\n",
	       st.opackets, st.ipackets, cmd);
	if (vul_child_spawn(&sec, cmd, vul_cfg.backend_log) < 0)
		return "cannot run the secondary";
	rc = vul_wait_child(sec.pid, 30000);
	if (rc == -ETIMEDOUT)
		vul_child_kill(&sec);
	if (rc != 0)
		return rc == -ETIMEDOUT ? "the secondary did not finish in 30 s" :
					  "the secondary's checks failed (see its output)";
	t0 = vu_now_ns();
	st.ipackets = p->rx_good + 1000;
	while (p->rx_good < st.ipackets && vul_ms_since(t0) < 10000)
		vul_port_poll(p);
	return p->rx_good < st.ipackets ? "no traffic after the secondary ran" : NULL;
}

int
vul_mode_secondary(void)
{
	struct vul_port p = { 0 };
	struct vul_child be = { 0 };
	const char *why = NULL;

	if (vul_cfg.secondary_cmd == NULL) {
		fprintf(stderr, "vu-test-lifecycle: --secondary-cmd is required\n");
		return 2;
	}
	why = vul_backend_start(&p, &be);
	if (why == NULL && vul_port_attach(&p, vul_cfg.vdev) < 0)
		why = "cannot attach the port";
	if (why == NULL && vul_port_start(&p) < 0)
		why = "cannot start the port";
	if (why == NULL && vul_wait_link(&p, 1, 5000) < 0)
		why = "link not up";
	if (why == NULL)
		why = vul_secondary_run(&p);
	if (why == NULL && vul_port_detach(&p) < 0)
		why = "stop, close or hotplug remove failed";
	vul_child_kill(&be);
	printf("VU-LIFECYCLE mode=secondary rx=%" PRIu64 " rx_bad=%" PRIu64 " result=%s%s%s\n",
	       p.rx_good, p.rx_bad, why ? "FAIL" : "PASS", why ? " why=" : "", why ? why : "");
	return why ? 1 : 0;
}

/* Value of xstat 'want', or UINT64_MAX if the port has none by that name. */
static uint64_t
vul_xstat(uint16_t port_id, const char *want)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port_id, want, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port_id, &id, &v, 1) != 1)
		return UINT64_MAX;
	return v;
}

static const char *
vul_secondary_datapath(uint16_t port_id)
{
	struct rte_mempool *mp = rte_mempool_lookup("vul_pool");
	struct rte_mbuf *m;
	uint16_t n;

	if (mp == NULL)
		return "the primary's pool is not visible";
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return "cannot take an mbuf from the primary's pool";
	rte_errno = 0;
	n = rte_eth_tx_burst(port_id, 0, &m, 1);
	if (n == 0)
		rte_pktmbuf_free(m);
	if (n != 0 || rte_errno != ENOTSUP)
		return "tx burst in the secondary did not return 0 with rte_errno ENOTSUP";
	rte_errno = 0;
	n = rte_eth_rx_burst(port_id, 0, &m, 1);
	if (n != 0 || rte_errno != ENOTSUP)
		return "rx burst in the secondary did not return 0 with rte_errno ENOTSUP";
	return NULL;
}

int
vul_mode_secondary_check(void)
{
	const struct vul_config *c = &vul_cfg;
	struct rte_eth_dev_info info;
	struct rte_eth_stats st = { 0 };
	struct rte_eth_link link = { 0 };
	uint64_t xo = 0, xi = 0;
	const char *why = NULL;
	uint16_t port_id = 0;
	int n = 0;

	if (c->port_name == NULL || rte_eth_dev_get_port_by_name(c->port_name, &port_id) != 0)
		why = "the primary's port is not visible";
	else if (rte_eth_stats_get(port_id, &st) != 0)
		why = "stats_get failed";
	else if (st.opackets != c->expect_opackets || st.ipackets != c->expect_ipackets)
		why = "stats differ from the primary's";
	if (why == NULL) {
		n = rte_eth_xstats_get(port_id, NULL, 0);
		xo = vul_xstat(port_id, "tx_q0_good_packets");
		xi = vul_xstat(port_id, "rx_q0_good_packets");
		if (n <= 0 || xo != st.opackets || xi != st.ipackets)
			why = "xstats missing or different from stats";
	}
	if (why == NULL && (rte_eth_dev_info_get(port_id, &info) != 0 || info.max_rx_queues < 1))
		why = "dev_info_get failed";
	if (why == NULL && (rte_eth_link_get_nowait(port_id, &link) != 0 || !link.link_status))
		why = "link not readable or down";
	if (why == NULL)
		why = vul_secondary_datapath(port_id);
	printf("VU-LIFECYCLE mode=secondary-check opackets=%" PRIu64 " ipackets=%" PRIu64
	       " xstats=%d tx_q0_good_packets=%" PRIu64 " rx_q0_good_packets=%" PRIu64
	       " link=%u result=%s%s%s\n", st.opackets, st.ipackets, n, xo, xi,
	       link.link_status, why ? "FAIL" : "PASS", why ? " why=" : "", why ? why : "");
	return why ? 1 : 0;
}
