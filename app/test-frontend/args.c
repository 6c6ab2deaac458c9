/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "frontend.h"

static const char *const vuf_mode_names[] = {
	[VUF_GEN_VERIFY] = "gen-verify",
	[VUF_ECHO] = "echo",
};

static const char *const vuf_pool_check_names[] = {
	[VUF_POOL_AT_CLOSE] = "close",
	[VUF_POOL_AT_STOP] = "stop",
};

/* Numeric options: long name, bounds, and where the value goes. */
struct vuf_num_opt {
	const char *name;
	uint64_t min, max;
	size_t off;
	unsigned int width; /* bytes of the destination field */
};

#define VUF_NUM(n, lo, hi, field) \
	{ n, lo, hi, offsetof(struct vuf_config, field), \
	  sizeof(((struct vuf_config *)0)->field) }

static const struct vuf_num_opt vuf_num_opts[] = {
	VUF_NUM("count", 0, UINT32_MAX, count),
	VUF_NUM("segs", 0, VU_PKT_MAX_SEGS, segs),
	VUF_NUM("burst", 1, VUF_MAX_BURST, burst),
	VUF_NUM("queues", 1, VUF_MAX_QUEUES, queues),
	VUF_NUM("mbuf-size", RTE_PKTMBUF_HEADROOM + 64, UINT16_MAX, mbuf_size),
	VUF_NUM("pool-size", 1024, 1u << 22, pool_size),
	VUF_NUM("timeout", 1, 86400, timeout_s),
	VUF_NUM("stall-ms", 1, 3600000, stall_ms),
	VUF_NUM("linger-ms", 0, 3600000, linger_ms),
	VUF_NUM("port", 0, RTE_MAX_ETHPORTS - 1, port),
	VUF_NUM("rxd", 0, 32768, nb_rxd),
	VUF_NUM("txd", 0, 32768, nb_txd),
	VUF_NUM("window", 0, UINT32_MAX, window),
};

const char *
vuf_mode_name(enum vuf_mode mode)
{
	return vuf_mode_names[mode];
}

static void
vuf_usage(void)
{
	fprintf(stderr,
		"usage: vu-test-frontend [EAL options incl. --vdev] -- [--mode gen-verify|echo]\n"
		"  [--count N] [--size S[,S...]] [--segs K] [--burst B] [--queues N]\n"
		"  [--mbuf-size BYTES] [--pool-size N] [--timeout SEC] [--stall-ms MS]\n"
		"  [--linger-ms MS] [--port ID] [--rxd N] [--txd N] [--pool-check close|stop]\n"
		"  [--window N]  (gen-verify against an echo: at most N own packets in flight)\n"
		"  [--expect-driver PATH]\n");
}

static int
vuf_pick(const char *name, const char *arg, const char *const *names, unsigned int nb)
{
	unsigned int i;

	for (i = 0; i < nb; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	fprintf(stderr, "vu-test-frontend: --%s '%s' unknown\n", name, arg);
	return -EINVAL;
}

static int
vuf_set_num(struct vuf_config *c, const struct vuf_num_opt *o, const char *arg)
{
	uint8_t *dst = (uint8_t *)c + o->off;
	uint64_t v;

	if (vu_parse_u64(arg, o->min, o->max, &v) < 0) {
		fprintf(stderr, "vu-test-frontend: --%s '%s': expected an integer in [%" PRIu64
			", %" PRIu64 "]\n", o->name, arg, o->min, o->max);
		return -EINVAL;
	}
	switch (o->width) {
	case 2: *(uint16_t *)dst = (uint16_t)v; break;
	case 4: *(uint32_t *)dst = (uint32_t)v; break;
	default: *(uint64_t *)dst = v; break;
	}
	return 0;
}

static void
vuf_config_defaults(struct vuf_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = VUF_GEN_VERIFY;
	/*
	 * Where the pool must be full again: after stop (our driver) unless
	 * the caller says otherwise, e.g. for the stock driver, which keeps
	 * Rx buffers in its rings until close.
	 */
	c->pool_check = VUF_POOL_AT_STOP;
	if (getenv("VU_FRONTEND_POOL_CHECK") != NULL &&
	    strcmp(getenv("VU_FRONTEND_POOL_CHECK"), "close") == 0)
		c->pool_check = VUF_POOL_AT_CLOSE;
	c->queues = 1;
	c->burst = 32;
	c->count = 1000;
	c->sizes[0] = 64;
	c->nb_sizes = 1;
	c->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	c->pool_size = 8192;
	c->timeout_s = 30;
	c->stall_ms = 3000;
	c->linger_ms = 200;
}

/* Options that are not plain numbers. */
static int
vuf_parse_other(struct vuf_config *c, const char *name, const char *arg)
{
	int n;

	if (strcmp(name, "mode") == 0) {
		n = vuf_pick(name, arg, vuf_mode_names, RTE_DIM(vuf_mode_names));
		c->mode = (enum vuf_mode)n;
	} else if (strcmp(name, "pool-check") == 0) {
		n = vuf_pick(name, arg, vuf_pool_check_names, RTE_DIM(vuf_pool_check_names));
		c->pool_check = (enum vuf_pool_check)n;
	} else if (strcmp(name, "size") == 0) {
		n = vu_pkt_parse_sizes(arg, c->sizes, VUF_MAX_SIZES);
		if (n < 0)
			fprintf(stderr, "vu-test-frontend: --size '%s': want up to %u sizes in "
				"[%u, %u]\n", arg, VUF_MAX_SIZES, VU_PKT_MIN_LEN, VU_PKT_MAX_LEN);
		else
			c->nb_sizes = (unsigned int)n;
	} else if (strcmp(name, "expect-driver") == 0) {
		c->expect_driver = arg;
		n = 0;
	} else {
		n = -EINVAL;
	}
	return n < 0 ? -EINVAL : 0;
}

int
vuf_parse_args(int argc, char **argv, struct vuf_config *c)
{
	static const char *const other[] = { "mode", "pool-check", "size", "expect-driver" };
	struct option opts[RTE_DIM(vuf_num_opts) + RTE_DIM(other) + 1];
	unsigned int i, nb_num = RTE_DIM(vuf_num_opts);
	int opt, idx, ret = 0;

	vuf_config_defaults(c);
	memset(opts, 0, sizeof(opts));
	for (i = 0; i < nb_num; i++)
		opts[i] = (struct option){ vuf_num_opts[i].name, required_argument, NULL, 0 };
	for (i = 0; i < RTE_DIM(other); i++)
		opts[nb_num + i] = (struct option){ other[i], required_argument, NULL, 0 };
	while (ret == 0 && (opt = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (opt != 0)
			ret = -EINVAL;
		else if ((unsigned int)idx < nb_num)
			ret = vuf_set_num(c, &vuf_num_opts[idx], optarg);
		else
			ret = vuf_parse_other(c, opts[idx].name, optarg);
	}
	if (ret == 0 && optind != argc) {
		fprintf(stderr, "vu-test-frontend: unexpected argument '%s'\n", argv[optind]);
		ret = -EINVAL;
	}
	if (ret == 0 && c->mode == VUF_GEN_VERIFY && c->count == 0) {
		fprintf(stderr, "vu-test-frontend: gen-verify needs --count > 0\n");
		ret = -EINVAL;
	}
	if (ret < 0)
		vuf_usage();
	return ret;
}
