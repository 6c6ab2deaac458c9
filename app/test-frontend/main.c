/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-test-frontend: an ethdev application driving one virtio-user port (any
 * driver serving the vdev) with patterned packets (app/common/vu_pkt.h).
 *
 *   gen-verify: send --count packets per queue pair, verify every packet
 *               received (own packets looped back by an echo backend, or the
 *               backend's own stream from a gen-verify backend).
 *   echo:       loop every received packet back on its queue (verified too).
 *
 * After the traffic it stops the port, checks port stats and xstats against
 * its own counts, closes the port and checks the mbuf pool is full again.
 * Summary line: VU-FRONTEND tx=<n> rx=<n> rx_bad=<n> ... result=PASS|FAIL.
 * Exit status: 0 pass, 1 an expectation failed, 2 usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vu_pkt.h"
#include "frontend.h"

static volatile sig_atomic_t vuf_stop;

static void
vuf_signal(int sig)
{
	(void)sig;
	vuf_stop = 1;
}

static void
vuf_report_bad(struct vuf_state *st, uint16_t qid, const char *what, const char *why)
{
	if (st->bad_reports++ < VUF_MAX_BAD_REPORTS)
		printf("VU-FRONTEND bad q=%u %s: %s\n", qid, what, why);
}

static void
vuf_rx_check(struct vuf_state *st, uint16_t qid, const struct rte_mbuf *m)
{
	struct vuf_queue *q = &st->q[qid];
	struct vu_pkt_info info;
	char why[VU_PKT_WHY_LEN];

	if (vu_pkt_verify(m, &info, why, sizeof(why)) < 0) {
		q->rx_bad++;
		vuf_report_bad(st, qid, "content", why);
		return;
	}
	if (VU_GEN_QUEUE(info.gen) != qid) {
		snprintf(why, sizeof(why), "gen 0x%04x seq %u generated for queue %u",
			 info.gen, info.seq, VU_GEN_QUEUE(info.gen));
		q->rx_bad++;
		vuf_report_bad(st, qid, "queue", why);
		return;
	}
	if (vu_seq_track_check(st->track, info.gen, info.seq, why, sizeof(why)) < 0) {
		q->rx_bad++;
		vuf_report_bad(st, qid, "order", why);
	}
}

static void
vuf_pend_drop(struct vuf_queue *q)
{
	uint16_t i;

	for (i = q->pend_off; i < q->nb_pend; i++)
		rte_pktmbuf_free(q->pend[i]);
	q->tx_dropped += q->nb_pend - q->pend_off;
	q->nb_pend = 0;
	q->pend_off = 0;
}

/* Transmit what is pending; drop it after stall_ms without progress. */
static void
vuf_pend_flush(struct vuf_state *st, uint16_t qid, uint64_t now)
{
	struct vuf_queue *q = &st->q[qid];
	uint16_t n, i;

	if (q->nb_pend == 0)
		return;
	n = rte_eth_tx_burst(st->port, qid, &q->pend[q->pend_off], q->nb_pend - q->pend_off);
	for (i = 0; i < n; i++)
		q->tx_bytes += q->pend[q->pend_off + i]->pkt_len;
	q->tx += n;
	q->pend_off += n;
	if (n > 0)
		q->last_progress_ns = now;
	else if (now - q->last_progress_ns > (uint64_t)st->cfg.stall_ms * 1000000u)
		vuf_pend_drop(q);
	if (q->pend_off == q->nb_pend) {
		q->nb_pend = 0;
		q->pend_off = 0;
	}
}

static void
vuf_gen_fill(struct vuf_state *st, uint16_t qid, uint64_t now)
{
	const struct vuf_config *c = &st->cfg;
	struct vuf_queue *q = &st->q[qid];
	struct rte_mbuf *m;
	int err = 0;

	while (q->nb_pend < c->burst && q->gen_seq < c->count &&
	       (c->window == 0 || q->gen_seq - q->rx < c->window)) {
		m = vu_pkt_build(st->mp, (uint16_t)(VU_GEN_FRONTEND | qid), (uint32_t)q->gen_seq,
				 c->sizes[q->gen_seq % c->nb_sizes], c->segs, &err);
		if (m == NULL)
			break;
		q->pend[q->nb_pend++] = m;
		q->gen_seq++;
	}
	if (err != 0 && err != -ENOMEM && q->build_err == 0) {
		q->build_err = err;
		printf("VU-FRONTEND fail q=%u: cannot build packet: %s\n", qid, strerror(-err));
	}
	q->last_progress_ns = now;
}

static void
vuf_queue_poll(struct vuf_state *st, uint16_t qid, uint64_t now)
{
	const struct vuf_config *c = &st->cfg;
	struct vuf_queue *q = &st->q[qid];
	struct rte_mbuf *pkts[VUF_MAX_BURST];
	uint16_t n, i;

	if (c->mode == VUF_GEN_VERIFY && q->nb_pend == 0 && q->gen_seq < c->count)
		vuf_gen_fill(st, qid, now);
	vuf_pend_flush(st, qid, now);
	/* Echo takes no more than it can send back; a generator always drains Rx. */
	if (c->mode == VUF_ECHO && q->nb_pend > 0)
		return;
	n = rte_eth_rx_burst(st->port, qid, pkts, c->burst);
	for (i = 0; i < n; i++) {
		q->rx_bytes += pkts[i]->pkt_len;
		vuf_rx_check(st, qid, pkts[i]);
		if (c->mode != VUF_ECHO)
			rte_pktmbuf_free(pkts[i]);
	}
	q->rx += n;
	if (c->mode == VUF_ECHO && n > 0) {
		memcpy(q->pend, pkts, n * sizeof(pkts[0]));
		q->nb_pend = n;
		q->last_progress_ns = now;
		vuf_pend_flush(st, qid, now);
	}
}

static bool
vuf_counts_met(const struct vuf_state *st)
{
	const struct vuf_config *c = &st->cfg;
	uint16_t qid;

	if (c->count == 0)
		return false;
	for (qid = 0; qid < c->queues; qid++) {
		const struct vuf_queue *q = &st->q[qid];

		if (q->rx < c->count || q->nb_pend > 0)
			return false;
		if (c->mode == VUF_GEN_VERIFY && q->tx + q->tx_dropped < c->count)
			return false;
	}
	return true;
}

/* Traffic loop; returns true on timeout. */
static bool
vuf_run(struct vuf_state *st)
{
	const struct vuf_config *c = &st->cfg;
	uint64_t now = vu_now_ns(), done_ns = 0;
	uint64_t deadline = now + (uint64_t)c->timeout_s * 1000000000u;
	uint16_t qid;

	while (!vuf_stop) {
		now = vu_now_ns();
		if (now >= deadline)
			return done_ns == 0 && c->count > 0;
		for (qid = 0; qid < c->queues; qid++) {
			vuf_queue_poll(st, qid, now);
			if (st->q[qid].build_err != 0)
				return false; /* reported; the summary fails the run */
		}
		if (done_ns == 0 && vuf_counts_met(st))
			done_ns = now;
		/* Keep polling a little after the counts are met: extras are errors. */
		if (done_ns != 0 && now - done_ns >= (uint64_t)c->linger_ms * 1000000u)
			return false;
	}
	return false;
}

static bool
vuf_queue_summary(const struct vuf_state *st, bool timed_out)
{
	const struct vuf_config *c = &st->cfg;
	bool pass = !timed_out;
	uint16_t qid;

	for (qid = 0; qid < c->queues; qid++) {
		const struct vuf_queue *q = &st->q[qid];

		printf("VU-FRONTEND-Q q=%u tx=%" PRIu64 " rx=%" PRIu64 " rx_bad=%" PRIu64
		       " tx_dropped=%" PRIu64 "\n", qid, q->tx, q->rx, q->rx_bad, q->tx_dropped);
		if (q->rx_bad > 0 || q->tx_dropped > 0 || q->build_err != 0)
			pass = false;
		if (c->count > 0 && q->rx != c->count) {
			printf("VU-FRONTEND fail q=%u: received %" PRIu64 ", expected %"
			       PRIu64 "\n", qid, q->rx, c->count);
			pass = false;
		}
		if (c->count > 0 && c->mode == VUF_GEN_VERIFY && q->tx != c->count) {
			printf("VU-FRONTEND fail q=%u: sent %" PRIu64 ", expected %" PRIu64 "\n",
			       qid, q->tx, c->count);
			pass = false;
		}
	}
	if (timed_out)
		printf("VU-FRONTEND fail: timeout after %u s\n", c->timeout_s);
	return pass;
}

static void
vuf_totals(const struct vuf_state *st, struct vuf_totals *t)
{
	uint16_t qid;

	memset(t, 0, sizeof(*t));
	for (qid = 0; qid < st->cfg.queues; qid++) {
		const struct vuf_queue *q = &st->q[qid];

		t->tx += q->tx;
		t->rx += q->rx;
		t->rx_bad += q->rx_bad;
		t->tx_dropped += q->tx_dropped;
		t->tx_bytes += q->tx_bytes;
		t->rx_bytes += q->rx_bytes;
	}
}

/* Free packets still pending at the end (counted as dropped). */
static void
vuf_pend_release(struct vuf_state *st)
{
	uint16_t qid;

	for (qid = 0; qid < st->cfg.queues; qid++)
		if (st->q[qid].nb_pend > 0)
			vuf_pend_drop(&st->q[qid]);
}

static int
vuf_finish(struct vuf_state *st, bool timed_out)
{
	struct vuf_totals t;
	bool pass;

	vuf_pend_release(st);
	pass = vuf_queue_summary(st, timed_out);
	vuf_totals(st, &t);
	if (vuf_port_stop_check(st, &t) < 0)
		pass = false;
	if (vuf_port_close_check(st) < 0)
		pass = false;
	printf("VU-FRONTEND tx=%" PRIu64 " rx=%" PRIu64 " rx_bad=%" PRIu64 " tx_dropped=%" PRIu64
	       " tx_bytes=%" PRIu64 " rx_bytes=%" PRIu64 " queues=%u mode=%s result=%s\n",
	       t.tx, t.rx, t.rx_bad, t.tx_dropped, t.tx_bytes, t.rx_bytes, st->cfg.queues,
	       vuf_mode_name(st->cfg.mode), pass ? "PASS" : "FAIL");
	fflush(stdout);
	return pass ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static struct vuf_state st;
	bool timed_out;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vu-test-frontend: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"vu-test-frontend";
	if (vuf_parse_args(argc, argv, &st.cfg) < 0) {
		ret = 2;
		goto out_eal;
	}
	st.track = calloc(1, sizeof(*st.track));
	if (st.track == NULL) {
		ret = 2;
		goto out_eal;
	}
	vu_seq_track_init(st.track);
	signal(SIGINT, vuf_signal);
	signal(SIGTERM, vuf_signal);
	/* A vanished backend must show up in the report, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	ret = vuf_port_setup(&st);
	if (ret < 0) {
		ret = 2;
		goto out_track;
	}
	ret = vuf_driver_check(&st) < 0 ? 1 : 0;
	if (ret == 0) {
		fflush(stdout);
		timed_out = vuf_run(&st);
		ret = vuf_finish(&st, timed_out);
	} else {
		vuf_pend_release(&st);
		rte_eth_dev_stop(st.port);
		vuf_port_close_check(&st);
	}
	rte_mempool_free(st.mp);
out_track:
	free(st.track);
out_eal:
	rte_eal_cleanup();
	return ret;
}
