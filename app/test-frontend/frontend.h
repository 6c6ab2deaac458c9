/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VUF_FRONTEND_H
#define VUF_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vu_pkt.h"

#define VUF_MAX_QUEUES 128u
#define VUF_MAX_BURST 512u
#define VUF_MAX_SIZES 16u
#define VUF_MAX_BAD_REPORTS 8u

enum vuf_mode { VUF_GEN_VERIFY, VUF_ECHO };

/* When the mbuf pool must be full again: after dev_stop or after dev_close. */
enum vuf_pool_check { VUF_POOL_AT_CLOSE, VUF_POOL_AT_STOP };

struct vuf_config {
	enum vuf_mode mode;
	enum vuf_pool_check pool_check;
	uint16_t port;
	uint16_t queues;
	uint16_t burst;
	uint16_t nb_rxd, nb_txd;   /* 0: driver default */
	uint64_t count;            /* per queue pair; 0: run until timeout/signal */
	uint32_t sizes[VUF_MAX_SIZES];
	unsigned int nb_sizes;
	unsigned int segs;         /* Tx segments per packet; 0: as few as fit */
	unsigned int mbuf_size;    /* data room incl. headroom */
	unsigned int pool_size;
	unsigned int timeout_s;
	unsigned int stall_ms;
	unsigned int linger_ms;
	/*
	 * gen-verify against a peer that echoes: at most this many of our
	 * packets sent and not yet back (0: no limit).  Keeps a stalled run
	 * within what the rings hold, so a slow lcore cannot make an echo peer
	 * drop; the rings, not the generator, are what the test measures.
	 */
	uint32_t window;
	const char *expect_driver; /* path of the shared object that must serve the port */
};

struct vuf_queue {
	uint64_t tx, rx, rx_bad, tx_dropped, tx_bytes, rx_bytes;
	uint64_t gen_seq;
	struct rte_mbuf *pend[VUF_MAX_BURST];
	uint16_t nb_pend, pend_off;
	int build_err;
	uint64_t last_progress_ns;
};

struct vuf_totals {
	uint64_t tx, rx, rx_bad, tx_dropped, tx_bytes, rx_bytes;
};

struct vuf_state {
	struct vuf_config cfg;
	uint16_t port;
	struct rte_mempool *mp;
	struct vu_seq_track *track;
	unsigned int bad_reports;
	struct vuf_queue q[VUF_MAX_QUEUES];
};

const char *vuf_mode_name(enum vuf_mode mode);
/* Parse the options after "--"; prints usage and returns -EINVAL on error. */
int vuf_parse_args(int argc, char **argv, struct vuf_config *c);

/* Create the pool, configure and start the port; negative errno on failure. */
int vuf_port_setup(struct vuf_state *st);
/* Print the shared object serving the port; check it against --expect-driver. */
int vuf_driver_check(const struct vuf_state *st);
/* Stop the port; check pool (if at stop), stats and xstats against t. */
int vuf_port_stop_check(struct vuf_state *st, const struct vuf_totals *t);
/* Close the port; check the pool is full (if at close). */
int vuf_port_close_check(struct vuf_state *st);

#endif /* VUF_FRONTEND_H */
