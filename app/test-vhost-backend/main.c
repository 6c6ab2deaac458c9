/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-test-backend: a vhost-user backend on DPDK's vhost library for testing
 * virtio-user frontends. It echoes, generates and/or verifies patterned
 * packets (app/common/vu_pkt.h) and ends with one machine-readable summary:
 *
 *   VU-BACKEND rx=<n> rx_bad=<n> tx=<n> tx_dropped=<n> queues_seen=<q> ... result=PASS|FAIL
 *
 * "rx" counts packets dequeued from the guest's Tx vrings, "tx" packets
 * enqueued into the guest's Rx vrings. Exit status: 0 every expectation held,
 * 1 an expectation failed, 2 usage or setup error.
 *
 * Threads: vhost callbacks run on the vhost library's threads; everything else
 * runs on the main thread, which alone owns queue state and mbufs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_vhost.h>
#include <linux/virtio_config.h>

#include "vu_pkt.h"

#define VUB_MAX_QP 128u
#define VUB_MAX_VRING (2u * VUB_MAX_QP)
#define VUB_MAX_SIZES 16u
#define VUB_BURST 32u
#define VUB_MAX_BAD_REPORTS 8u

enum vub_mode { VUB_ECHO, VUB_VERIFY, VUB_GEN_VERIFY, VUB_SINK };

static const char *const vub_mode_names[] = {
	[VUB_ECHO] = "echo",
	[VUB_VERIFY] = "verify",
	[VUB_GEN_VERIFY] = "gen-verify",
	[VUB_SINK] = "sink",
};

struct vub_config {
	const char *socket;
	bool client;
	enum vub_mode mode;
	bool check_echo;       /* echo mode: verify what is looped back */
	bool gen_now;          /* generate once the Rx vring is up, not after first rx */
	bool foreign_ok;       /* frames of another ethertype are counted, not bad */
	unsigned int queues;
	uint64_t count;        /* per queue pair; 0 = no count expectation */
	uint32_t sizes[VUB_MAX_SIZES];
	unsigned int nb_sizes;
	unsigned int segs;     /* generated packets: 0 = as few as fit */
	uint64_t disable_features;
	unsigned int timeout_s;
	unsigned int stall_ms; /* drop pending Tx after this long without progress */
	unsigned int linger_ms;
	unsigned int pool_size;
	unsigned int mbuf_size;
	bool kick_driven;      /* touch a queue pair only after a kick on one of its vrings */
	bool drop_full;        /* drop what the guest's Rx vring cannot take at once */
	unsigned int batch;    /* gen-verify: send this many, wait for all back (0: no wait) */
};

/*
 * Per vid, shared with the vhost threads. `running` and `busy` form a
 * Dekker pair: the poller stores busy=1 then loads running; destroy_device
 * stores running=0 then waits for busy==0 (both seq_cst), so the poller never
 * touches a vid after destroy_device returns.
 */
struct vub_dev {
	int running;
	int busy;
	uint32_t conn_gen;              /* bumped by every new_device */
	uint32_t poll_gen;              /* conn_gen the poller last saw (poller only) */
	uint8_t enabled[VUB_MAX_VRING]; /* written by vring_state_changed */
};

/* Per queue pair, owned by the main thread. */
struct vub_queue {
	uint64_t rx, rx_bad, rx_foreign, tx, tx_dropped;
	uint64_t gen_seq;               /* next sequence number to generate */
	struct rte_mbuf *pend[VUB_BURST];
	uint16_t nb_pend, pend_off;
	int pend_vid;                   /* owner of pend[]: vid and conn_gen */
	uint32_t pend_gen;
	uint64_t last_progress_ns;
	bool kick_work;                 /* kick-driven: the last pass moved packets, go on */
	uint64_t batch_end;             /* --batch: gen_seq at which the current batch ends */
};

struct vub_state {
	struct vub_config cfg;
	struct rte_mempool *mp;
	struct vub_queue q[VUB_MAX_QP];
	struct vu_seq_track *track;
	unsigned int bad_reports;
	int max_vid;                    /* highest vid seen + 1 */
	uint32_t devices, connections;
	int live_connections;           /* new_connection minus destroy_connection */
	uint64_t done_ns;               /* when every expectation was first met */
	unsigned int polled_devices;    /* device instances the poller has seen */
};

static struct vub_dev vub_devs[RTE_MAX_VHOST_DEVICE];
static struct vub_state vub;
static volatile sig_atomic_t vub_stop;

static void
vub_signal(int sig)
{
	(void)sig;
	vub_stop = 1;
}

static int
vub_cb_new_device(int vid)
{
	struct vub_dev *d;
	char ifname[256] = "";
	uint64_t features = 0;
	uint16_t i;

	if (vid < 0 || vid >= RTE_MAX_VHOST_DEVICE)
		return -1;
	d = &vub_devs[vid];
	rte_vhost_get_ifname(vid, ifname, sizeof(ifname));
	rte_vhost_get_negotiated_features(vid, &features);
	/* Kick-driven: the driver must kick after every publish (no NO_NOTIFY hint). */
	for (i = 0; vub.cfg.kick_driven && i < rte_vhost_get_vring_num(vid); i++)
		if (rte_vhost_enable_guest_notification(vid, i, 1) != 0)
			printf("VU-BACKEND warning: vring %u: cannot enable notifications\n", i);
	__atomic_add_fetch(&d->conn_gen, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vub.devices, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&vub.max_vid, __ATOMIC_RELAXED) <= vid)
		__atomic_store_n(&vub.max_vid, vid + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&d->running, 1, __ATOMIC_SEQ_CST);
	printf("VU-BACKEND event=new_device vid=%d vrings=%u features=0x%" PRIx64 " path=%s\n",
	       vid, rte_vhost_get_vring_num(vid), features, ifname);
	fflush(stdout);
	return 0;
}

static void
vub_cb_destroy_device(int vid)
{
	struct vub_dev *d;

	if (vid < 0 || vid >= RTE_MAX_VHOST_DEVICE)
		return;
	d = &vub_devs[vid];
	__atomic_store_n(&d->running, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->busy, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
	printf("VU-BACKEND event=destroy_device vid=%d\n", vid);
	fflush(stdout);
}

/* Called with the library's queue locks held: only record the state. */
static int
vub_cb_vring_state_changed(int vid, uint16_t queue_id, int enable)
{
	if (vid < 0 || vid >= RTE_MAX_VHOST_DEVICE || queue_id >= VUB_MAX_VRING)
		return 0;
	__atomic_store_n(&vub_devs[vid].enabled[queue_id], enable ? 1 : 0, __ATOMIC_RELEASE);
	return 0;
}

static int
vub_cb_new_connection(int vid)
{
	(void)vid;
	__atomic_add_fetch(&vub.connections, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vub.live_connections, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
vub_cb_destroy_connection(int vid)
{
	unsigned int i;

	if (vid < 0 || vid >= RTE_MAX_VHOST_DEVICE)
		return;
	for (i = 0; i < VUB_MAX_VRING; i++)
		__atomic_store_n(&vub_devs[vid].enabled[i], 0, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&vub.live_connections, 1, __ATOMIC_RELEASE);
}

static const struct rte_vhost_device_ops vub_ops = {
	.new_device = vub_cb_new_device,
	.destroy_device = vub_cb_destroy_device,
	.vring_state_changed = vub_cb_vring_state_changed,
	.new_connection = vub_cb_new_connection,
	.destroy_connection = vub_cb_destroy_connection,
};

static void
vub_report_bad(unsigned int qp, const char *what, const char *why)
{
	if (vub.bad_reports++ < VUB_MAX_BAD_REPORTS)
		printf("VU-BACKEND bad q=%u %s: %s\n", qp, what, why);
}

/* Verify one packet dequeued from queue pair qp's Tx vring. */
static void
vub_rx_check(unsigned int qp, const struct rte_mbuf *m)
{
	struct vub_queue *q = &vub.q[qp];
	struct vu_pkt_info info;
	char why[VU_PKT_WHY_LEN];

	if (vub.cfg.foreign_ok && !vu_pkt_is_ours(m)) {
		q->rx_foreign++;
		return;
	}
	if (vu_pkt_verify(m, &info, why, sizeof(why)) < 0) {
		q->rx_bad++;
		vub_report_bad(qp, "content", why);
		return;
	}
	if (VU_GEN_QUEUE(info.gen) != qp) {
		snprintf(why, sizeof(why), "gen 0x%04x seq %u generated for queue %u",
			 info.gen, info.seq, VU_GEN_QUEUE(info.gen));
		q->rx_bad++;
		vub_report_bad(qp, "queue", why);
		return;
	}
	if (vu_seq_track_check(vub.track, info.gen, info.seq, why, sizeof(why)) < 0) {
		q->rx_bad++;
		vub_report_bad(qp, "order", why);
	}
}

static void
vub_pend_drop(struct vub_queue *q)
{
	uint16_t i;

	for (i = q->pend_off; i < q->nb_pend; i++)
		rte_pktmbuf_free(q->pend[i]);
	q->tx_dropped += q->nb_pend - q->pend_off;
	q->nb_pend = 0;
	q->pend_off = 0;
}

static uint64_t vub_rx_ours(const struct vub_queue *q);

/*
 * Buffers the guest's Rx vring 'vring' offers the device now.  Split: avail
 * index minus the device's.  Packed: available descriptors from the device's
 * position, one per buffer (Rx buffers of the drivers under test are single
 * descriptors); the acquire load pairs with the driver's release of the flags.
 */
static unsigned int
vub_rx_avail(int vid, uint16_t vring)
{
	const uint16_t avail = 1u << VRING_PACKED_DESC_F_AVAIL;
	const uint16_t used = 1u << VRING_PACKED_DESC_F_USED;
	uint16_t last_avail, last_used, pos, flags;
	struct rte_vhost_vring vr;
	uint64_t features = 0;
	unsigned int n = 0;
	bool wrap;

	rte_vhost_get_negotiated_features(vid, &features);
	if (!(features & (1ULL << VIRTIO_F_RING_PACKED)))
		return rte_vhost_avail_entries(vid, vring);
	if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.size == 0 ||
	    rte_vhost_get_vring_base(vid, vring, &last_avail, &last_used) != 0)
		return 0;
	wrap = last_avail >> 15;
	pos = (last_avail & 0x7fff) % vr.size;
	for (; n < vr.size; n++) {
		flags = __atomic_load_n(&vr.desc_packed[pos].flags, __ATOMIC_ACQUIRE);
		if (!!(flags & avail) != wrap || !!(flags & used) == wrap)
			break;
		if (++pos == vr.size) {
			pos = 0;
			wrap = !wrap;
		}
	}
	return n;
}

/*
 * --batch: generate up to the batch end; the next batch once all came back
 * or were dropped.  By then the driver has taken every packet of the batch
 * off its Rx vring and sent it back: it must offer a whole batch of buffers
 * again (the stock driver re-posts each buffer in the burst that took it).
 */
static bool
vub_batch_open(unsigned int qp, int vid)
{
	struct vub_queue *q = &vub.q[qp];
	unsigned int offered;
	char why[128];

	if (vub.cfg.batch == 0 || q->gen_seq < q->batch_end)
		return true;
	if (q->gen_seq != q->tx_dropped + vub_rx_ours(q))
		return false;
	offered = vub_rx_avail(vid, 2 * qp);
	if (offered < vub.cfg.batch) {
		snprintf(why, sizeof(why), "Rx vring offers %u buffers at seq %" PRIu64
			 ", the batch needs %u", offered, q->gen_seq, vub.cfg.batch);
		q->rx_bad++;
		vub_report_bad(qp, "rx-ring", why);
	}
	q->batch_end = q->gen_seq + vub.cfg.batch;
	return true;
}

/* Fill pend[] with the next generated packets of queue pair qp. */
static void
vub_gen_fill(unsigned int qp, int vid, uint32_t conn_gen)
{
	struct vub_queue *q = &vub.q[qp];
	const struct vub_config *c = &vub.cfg;
	struct rte_mbuf *m;
	int err;

	q->nb_pend = 0;
	q->pend_off = 0;
	while (q->nb_pend < VUB_BURST && q->gen_seq < c->count && vub_batch_open(qp, vid)) {
		m = vu_pkt_build(vub.mp, (uint16_t)(VU_GEN_BACKEND | qp), (uint32_t)q->gen_seq,
				 c->sizes[q->gen_seq % c->nb_sizes], c->segs, &err);
		if (m == NULL)
			break; /* pool empty: retry on the next pass */
		q->pend[q->nb_pend++] = m;
		q->gen_seq++;
	}
	q->pend_vid = vid;
	q->pend_gen = conn_gen;
}

/* Push pend[] into the Rx vring; give up after stall_ms without progress. */
static void
vub_pend_flush(unsigned int qp, int vid, uint64_t now)
{
	struct vub_queue *q = &vub.q[qp];
	uint16_t n, i;

	n = rte_vhost_enqueue_burst(vid, 2 * qp, &q->pend[q->pend_off],
				    q->nb_pend - q->pend_off);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(q->pend[q->pend_off + i]);
	q->pend_off += n;
	q->tx += n;
	if (vub.cfg.drop_full && q->pend_off < q->nb_pend)
		vub_pend_drop(q);	/* a NIC (vdpa_sim) drops what finds no Rx buffer */
	else if (n > 0)
		q->last_progress_ns = now;
	else if (now - q->last_progress_ns > (uint64_t)vub.cfg.stall_ms * 1000000u)
		vub_pend_drop(q);
	if (q->pend_off == q->nb_pend) {
		q->nb_pend = 0;
		q->pend_off = 0;
	}
}

static void
vub_qp_poll(struct vub_dev *d, int vid, uint32_t conn_gen, unsigned int qp, uint64_t now)
{
	const struct vub_config *c = &vub.cfg;
	struct vub_queue *q = &vub.q[qp];
	struct rte_mbuf *pkts[VUB_BURST];
	bool rx_on = __atomic_load_n(&d->enabled[2 * qp], __ATOMIC_ACQUIRE);
	bool tx_on = __atomic_load_n(&d->enabled[2 * qp + 1], __ATOMIC_ACQUIRE);
	uint16_t n, i;

	if (q->nb_pend > 0 && (q->pend_vid != vid || q->pend_gen != conn_gen)) {
		struct vub_dev *owner = &vub_devs[q->pend_vid];

		if (__atomic_load_n(&owner->running, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&owner->conn_gen, __ATOMIC_RELAXED) == q->pend_gen)
			return; /* another live device owns this queue pair */
		vub_pend_drop(q);
	}
	/*
	 * By default a queue pair generates only after receiving on it: a frontend
	 * may discard what its Rx ring holds when it starts (DPDK's virtio does).
	 * Kick-driven, the pass runs after a kick: the driver has posted buffers.
	 */
	if (q->nb_pend == 0 && rx_on && c->mode == VUB_GEN_VERIFY && q->gen_seq < c->count &&
	    (c->gen_now || c->kick_driven || q->rx > 0)) {
		vub_gen_fill(qp, vid, conn_gen);
		q->last_progress_ns = now;
	}
	if (q->nb_pend > 0 && rx_on)
		vub_pend_flush(qp, vid, now);
	/* Echo takes no more than it can send back; a generator always drains Tx. */
	if (!tx_on || (c->mode == VUB_ECHO && q->nb_pend > 0))
		return;
	n = rte_vhost_dequeue_burst(vid, 2 * qp + 1, vub.mp, pkts, VUB_BURST);
	q->rx += n;
	for (i = 0; i < n; i++) {
		if (c->mode == VUB_VERIFY || c->mode == VUB_GEN_VERIFY || c->check_echo)
			vub_rx_check(qp, pkts[i]);
		if (c->mode != VUB_ECHO)
			rte_pktmbuf_free(pkts[i]);
	}
	if (c->mode == VUB_ECHO && n > 0) {
		memcpy(q->pend, pkts, n * sizeof(pkts[0]));
		q->nb_pend = n;
		q->pend_off = 0;
		q->pend_vid = vid;
		q->pend_gen = conn_gen;
		q->last_progress_ns = now;
		if (rx_on)
			vub_pend_flush(qp, vid, now);
	}
}

/* Kick-driven: consume the pending kicks of vring 'vring' of vid; true if there were any. */
static bool
vub_kick_take(int vid, uint16_t vring)
{
	struct rte_vhost_vring vr;
	struct pollfd pfd;
	uint64_t v;

	if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.kickfd < 0)
		return false;
	pfd = (struct pollfd){ .fd = vr.kickfd, .events = POLLIN };
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return false;
	return read(vr.kickfd, &v, sizeof(v)) == (ssize_t)sizeof(v);
}

/*
 * Kick-driven device, as vdpa_sim_net: a queue pair is looked at only after
 * a kick on one of its vrings, and again for as long as a pass moves packets
 * (the device reschedules itself); then it waits for the next kick.  A kick
 * is consumed before the pass, so one that arrives during it is not lost.
 */
static bool
vub_qp_poll_kicked(struct vub_dev *d, int vid, uint32_t conn_gen, unsigned int qp, uint64_t now)
{
	struct vub_queue *q = &vub.q[qp];
	uint64_t before = q->rx + q->tx + q->tx_dropped + q->gen_seq;
	bool kicked;

	kicked = vub_kick_take(vid, 2 * qp);
	kicked |= vub_kick_take(vid, 2 * qp + 1);
	if (!kicked && !q->kick_work)
		return false;
	vub_qp_poll(d, vid, conn_gen, qp, now);
	q->kick_work = q->rx + q->tx + q->tx_dropped + q->gen_seq != before;
	return q->kick_work;
}

/* Kick-driven and idle: sleep until a kick on any vring of vid, at most timeout_ms. */
static void
vub_kick_wait(int vid, int timeout_ms)
{
	struct pollfd fds[VUB_MAX_VRING];
	struct rte_vhost_vring vr;
	uint16_t i, n = 0, nr = RTE_MIN(rte_vhost_get_vring_num(vid), VUB_MAX_VRING);

	for (i = 0; i < nr; i++)
		if (rte_vhost_get_vhost_vring(vid, i, &vr) == 0 && vr.kickfd >= 0)
			fds[n++] = (struct pollfd){ .fd = vr.kickfd, .events = POLLIN };
	if (n > 0)
		(void)poll(fds, n, timeout_ms);
}

static void
vub_poll_all(uint64_t now)
{
	int vid, max_vid = __atomic_load_n(&vub.max_vid, __ATOMIC_RELAXED);
	unsigned int qp, nr_qp;
	bool busy;

	for (vid = 0; vid < max_vid; vid++) {
		struct vub_dev *d = &vub_devs[vid];
		uint32_t conn_gen;

		__atomic_store_n(&d->busy, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&d->running, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&d->busy, 0, __ATOMIC_RELEASE);
			continue;
		}
		conn_gen = __atomic_load_n(&d->conn_gen, __ATOMIC_RELAXED);
		if (conn_gen != d->poll_gen) {
			/* A reconnected peer restarts its sequence numbers. */
			if (vub.polled_devices++ > 0)
				vu_seq_track_restart(vub.track);
			d->poll_gen = conn_gen;
		}
		nr_qp = RTE_MIN(rte_vhost_get_vring_num(vid) / 2u, VUB_MAX_QP);
		busy = false;
		for (qp = 0; qp < nr_qp; qp++) {
			if (!vub.cfg.kick_driven)
				vub_qp_poll(d, vid, conn_gen, qp, now);
			else
				busy |= vub_qp_poll_kicked(d, vid, conn_gen, qp, now);
		}
		/* One device at a time in kick-driven tests: wait on its kicks. */
		if (vub.cfg.kick_driven && !busy)
			vub_kick_wait(vid, 10);
		__atomic_store_n(&d->busy, 0, __ATOMIC_RELEASE);
	}
}

/* Have the count expectations been met on every queue pair? */
/* Packets of ours received on a queue pair (foreign frames excluded). */
static uint64_t
vub_rx_ours(const struct vub_queue *q)
{
	return q->rx - q->rx_foreign;
}

static bool
vub_counts_met(void)
{
	const struct vub_config *c = &vub.cfg;
	unsigned int qp;

	if (c->count == 0)
		return false;
	for (qp = 0; qp < c->queues; qp++) {
		const struct vub_queue *q = &vub.q[qp];

		if (c->mode == VUB_GEN_VERIFY && q->tx < c->count)
			return false;
		if (vub_rx_ours(q) < c->count || q->nb_pend > 0)
			return false;
	}
	return true;
}

/* Print one queue pair and check its counts; false if an expectation failed. */
static bool
vub_queue_summary(unsigned int qp)
{
	const struct vub_config *c = &vub.cfg;
	const struct vub_queue *q = &vub.q[qp];
	bool pass = q->rx_bad == 0 && q->tx_dropped == 0;

	printf("VU-BACKEND-Q q=%u rx=%" PRIu64 " rx_bad=%" PRIu64 " rx_foreign=%" PRIu64
	       " tx=%" PRIu64 " tx_dropped=%" PRIu64 "\n", qp, q->rx, q->rx_bad, q->rx_foreign,
	       q->tx, q->tx_dropped);
	if (c->count == 0 || qp >= c->queues)
		return pass;
	if (vub_rx_ours(q) != c->count) {
		printf("VU-BACKEND fail q=%u: received %" PRIu64 ", expected %" PRIu64 "\n",
		       qp, vub_rx_ours(q), c->count);
		pass = false;
	}
	if (c->mode == VUB_GEN_VERIFY && q->tx != c->count) {
		printf("VU-BACKEND fail q=%u: sent %" PRIu64 ", expected %" PRIu64 "\n",
		       qp, q->tx, c->count);
		pass = false;
	}
	return pass;
}

static int
vub_summary(bool timed_out)
{
	const struct vub_config *c = &vub.cfg;
	uint64_t rx = 0, rx_bad = 0, rx_foreign = 0, tx = 0, tx_dropped = 0;
	unsigned int qp, seen = 0;
	bool pass = !(timed_out && c->count > 0);

	for (qp = 0; qp < VUB_MAX_QP; qp++) {
		const struct vub_queue *q = &vub.q[qp];

		if (q->rx == 0 && q->tx == 0 && q->tx_dropped == 0 && qp >= c->queues)
			continue;
		pass &= vub_queue_summary(qp);
		rx += q->rx;
		rx_bad += q->rx_bad;
		rx_foreign += q->rx_foreign;
		tx += q->tx;
		tx_dropped += q->tx_dropped;
		seen += q->rx > 0;
	}
	if (c->count > 0 && seen != c->queues) {
		printf("VU-BACKEND fail: traffic on %u queue pairs, expected %u\n",
		       seen, c->queues);
		pass = false;
	}
	if (timed_out && c->count > 0)
		printf("VU-BACKEND fail: timeout after %u s\n", c->timeout_s);
	printf("VU-BACKEND rx=%" PRIu64 " rx_bad=%" PRIu64 " rx_foreign=%" PRIu64 " tx=%" PRIu64
	       " tx_dropped=%" PRIu64 " queues_seen=%u mode=%s devices=%u connections=%u"
	       " result=%s\n", rx, rx_bad, rx_foreign, tx, tx_dropped, seen,
	       vub_mode_names[c->mode], __atomic_load_n(&vub.devices, __ATOMIC_RELAXED),
	       __atomic_load_n(&vub.connections, __ATOMIC_RELAXED), pass ? "PASS" : "FAIL");
	fflush(stdout);
	return pass ? 0 : 1;
}

static void
vub_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- --socket PATH [--client] [--queues N]\n"
		"  [--mode echo|verify|gen-verify|sink] [--check] [--count N] [--size S[,S...]]\n"
		"  [--segs K] [--gen-now] [--foreign-ok] [--disable-features HEXMASK]\n"
		"  [--timeout SEC] [--stall-ms MS] [--linger-ms MS] [--pool-size N]\n"
		"  [--mbuf-size BYTES] [--kick-driven] [--drop-full] [--batch N]\n"
		"modes: echo loops Tx back to Rx (--check: verify too); verify checks what\n"
		"  arrives; sink only counts; gen-verify also sends --count packets per queue\n"
		"  pair (after the first packet received there, unless --gen-now)\n"
		"--kick-driven: a queue pair is served only after the driver kicks it (as\n"
		"  vdpa_sim_net); --drop-full: what the Rx vring cannot take is dropped, not\n"
		"  retried (as a NIC); --batch N: gen-verify sends N packets, then waits\n"
		"  until all came back before the next N\n", prog);
}

/* Option table: every option, its kind, bounds and destination field. */
enum vub_opt_kind { VUB_OPT_FLAG, VUB_OPT_NUM, VUB_OPT_STR, VUB_OPT_MODE, VUB_OPT_SIZES };

struct vub_opt {
	const char *name;
	enum vub_opt_kind kind;
	uint64_t min, max;
	size_t off;
	unsigned int width; /* bytes of the destination field (flags, numbers) */
};

#define VUB_FIELD(field) offsetof(struct vub_config, field), \
	sizeof(((struct vub_config *)0)->field)

static const struct vub_opt vub_opts[] = {
	{ "socket", VUB_OPT_STR, 0, 0, VUB_FIELD(socket) },
	{ "client", VUB_OPT_FLAG, 0, 0, VUB_FIELD(client) },
	{ "check", VUB_OPT_FLAG, 0, 0, VUB_FIELD(check_echo) },
	{ "gen-now", VUB_OPT_FLAG, 0, 0, VUB_FIELD(gen_now) },
	{ "foreign-ok", VUB_OPT_FLAG, 0, 0, VUB_FIELD(foreign_ok) },
	{ "kick-driven", VUB_OPT_FLAG, 0, 0, VUB_FIELD(kick_driven) },
	{ "drop-full", VUB_OPT_FLAG, 0, 0, VUB_FIELD(drop_full) },
	{ "mode", VUB_OPT_MODE, 0, 0, VUB_FIELD(mode) },
	{ "size", VUB_OPT_SIZES, 0, 0, VUB_FIELD(sizes) },
	{ "queues", VUB_OPT_NUM, 1, VUB_MAX_QP, VUB_FIELD(queues) },
	{ "count", VUB_OPT_NUM, 0, UINT32_MAX, VUB_FIELD(count) },
	{ "segs", VUB_OPT_NUM, 0, VU_PKT_MAX_SEGS, VUB_FIELD(segs) },
	{ "disable-features", VUB_OPT_NUM, 0, UINT64_MAX, VUB_FIELD(disable_features) },
	{ "timeout", VUB_OPT_NUM, 1, 86400, VUB_FIELD(timeout_s) },
	{ "stall-ms", VUB_OPT_NUM, 1, 3600000, VUB_FIELD(stall_ms) },
	{ "linger-ms", VUB_OPT_NUM, 0, 3600000, VUB_FIELD(linger_ms) },
	{ "pool-size", VUB_OPT_NUM, 1024, 1u << 22, VUB_FIELD(pool_size) },
	{ "mbuf-size", VUB_OPT_NUM, RTE_PKTMBUF_HEADROOM + 64, UINT16_MAX, VUB_FIELD(mbuf_size) },
	{ "batch", VUB_OPT_NUM, 0, UINT32_MAX, VUB_FIELD(batch) },
};

static int
vub_opt_mode(struct vub_config *c, const char *arg)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(vub_mode_names); i++) {
		if (strcmp(arg, vub_mode_names[i]) == 0) {
			c->mode = (enum vub_mode)i;
			return 0;
		}
	}
	fprintf(stderr, "vu-test-backend: --mode '%s' unknown\n", arg);
	return -EINVAL;
}

static int
vub_opt_sizes(struct vub_config *c, const char *arg)
{
	int n = vu_pkt_parse_sizes(arg, c->sizes, VUB_MAX_SIZES);

	if (n < 0) {
		fprintf(stderr, "vu-test-backend: --size '%s': want up to %u sizes in [%u, %u]\n",
			arg, VUB_MAX_SIZES, VU_PKT_MIN_LEN, VU_PKT_MAX_LEN);
		return n;
	}
	c->nb_sizes = (unsigned int)n;
	return 0;
}

static int
vub_opt_set(struct vub_config *c, const struct vub_opt *o, const char *arg)
{
	uint8_t *dst = (uint8_t *)c + o->off;
	uint64_t v;

	switch (o->kind) {
	case VUB_OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case VUB_OPT_STR:
		*(const char **)dst = arg;
		return 0;
	case VUB_OPT_MODE:
		return vub_opt_mode(c, arg);
	case VUB_OPT_SIZES:
		return vub_opt_sizes(c, arg);
	case VUB_OPT_NUM:
		break;
	}
	if (vu_parse_u64(arg, o->min, o->max, &v) < 0) {
		fprintf(stderr, "vu-test-backend: --%s '%s': expected an integer in [%" PRIu64
			", %" PRIu64 "]\n", o->name, arg, o->min, o->max);
		return -EINVAL;
	}
	if (o->width == sizeof(uint32_t))
		*(uint32_t *)dst = (uint32_t)v;
	else
		*(uint64_t *)dst = v;
	return 0;
}

static int
vub_parse_args(int argc, char **argv, struct vub_config *c)
{
	struct option opts[RTE_DIM(vub_opts) + 1];
	unsigned int i;
	int opt, idx, ret = 0;

	memset(opts, 0, sizeof(opts));
	for (i = 0; i < RTE_DIM(vub_opts); i++)
		opts[i] = (struct option){ vub_opts[i].name, vub_opts[i].kind == VUB_OPT_FLAG ?
					   no_argument : required_argument, NULL, 0 };
	while (ret == 0 && (opt = getopt_long(argc, argv, "", opts, &idx)) != -1)
		ret = opt == 0 ? vub_opt_set(c, &vub_opts[idx], optarg) : -EINVAL;
	if (ret == 0 && (c->socket == NULL || optind != argc)) {
		fprintf(stderr, "vu-test-backend: %s\n", c->socket == NULL ?
			"--socket is required" : "unexpected positional argument");
		ret = -EINVAL;
	}
	return ret;
}

static void
vub_config_defaults(struct vub_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = VUB_ECHO;
	c->queues = 1;
	c->sizes[0] = 64;
	c->nb_sizes = 1;
	c->timeout_s = 60;
	c->stall_ms = 3000;
	c->linger_ms = 3000;
	c->pool_size = 8192;
	c->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
}

static int
vub_vhost_setup(const struct vub_config *c)
{
	uint64_t flags = c->client ? RTE_VHOST_USER_CLIENT : 0;
	struct stat st;
	int ret;

	/* A stale socket from a killed run would make bind() fail. */
	if (!c->client && stat(c->socket, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(c->socket);
	ret = rte_vhost_driver_register(c->socket, flags);
	if (ret != 0) {
		fprintf(stderr, "vu-test-backend: register %s failed\n", c->socket);
		return -EIO;
	}
	if (c->disable_features != 0 &&
	    rte_vhost_driver_disable_features(c->socket, c->disable_features) != 0) {
		fprintf(stderr, "vu-test-backend: disable features 0x%" PRIx64 " failed\n",
			c->disable_features);
		goto fail;
	}
	if (rte_vhost_driver_callback_register(c->socket, &vub_ops) != 0) {
		fprintf(stderr, "vu-test-backend: callback register failed\n");
		goto fail;
	}
	if (rte_vhost_driver_start(c->socket) != 0) {
		fprintf(stderr, "vu-test-backend: start %s failed\n", c->socket);
		goto fail;
	}
	return 0;
fail:
	rte_vhost_driver_unregister(c->socket);
	return -EIO;
}

/* Poll until done, stopped or timed out; returns true on timeout. */
static bool
vub_run(void)
{
	const struct vub_config *c = &vub.cfg;
	uint64_t start = vu_now_ns(), now = start;
	uint64_t deadline = start + (uint64_t)c->timeout_s * 1000000000u;

	while (!vub_stop) {
		now = vu_now_ns();
		if (now >= deadline)
			return true;
		vub_poll_all(now);
		if (vub.done_ns == 0 && vub_counts_met()) {
			vub.done_ns = now;
			printf("VU-BACKEND event=done\n");
			fflush(stdout);
		}
		/*
		 * Linger after the counts are met, to catch extras and to let the peer
		 * drain and stop while the connection is still up.
		 */
		if (vub.done_ns != 0 && (__atomic_load_n(&vub.live_connections,
							 __ATOMIC_ACQUIRE) == 0 ||
		    now - vub.done_ns >= (uint64_t)c->linger_ms * 1000000u))
			return false;
	}
	return false;
}

int
main(int argc, char **argv)
{
	struct vub_config *c = &vub.cfg;
	unsigned int qp;
	bool timed_out;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vu-test-backend: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"vu-test-backend";
	vub_config_defaults(c);
	if (vub_parse_args(argc, argv, c) < 0) {
		vub_usage("vu-test-backend");
		ret = 2;
		goto out_eal;
	}
	vub.track = calloc(1, sizeof(*vub.track));
	vub.mp = rte_pktmbuf_pool_create("vub_pool", c->pool_size, 256, 0,
					 (uint16_t)c->mbuf_size, rte_socket_id());
	if (vub.track == NULL || vub.mp == NULL) {
		fprintf(stderr, "vu-test-backend: out of memory (pool of %u x %u)\n",
			c->pool_size, c->mbuf_size);
		ret = 2;
		goto out_mem;
	}
	vu_seq_track_init(vub.track);
	signal(SIGINT, vub_signal);
	signal(SIGTERM, vub_signal);
	if (vub_vhost_setup(c) < 0) {
		ret = 2;
		goto out_mem;
	}
	printf("VU-BACKEND event=listening socket=%s mode=%s client=%d queues=%u count=%" PRIu64
	       "\n", c->socket, vub_mode_names[c->mode], c->client, c->queues, c->count);
	fflush(stdout);
	timed_out = vub_run();
	/* Tears down live connections; destroy_device waits for no poller: none runs. */
	rte_vhost_driver_unregister(c->socket);
	for (qp = 0; qp < VUB_MAX_QP; qp++) {
		struct vub_queue *q = &vub.q[qp];

		/* Echo packets still queued at exit were never delivered. */
		if (q->nb_pend > 0)
			vub_pend_drop(q);
	}
	ret = vub_summary(timed_out);
out_mem:
	rte_mempool_free(vub.mp);
	free(vub.track);
out_eal:
	rte_eal_cleanup();
	return ret;
}
