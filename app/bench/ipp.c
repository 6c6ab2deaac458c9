/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-bench-ipp: instructions per packet of a virtio-user port's Rx and Tx
 * bursts, counted by callgrind.
 *
 * One process, one data thread.  The vhost library serves a vhost-user socket
 * (server); for each ring layout ("path") the program hot-plugs a
 * net_virtio_user port connected to it, whichever driver registered that name
 * (ours with -d <plugin>, else Debian's stock one), and ping-pongs on the main
 * lcore:
 *
 *   Tx phase:  rte_eth_tx_burst -> rte_vhost_dequeue_burst (guest Tx vring)
 *   Rx phase:  rte_vhost_enqueue_burst (guest Rx vring) -> rte_eth_rx_burst
 *
 * Callgrind collection is on only across the port's own burst calls
 * (CALLGRIND_TOGGLE_COLLECT; run with --collect-atstart=no), so each phase
 * counts nothing but our Tx or our Rx burst.  After a fixed number of bursts
 * the phase dumps its counts with CALLGRIND_DUMP_STATS_AT, named
 *
 *   ipp <tx|rx> <path> <len> pkts=<n>
 *
 * and prints the same line on stdout prefixed "RESULT".  Instructions per
 * packet = the dump's total / n.  Both directions run warm-up bursts first.
 * Outside valgrind the client requests are no-ops (a functional smoke run).
 *
 * Before measuring, the program proves which driver serves the port: dladdr()
 * of rte_eth_fp_ops[port].rx/tx_pkt_burst, printed as a "DRIVER" line and
 * checked against --expect.  A path the driver cannot run (probe or start
 * fails, or a burst moves nothing) prints "SKIP path=<p> reason=<why>" and
 * the next path runs.
 *
 * Guest notifications are disabled on both vrings (as the vhost PMD does), so
 * neither driver kicks.  Exit status: 0 every requested path measured or
 * skipped, 1 a measurement or identity check failed, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#define IPP_PORT_NAME	"net_virtio_user0"
#define IPP_MAX_BURST	64u
#define IPP_MAX_LENS	4u
#define IPP_GUEST_RXQ	0	/* vring the backend enqueues into */
#define IPP_GUEST_TXQ	1	/* vring the backend dequeues from */
#define IPP_WAIT_MS	60000u	/* bounded waits; generous for valgrind */

struct ipp_path {
	const char *name;
	unsigned int packed, mrg, in_order;
};

/* The scalar path matrix: ring layout x mergeable Rx x in-order. */
static const struct ipp_path ipp_paths[] = {
	{ "split",		0, 0, 0 },
	{ "split-mrg",		0, 1, 0 },
	{ "split-ino",		0, 0, 1 },
	{ "split-mrg-ino",	0, 1, 1 },
	{ "packed",		1, 0, 0 },
	{ "packed-mrg",		1, 1, 0 },
	{ "packed-ino",		1, 0, 1 },
	{ "packed-mrg-ino",	1, 1, 1 },
};
#define IPP_NB_PATHS (sizeof(ipp_paths) / sizeof(ipp_paths[0]))

struct ipp_config {
	const char *socket;
	const char *expect;		/* substring of the burst's object file */
	bool want[IPP_NB_PATHS];
	uint32_t lens[IPP_MAX_LENS];
	unsigned int nb_lens;
	unsigned int burst;
	unsigned int warmup;		/* bursts per direction before counting */
	unsigned int bursts;		/* counted bursts per direction */
	unsigned int queue_size;
	unsigned int vectorized;	/* devarg vectorized= for every port */
};

struct ipp_ctx {
	const struct ipp_config *cfg;
	struct rte_mempool *pool;
	struct rte_mbuf *src[IPP_MAX_BURST];	/* enqueue sources, reused */
	uint16_t port;
	int vid;
};

/* Written by the vhost-events thread, read by the main thread. */
static int ipp_vid = -1;
static int ipp_dev_count;	/* new_device minus destroy_device */

static int
ipp_new_device(int vid)
{
	/* Polling guest: ask it not to kick, as the vhost PMD does. */
	rte_vhost_enable_guest_notification(vid, IPP_GUEST_RXQ, 0);
	rte_vhost_enable_guest_notification(vid, IPP_GUEST_TXQ, 0);
	__atomic_store_n(&ipp_vid, vid, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ipp_dev_count, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
ipp_destroy_device(int vid)
{
	(void)vid;
	__atomic_sub_fetch(&ipp_dev_count, 1, __ATOMIC_RELEASE);
}

static const struct rte_vhost_device_ops ipp_vhost_ops = {
	.new_device = ipp_new_device,
	.destroy_device = ipp_destroy_device,
};

/* Bounded poll until the number of live vhost devices is 'want'. */
static int
ipp_wait_devices(int want)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() / 1000 * IPP_WAIT_MS;

	while (__atomic_load_n(&ipp_dev_count, __ATOMIC_ACQUIRE) != want) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(1000);
	}
	return 0;
}

/*
 * Object file holding 'fn' and where in it: the symbol when dladdr resolves
 * 'fn' exactly, else its offset in the object ("+0x1f40"; hidden or stripped
 * symbols: resolve with nm or addr2line -f).
 */
static void
ipp_describe(const void *fn, const char **file, char *where, size_t len)
{
	Dl_info info;

	*file = "?";
	snprintf(where, len, "?");
	if (dladdr(fn, &info) == 0)
		return;
	if (info.dli_fname != NULL)
		*file = info.dli_fname;
	if (info.dli_sname != NULL && info.dli_saddr == fn)
		snprintf(where, len, "%s", info.dli_sname);
	else
		snprintf(where, len, "+0x%tx", (const char *)fn - (const char *)info.dli_fbase);
}

static int
ipp_identify(const struct ipp_ctx *ctx, const char *path)
{
	const struct rte_eth_fp_ops *ops = &rte_eth_fp_ops[ctx->port];
	const char *rx_file, *tx_file;
	char rx_at[64], tx_at[64];

	ipp_describe((const void *)ops->rx_pkt_burst, &rx_file, rx_at, sizeof(rx_at));
	ipp_describe((const void *)ops->tx_pkt_burst, &tx_file, tx_at, sizeof(tx_at));
	printf("DRIVER path=%s rx=%s%s tx=%s%s\n", path, rx_file, rx_at, tx_file, tx_at);
	if (ctx->cfg->expect != NULL &&
	    (strstr(rx_file, ctx->cfg->expect) == NULL ||
	     strstr(tx_file, ctx->cfg->expect) == NULL)) {
		fprintf(stderr, "ipp: %s: bursts are not in an object matching '%s'\n",
			path, ctx->cfg->expect);
		return -EPROTO;
	}
	return 0;
}

static int
ipp_port_start(struct ipp_ctx *ctx)
{
	const struct rte_eth_conf conf = { 0 };
	uint16_t port = ctx->port;
	int rc;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, ctx->cfg->queue_size,
					    rte_eth_dev_socket_id(port), NULL, ctx->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, ctx->cfg->queue_size,
					    rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

/* Hot-plug the port for 'p', start it and wait until the backend runs it. */
static int
ipp_port_open(struct ipp_ctx *ctx, const struct ipp_path *p, const char **why)
{
	char args[PATH_MAX + 128];
	int rc;

	snprintf(args, sizeof(args),
		 "path=%s,queue_size=%u,mrg_rxbuf=%u,in_order=%u,packed_vq=%u,vectorized=%u",
		 ctx->cfg->socket, ctx->cfg->queue_size, p->mrg, p->in_order, p->packed,
		 ctx->cfg->vectorized);
	rc = rte_eal_hotplug_add("vdev", IPP_PORT_NAME, args);
	if (rc != 0) {
		*why = "probe-failed";
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(IPP_PORT_NAME, &ctx->port);
	if (rc == 0)
		rc = ipp_port_start(ctx);
	if (rc != 0) {
		*why = "start-failed";
		return rc;
	}
	rc = ipp_wait_devices(1);
	if (rc != 0) {
		*why = "backend-never-ready";
		return rc;
	}
	ctx->vid = __atomic_load_n(&ipp_vid, __ATOMIC_ACQUIRE);
	return 0;
}

static void
ipp_port_close(void)
{
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(IPP_PORT_NAME, &port) == 0) {
		rte_eth_dev_stop(port);
		/*
		 * Stop's request/reply traffic wakes EAL's interrupt thread.  Under
		 * valgrind (one thread runs at a time) a close that spins in
		 * rte_intr_callback_unregister_sync() while that thread is still
		 * mid-dispatch can starve it forever; blocking briefly lets it
		 * finish.  Natively this costs 10 ms per path.
		 */
		rte_delay_us_sleep(10000);
		rte_eth_dev_close(port);
	}
	rte_eal_hotplug_remove("vdev", IPP_PORT_NAME);
	if (ipp_wait_devices(0) != 0)
		fprintf(stderr, "ipp: backend still holds a device after port removal\n");
}

/*
 * One Tx round: send a burst of 'len'-byte packets (counted when 'count'),
 * then drain what the port sent from the guest Tx vring.  Returns the
 * packets sent, or -EIO when the backend did not receive them all.
 */
static int
ipp_tx_round(struct ipp_ctx *ctx, uint32_t len, bool count)
{
	struct rte_mbuf *pkts[IPP_MAX_BURST];
	unsigned int burst = ctx->cfg->burst, i, got = 0, tries;
	uint16_t sent;

	if (rte_pktmbuf_alloc_bulk(ctx->pool, pkts, burst) != 0)
		return -ENOMEM;
	for (i = 0; i < burst; i++) {
		pkts[i]->data_len = (uint16_t)len;
		pkts[i]->pkt_len = len;
	}
	if (count)
		CALLGRIND_TOGGLE_COLLECT;
	sent = rte_eth_tx_burst(ctx->port, 0, pkts, (uint16_t)burst);
	if (count)
		CALLGRIND_TOGGLE_COLLECT;
	rte_pktmbuf_free_bulk(pkts + sent, burst - sent);
	for (tries = 0; got < sent && tries < 4; tries++) {
		uint16_t n = rte_vhost_dequeue_burst(ctx->vid, IPP_GUEST_TXQ, ctx->pool,
						     pkts, (uint16_t)(sent - got));

		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return got == sent ? (int)sent : -EIO;
}

/*
 * One Rx round: the backend enqueues a burst of 'len'-byte packets, then the
 * port receives them (counted when 'count').  Returns the packets received,
 * or -EIO when the port did not receive all the backend enqueued.
 */
static int
ipp_rx_round(struct ipp_ctx *ctx, uint32_t len, bool count)
{
	struct rte_mbuf *pkts[IPP_MAX_BURST];
	unsigned int burst = ctx->cfg->burst, i, got = 0, tries;
	uint16_t queued;

	for (i = 0; i < burst; i++) {
		ctx->src[i]->data_len = (uint16_t)len;
		ctx->src[i]->pkt_len = len;
	}
	queued = rte_vhost_enqueue_burst(ctx->vid, IPP_GUEST_RXQ, ctx->src, (uint16_t)burst);
	for (tries = 0; got < queued && tries < 4; tries++) {
		uint16_t n;

		if (count)
			CALLGRIND_TOGGLE_COLLECT;
		n = rte_eth_rx_burst(ctx->port, 0, pkts, (uint16_t)burst);
		if (count)
			CALLGRIND_TOGGLE_COLLECT;
		rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return got == queued ? (int)got : -EIO;
}

typedef int (*ipp_round_fn)(struct ipp_ctx *ctx, uint32_t len, bool count);

/* Run 'rounds' rounds; returns the packets moved, or a negative errno. */
static int64_t
ipp_rounds(struct ipp_ctx *ctx, ipp_round_fn round, uint32_t len, unsigned int rounds,
	   bool count)
{
	int64_t total = 0;
	unsigned int i;
	int n;

	for (i = 0; i < rounds; i++) {
		n = round(ctx, len, count);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

/* Counted phase of one direction; dumps and prints its result line. */
static int
ipp_phase(struct ipp_ctx *ctx, const char *dir, ipp_round_fn round, const char *path,
	  uint32_t len)
{
	char name[128];
	int64_t pkts;

	CALLGRIND_ZERO_STATS;
	pkts = ipp_rounds(ctx, round, len, ctx->cfg->bursts, true);
	if (pkts <= 0) {
		printf("SKIP path=%s dir=%s len=%" PRIu32 " reason=%s\n", path, dir, len,
		       pkts == 0 ? "no-packets-moved" : "backend-lost-packets");
		return pkts == 0 ? -ENODATA : (int)pkts;
	}
	snprintf(name, sizeof(name), "ipp %s %s %" PRIu32 " pkts=%" PRId64, dir, path, len, pkts);
	CALLGRIND_DUMP_STATS_AT(name);
	printf("RESULT %s\n", name);
	return 0;
}

/* Warm both directions up, then count Tx and Rx for each length. */
static int
ipp_measure(struct ipp_ctx *ctx, const char *path)
{
	const struct ipp_config *cfg = ctx->cfg;
	unsigned int i;
	int64_t w;
	int rc = 0;

	for (i = 0; i < cfg->nb_lens && rc == 0; i++) {
		w = ipp_rounds(ctx, ipp_tx_round, cfg->lens[i], cfg->warmup, false);
		if (w > 0)
			w = ipp_rounds(ctx, ipp_rx_round, cfg->lens[i], cfg->warmup, false);
		if (w <= 0) {
			printf("SKIP path=%s len=%" PRIu32 " reason=%s\n", path, cfg->lens[i],
			       w == 0 ? "no-packets-moved" : "warmup-failed");
			return 0;
		}
		rc = ipp_phase(ctx, "tx", ipp_tx_round, path, cfg->lens[i]);
		if (rc == 0)
			rc = ipp_phase(ctx, "rx", ipp_rx_round, path, cfg->lens[i]);
	}
	return rc == -ENODATA ? 0 : rc;
}

static int
ipp_run_path(struct ipp_ctx *ctx, const struct ipp_path *p)
{
	const char *why = NULL;
	int rc;

	rc = ipp_port_open(ctx, p, &why);
	if (rc != 0) {
		printf("SKIP path=%s reason=%s (%s)\n", p->name, why, strerror(rc < 0 ? -rc : rc));
		ipp_port_close();
		return 0;
	}
	rc = ipp_identify(ctx, p->name);
	if (rc == 0)
		rc = ipp_measure(ctx, p->name);
	ipp_port_close();
	return rc;
}

static void
ipp_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- --socket PATH [--path P[,P...]] [--len L[,L...]]\n"
		"       [--burst N] [--warmup N] [--bursts N] [--queue-size N] [--expect STR]\n"
		"       [--vectorized 0|1]\n"
		"paths: split split-mrg split-ino split-mrg-ino packed packed-mrg packed-ino\n"
		"       packed-mrg-ino (default: all); lengths default 64,1518; burst 32;\n"
		"       warmup 256 and bursts 1024 per direction; queue size 256\n", prog);
}

static int
ipp_parse_uint(const char *s, unsigned int lo, unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int
ipp_parse_paths(char *list, struct ipp_config *cfg)
{
	char *save = NULL, *tok;
	unsigned int i;

	memset(cfg->want, 0, sizeof(cfg->want));
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < IPP_NB_PATHS && strcmp(tok, ipp_paths[i].name) != 0; i++)
			;
		if (i == IPP_NB_PATHS)
			return -EINVAL;
		cfg->want[i] = true;
	}
	return 0;
}

static int
ipp_parse_lens(char *list, struct ipp_config *cfg)
{
	char *save = NULL, *tok;
	unsigned int v;

	cfg->nb_lens = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (cfg->nb_lens == IPP_MAX_LENS || ipp_parse_uint(tok, 60, 1518, &v) != 0)
			return -EINVAL;
		cfg->lens[cfg->nb_lens++] = v;
	}
	return cfg->nb_lens > 0 ? 0 : -EINVAL;
}

static int
ipp_parse_args(int argc, char **argv, struct ipp_config *cfg)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "path", required_argument, NULL, 'p' },
		{ "len", required_argument, NULL, 'l' },
		{ "burst", required_argument, NULL, 'b' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "bursts", required_argument, NULL, 'n' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "expect", required_argument, NULL, 'e' },
		{ "vectorized", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': cfg->socket = optarg; break;
		case 'e': cfg->expect = optarg; break;
		case 'p': rc = ipp_parse_paths(optarg, cfg); break;
		case 'l': rc = ipp_parse_lens(optarg, cfg); break;
		case 'b': rc = ipp_parse_uint(optarg, 1, IPP_MAX_BURST, &cfg->burst); break;
		case 'w': rc = ipp_parse_uint(optarg, 1, 1u << 20, &cfg->warmup); break;
		case 'n': rc = ipp_parse_uint(optarg, 1, 1u << 20, &cfg->bursts); break;
		case 'q': rc = ipp_parse_uint(optarg, 64, 32768, &cfg->queue_size); break;
		case 'v': rc = ipp_parse_uint(optarg, 0, 1, &cfg->vectorized); break;
		default: rc = -EINVAL; break;
		}
	}
	if (rc == 0 && (optind != argc || cfg->socket == NULL))
		rc = -EINVAL;
	return rc;
}

static int
ipp_setup(struct ipp_ctx *ctx)
{
	const struct ipp_config *cfg = ctx->cfg;
	int rc;

	ctx->pool = rte_pktmbuf_pool_create("ipp_pool", 8191, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (ctx->pool == NULL) {
		fprintf(stderr, "ipp: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rte_pktmbuf_alloc_bulk(ctx->pool, ctx->src, cfg->burst) != 0)
		return -ENOMEM;
	unlink(cfg->socket);
	rc = rte_vhost_driver_register(cfg->socket, 0);
	if (rc == 0)
		rc = rte_vhost_driver_callback_register(cfg->socket, &ipp_vhost_ops);
	if (rc == 0)
		rc = rte_vhost_driver_start(cfg->socket);
	if (rc != 0) {
		fprintf(stderr, "ipp: vhost-user server on %s failed to start\n", cfg->socket);
		return -EIO;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ipp_config cfg = {
		.lens = { 64, 1518 }, .nb_lens = 2, .burst = 32,
		.warmup = 256, .bursts = 1024, .queue_size = 256,
	};
	struct ipp_ctx ctx = { .cfg = &cfg, .vid = -1 };
	unsigned int i;
	int n, rc = 0;

	/* Line by line: a killed run still shows how far it got. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < IPP_NB_PATHS; i++)
		cfg.want[i] = true;
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "ipp: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argv[n] = argv[0];
	optind = 1;
	if (ipp_parse_args(argc - n, argv + n, &cfg) != 0) {
		ipp_usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	if (ipp_setup(&ctx) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	/* Instrument only now: EAL init runs uninstrumented (fast). */
	CALLGRIND_START_INSTRUMENTATION;
	for (i = 0; i < IPP_NB_PATHS && rc == 0; i++)
		if (cfg.want[i])
			rc = ipp_run_path(&ctx, &ipp_paths[i]);
	CALLGRIND_STOP_INSTRUMENTATION;
	rte_vhost_driver_unregister(cfg.socket);
	unlink(cfg.socket);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
