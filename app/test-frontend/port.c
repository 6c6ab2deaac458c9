/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "frontend.h"

/* Ethernet overhead the virtio drivers add to the MTU for their frame limit. */
#define VUF_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 4u)

static uint32_t
vuf_max_size(const struct vuf_config *c)
{
	uint32_t max = 0;
	unsigned int i;

	for (i = 0; i < c->nb_sizes; i++)
		max = RTE_MAX(max, c->sizes[i]);
	return max;
}

/* Fill port configuration from the options and what the driver offers. */
static int
vuf_port_conf(const struct vuf_state *st, const struct rte_eth_dev_info *info,
	      struct rte_eth_conf *conf)
{
	const struct vuf_config *c = &st->cfg;
	uint32_t max_len = vuf_max_size(c);
	uint32_t room = c->mbuf_size - RTE_PKTMBUF_HEADROOM;
	uint32_t mtu = RTE_MAX((uint32_t)RTE_ETHER_MTU, max_len - RTE_ETHER_HDR_LEN);

	memset(conf, 0, sizeof(*conf));
	if (c->queues > info->max_rx_queues || c->queues > info->max_tx_queues) {
		printf("VU-FRONTEND error: %u queue pairs requested, driver offers rx %u tx %u\n",
		       c->queues, info->max_rx_queues, info->max_tx_queues);
		return -EINVAL;
	}
	if (mtu > info->max_mtu) {
		printf("VU-FRONTEND error: size %u needs MTU %u, driver max_mtu %u\n",
		       max_len, mtu, info->max_mtu);
		return -EMSGSIZE;
	}
	conf->rxmode.mtu = mtu;
	/* Scatter only when a frame cannot fit one mbuf, so the driver's check bites. */
	if (mtu + VUF_FRAME_OVERHEAD > room &&
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) != 0)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (c->segs > 1 || max_len > room) {
		if ((info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) == 0) {
			printf("VU-FRONTEND error: multi-segment Tx needed, "
			       "driver lacks MULTI_SEGS\n");
			return -ENOTSUP;
		}
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	return 0;
}

static int
vuf_port_queues_setup(struct vuf_state *st)
{
	const struct vuf_config *c = &st->cfg;
	int socket = rte_eth_dev_socket_id(st->port);
	uint16_t qid;
	int ret;

	for (qid = 0; qid < c->queues; qid++) {
		ret = rte_eth_rx_queue_setup(st->port, qid, c->nb_rxd, socket, NULL, st->mp);
		if (ret < 0) {
			printf("VU-FRONTEND error: rx queue %u setup: %s\n", qid, strerror(-ret));
			return ret;
		}
		ret = rte_eth_tx_queue_setup(st->port, qid, c->nb_txd, socket, NULL);
		if (ret < 0) {
			printf("VU-FRONTEND error: tx queue %u setup: %s\n", qid, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Bounded wait for link up; a down link is reported, not fatal. */
static void
vuf_link_wait(uint16_t port)
{
	struct rte_eth_link link;
	uint64_t deadline = vu_now_ns() + 3000000000u;

	do {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			break;
		rte_delay_ms(10);
	} while (vu_now_ns() < deadline);
	printf("VU-FRONTEND link=%s speed=%u\n", link.link_status ? "up" : "down",
	       link.link_speed);
}

int
vuf_port_setup(struct vuf_state *st)
{
	const struct vuf_config *c = &st->cfg;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN] = "";
	int ret;

	st->port = c->port;
	if (!rte_eth_dev_is_valid_port(st->port)) {
		printf("VU-FRONTEND error: no port %u (was the --vdev probed?)\n", st->port);
		return -ENODEV;
	}
	st->mp = rte_pktmbuf_pool_create("vuf_pool", c->pool_size, 256, 0,
					 (uint16_t)c->mbuf_size, rte_eth_dev_socket_id(st->port));
	if (st->mp == NULL) {
		printf("VU-FRONTEND error: pool of %u x %u bytes: %s\n", c->pool_size,
		       c->mbuf_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	ret = rte_eth_dev_info_get(st->port, &info);
	if (ret == 0)
		ret = vuf_port_conf(st, &info, &conf);
	if (ret == 0)
		ret = rte_eth_dev_configure(st->port, c->queues, c->queues, &conf);
	if (ret == 0)
		ret = vuf_port_queues_setup(st);
	if (ret == 0)
		ret = rte_eth_dev_start(st->port);
	rte_eth_dev_get_name_by_port(st->port, name);
	printf("VU-FRONTEND port=%u name=%s driver_name=%s queues=%u mtu=%u rx_offloads=0x%"
	       PRIx64 " tx_offloads=0x%" PRIx64 " mbuf_size=%u pool=%u\n", st->port, name,
	       info.driver_name, c->queues, conf.rxmode.mtu, conf.rxmode.offloads,
	       conf.txmode.offloads, c->mbuf_size, c->pool_size);
	if (ret < 0) {
		printf("VU-FRONTEND error: port %u setup failed: %s\n", st->port, strerror(-ret));
		rte_eth_dev_close(st->port);
		rte_mempool_free(st->mp);
		st->mp = NULL;
		return ret;
	}
	vuf_link_wait(st->port);
	return 0;
}

/* The shared object holding a function, resolved through dladdr(). */
static const char *
vuf_object_of(const void *fn_addr, char *real, size_t real_len)
{
	Dl_info dl;

	if (fn_addr == NULL || dladdr(fn_addr, &dl) == 0 || dl.dli_fname == NULL)
		return NULL;
	if (realpath(dl.dli_fname, real) == NULL)
		snprintf(real, real_len, "%s", dl.dli_fname);
	return dl.dli_fname;
}

/* dl_iterate_phdr() callback: print loaded objects that look like virtio PMDs. */
static int
vuf_object_list(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned int *n = arg;
	const char *base;

	(void)size;
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
		return 0;
	base = strrchr(info->dlpi_name, '/');
	base = base != NULL ? base + 1 : info->dlpi_name;
	if (strstr(base, "virtio") != NULL)
		printf("%s%s", (*n)++ ? "," : "", info->dlpi_name);
	return 0;
}

int
vuf_driver_check(const struct vuf_state *st)
{
	unsigned int nb_objects = 0;
	const struct rte_eth_fp_ops *fp = &rte_eth_fp_ops[st->port];
	char real_rx[PATH_MAX], real_tx[PATH_MAX], want[PATH_MAX];
	const char *rx_obj, *tx_obj;
	void *rx_fn, *tx_fn;

	/* Function to object pointer: memcpy keeps the conversion well-defined. */
	memcpy(&rx_fn, &fp->rx_pkt_burst, sizeof(rx_fn));
	memcpy(&tx_fn, &fp->tx_pkt_burst, sizeof(tx_fn));
	rx_obj = vuf_object_of(rx_fn, real_rx, sizeof(real_rx));
	tx_obj = vuf_object_of(tx_fn, real_tx, sizeof(real_tx));
	printf("VU-FRONTEND driver=%s real=%s tx_object=%s\n", rx_obj ? rx_obj : "unknown",
	       rx_obj ? real_rx : "unknown", tx_obj ? real_tx : "unknown");
	printf("VU-FRONTEND virtio_objects=");
	dl_iterate_phdr(vuf_object_list, &nb_objects);
	printf(" count=%u\n", nb_objects);
	if (st->cfg.expect_driver == NULL)
		return 0;
	if (realpath(st->cfg.expect_driver, want) == NULL) {
		printf("VU-FRONTEND fail: --expect-driver %s: %s\n", st->cfg.expect_driver,
		       strerror(errno));
		return -ENOENT;
	}
	if (rx_obj == NULL || tx_obj == NULL || strcmp(want, real_rx) != 0 ||
	    strcmp(want, real_tx) != 0) {
		printf("VU-FRONTEND fail: port served by %s, expected %s\n",
		       rx_obj ? real_rx : "unknown", want);
		return -EPERM;
	}
	printf("VU-FRONTEND driver-check=PASS expected=%s\n", want);
	return 0;
}

static bool
vuf_expect_eq(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	printf("VU-FRONTEND fail: %s=%" PRIu64 " but the application counted %" PRIu64 "\n",
	       what, got, want);
	return false;
}

static int
vuf_stats_check(uint16_t port, const struct vuf_totals *t)
{
	struct rte_eth_stats s;
	bool ok = true;
	int ret;

	ret = rte_eth_stats_get(port, &s);
	if (ret < 0) {
		printf("VU-FRONTEND fail: stats_get: %s\n", strerror(-ret));
		return ret;
	}
	printf("VU-FRONTEND stats ipackets=%" PRIu64 " opackets=%" PRIu64 " ibytes=%" PRIu64
	       " obytes=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64 " oerrors=%" PRIu64
	       " rx_nombuf=%" PRIu64 "\n", s.ipackets, s.opackets, s.ibytes, s.obytes,
	       s.imissed, s.ierrors, s.oerrors, s.rx_nombuf);
	ok &= vuf_expect_eq("stats.ipackets", s.ipackets, t->rx);
	ok &= vuf_expect_eq("stats.opackets", s.opackets, t->tx);
	ok &= vuf_expect_eq("stats.ibytes", s.ibytes, t->rx_bytes);
	ok &= vuf_expect_eq("stats.obytes", s.obytes, t->tx_bytes);
	return ok ? 0 : -EBADMSG;
}

/* Value of the xstat called `name`, or summed over "<prefix>q<N>_<suffix>". */
static bool
vuf_xstat_find(const struct rte_eth_xstat_name *names, const struct rte_eth_xstat *vals,
	       int n, const char *dir, const char *suffix, uint64_t *sum)
{
	char pat[RTE_ETH_XSTATS_NAME_SIZE];
	unsigned int qid;
	bool found = false;
	int i;

	*sum = 0;
	for (i = 0; i < n; i++) {
		char tail[RTE_ETH_XSTATS_NAME_SIZE];

		snprintf(pat, sizeof(pat), "%s_q%%u_%%%zus", dir, sizeof(tail) - 1);
		if (sscanf(names[vals[i].id].name, pat, &qid, tail) == 2 &&
		    strcmp(tail, suffix) == 0) {
			*sum += vals[i].value;
			found = true;
		}
	}
	return found;
}

static int
vuf_xstats_check(uint16_t port, const struct vuf_totals *t)
{
	static const struct { const char *dir, *suffix; } per_queue[] = {
		{ "rx", "good_packets" }, { "tx", "good_packets" },
		{ "rx", "good_bytes" }, { "tx", "good_bytes" },
	};
	const uint64_t want[] = { t->rx, t->tx, t->rx_bytes, t->tx_bytes };
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n, i, ret = -ENOMEM;
	uint64_t sum;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0) {
		printf("VU-FRONTEND fail: no xstats (%d)\n", n);
		return -ENOENT;
	}
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names == NULL || vals == NULL || rte_eth_xstats_get_names(port, names, n) != n ||
	    rte_eth_xstats_get(port, vals, n) != n)
		goto out;
	printf("VU-FRONTEND xstats count=%d names=", n);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", names[i].name);
	printf("\n");
	ret = 0;
	for (i = 0; i < (int)RTE_DIM(per_queue); i++) {
		char what[64];

		snprintf(what, sizeof(what), "xstats %s_qN_%s", per_queue[i].dir,
			 per_queue[i].suffix);
		if (!vuf_xstat_find(names, vals, n, per_queue[i].dir, per_queue[i].suffix, &sum))
			printf("VU-FRONTEND note: no %s\n", what);
		else if (!vuf_expect_eq(what, sum, want[i]))
			ret = -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(names[vals[i].id].name, "rx_good_packets") == 0 &&
		    !vuf_expect_eq("xstats rx_good_packets", vals[i].value, t->rx))
			ret = -EBADMSG;
		if (strcmp(names[vals[i].id].name, "tx_good_packets") == 0 &&
		    !vuf_expect_eq("xstats tx_good_packets", vals[i].value, t->tx))
			ret = -EBADMSG;
	}
out:
	free(names);
	free(vals);
	return ret;
}

static int
vuf_pool_report(const struct vuf_state *st, const char *when, bool must_be_full)
{
	unsigned int avail = rte_mempool_avail_count(st->mp);

	printf("VU-FRONTEND pool %s avail=%u size=%u%s\n", when, avail, st->cfg.pool_size,
	       must_be_full ? " (checked)" : "");
	if (must_be_full && avail != st->cfg.pool_size) {
		printf("VU-FRONTEND fail: %u mbufs not back in the pool %s\n",
		       st->cfg.pool_size - avail, when);
		return -EBUSY;
	}
	return 0;
}

int
vuf_port_stop_check(struct vuf_state *st, const struct vuf_totals *t)
{
	int ret, err = 0;

	ret = rte_eth_dev_stop(st->port);
	if (ret < 0) {
		printf("VU-FRONTEND fail: dev_stop: %s\n", strerror(-ret));
		err = ret;
	}
	if (vuf_pool_report(st, "after_stop", st->cfg.pool_check == VUF_POOL_AT_STOP) < 0)
		err = -EBUSY;
	if (vuf_stats_check(st->port, t) < 0)
		err = -EBADMSG;
	if (vuf_xstats_check(st->port, t) < 0)
		err = -EBADMSG;
	return err;
}

int
vuf_port_close_check(struct vuf_state *st)
{
	int ret;

	ret = rte_eth_dev_close(st->port);
	if (ret < 0) {
		printf("VU-FRONTEND fail: dev_close: %s\n", strerror(-ret));
		return ret;
	}
	return vuf_pool_report(st, "after_close", st->cfg.pool_check == VUF_POOL_AT_CLOSE);
}
