/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring datapath against an in-process device model: no vhost, no
 * ethdev port, no hugepages (EAL runs --no-shconf --no-huge only to back
 * memzones and the mbuf pool).  The fake device reads the avail ring and
 * descriptors through the layout the driver hands to the transport, and
 * writes used entries -- honest ones for the functional cases, hostile ones
 * (bad ids, lengths, num_buffers, used idx jumps) for the robustness cases.
 * Every case ends with stop + a full mempool check: no mbuf is leaked.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <ethdev_driver.h>

#include "test_harness.h"
#include "test_port.h"
#include "virtio.h"
#include "virtio_logs.h"
#include "virtio_ring.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

RTE_LOG_REGISTER(virtio_logtype_init, pmd.net.virtio.init, NOTICE);
RTE_LOG_REGISTER(virtio_logtype_driver, pmd.net.virtio.driver, NOTICE);

#define POOL_SIZE	2047
#define RING_SIZE	256
#define HDR_SIZE	12
#define DATA_ROOM	(2048 + RTE_PKTMBUF_HEADROOM)
#define RX_FULL		2048	/* a frame that fills one Rx buffer to its end */

/* Descriptors carry IOVAs when false; --no-huge runs IOVA as VA, so the fake
 * device can still dereference them. */
static bool use_va = true;
/* Ports ask for the vector Rx (vectorized=1) when true. */
static bool use_vec;

/* ---- the device side ---- */

struct fdev {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t size;
	uint16_t last_avail;
	uint16_t used_shadow;
};

static void
fdev_bind(struct fdev *d, const struct virtqueue *vq)
{
	struct virtio_vq_layout l;

	virtqueue_get_layout(vq, &l);
	d->desc = (void *)(uintptr_t)l.desc_addr;
	d->avail = (void *)(uintptr_t)l.avail_addr;
	d->used = (void *)(uintptr_t)l.used_addr;
	d->size = l.size;
	d->last_avail = 0;
	d->used_shadow = 0;
}

static uint16_t
fdev_avail_pending(const struct fdev *d)
{
	return (uint16_t)(__atomic_load_n(&d->avail->idx, __ATOMIC_ACQUIRE) - d->last_avail);
}

static uint16_t
fdev_avail_pop(struct fdev *d)
{
	return d->avail->ring[d->last_avail++ & (d->size - 1)];
}

static void
fdev_used_put(struct fdev *d, uint32_t id, uint32_t len)
{
	struct vring_used_elem *e = &d->used->ring[d->used_shadow++ & (d->size - 1)];

	e->id = id;
	e->len = len;
}

static void
fdev_used_flush(struct fdev *d)
{
	__atomic_store_n(&d->used->idx, d->used_shadow, __ATOMIC_RELEASE);
}

/*
 * Deliver one frame into as many Rx buffers as it needs (one unless mrg).
 * 'nbufs_override' >= 0 writes that num_buffers instead of the true count.
 */
static int
fdev_rx_frame(struct fdev *d, const uint8_t *frame, uint32_t len, bool mrg, int nbufs_override)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = { .hdr = { 0 } };
	struct virtio_net_hdr_mrg_rxbuf *first = NULL;
	uint32_t total = HDR_SIZE + len, off = 0, n, k;
	uint16_t nbufs = 0, id;
	uint8_t *dst;

	while (off < total) {
		if (fdev_avail_pending(d) == 0 || (!mrg && nbufs > 0))
			return -1;
		id = fdev_avail_pop(d);
		if (!(d->desc[id].flags & VRING_DESC_F_WRITE))
			return -1;
		dst = (uint8_t *)(uintptr_t)d->desc[id].addr;
		n = RTE_MIN(d->desc[id].len, total - off);
		for (k = 0; k < n; k++, off++)
			dst[k] = off < HDR_SIZE ? ((uint8_t *)&hdr)[off] : frame[off - HDR_SIZE];
		if (first == NULL)
			first = (void *)dst;
		fdev_used_put(d, id, n);
		nbufs++;
	}
	first->num_buffers = nbufs_override >= 0 ? (uint16_t)nbufs_override : nbufs;
	fdev_used_flush(d);
	return nbufs;
}

/*
 * Gather the chain at 'head' (direct or indirect) into out[]; returns the
 * byte count or -1 on a malformed chain.  Header bytes come first.
 */
static int
fdev_tx_gather(struct fdev *d, uint16_t head, uint8_t *out, uint32_t cap)
{
	const struct vring_desc *tbl = d->desc;
	uint32_t n = d->size, len = 0, hops = 0;
	uint16_t i = head;

	if (d->desc[head].flags & VRING_DESC_F_INDIRECT) {
		tbl = (const void *)(uintptr_t)d->desc[head].addr;
		n = d->desc[head].len / sizeof(struct vring_desc);
		i = 0;
	}
	for (;;) {
		if (i >= n || ++hops > n || len + tbl[i].len > cap ||
		    (tbl[i].flags & VRING_DESC_F_WRITE))
			return -1;
		memcpy(out + len, (void *)(uintptr_t)tbl[i].addr, tbl[i].len);
		len += tbl[i].len;
		if (!(tbl[i].flags & VRING_DESC_F_NEXT))
			return (int)len;
		i = tbl[i].next;
	}
}

/* ---- the driver side harness ---- */

struct harness {
	struct th_port p;
	struct fdev rxd, txd;
	unsigned int kicks;
};

static struct harness *cur;

static void
fake_notify(struct virtio_hw *hw, uint16_t index)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(index);
	cur->kicks++;
}

static const struct virtio_ops fake_ops = {
	.notify_queue = fake_notify,
};

static struct virtqueue *
h_rxvq(struct harness *h)
{
	return h->p.hw.vqs[VIRTIO_RXQ_VQ(0)];
}

static struct virtqueue *
h_txvq(struct harness *h)
{
	return h->p.hw.vqs[VIRTIO_TXQ_VQ(0)];
}

static int
h_setup(struct harness *h, uint64_t features, uint16_t rx_desc, uint16_t tx_desc)
{
	const struct th_port_cfg cfg = {
		.ops = &fake_ops, .name = "ringtest", .features = features,
		.hdr_size = HDR_SIZE, .size = RING_SIZE, .rx_desc = rx_desc, .tx_desc = tx_desc,
		.use_va = use_va, .vec = use_vec, .rx_offloads = RTE_ETH_RX_OFFLOAD_SCATTER,
	};
	int ret;

	memset(h, 0, sizeof(*h));
	cur = h;
	ret = th_port_setup(&h->p, &cfg);
	fdev_bind(&h->rxd, h->p.vqs[0]);
	fdev_bind(&h->txd, h->p.vqs[1]);
	return ret;
}

static void
h_teardown(struct harness *h)
{
	th_port_teardown(&h->p, POOL_SIZE);
}

static void
make_frame(uint8_t *f, uint32_t len, uint8_t seed, bool bcast)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
	f[0] = bcast ? 0xff : 0x02;	/* unicast, locally administered */
	if (bcast)
		memset(f, 0xff, 6);
}

/* ---- functional cases ---- */

static void
test_rx(uint64_t features, bool mrg)
{
	static const uint32_t lens[] = { 60, 64, 100, 200, 511, 1000, 1514, 1518 };
	struct rte_mbuf *pkts[32];
	struct harness h;
	uint8_t frame[9100];
	struct virtnet_stats *st;
	uint16_t n, i;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	CHECK(h.kicks == 1);
	CHECK(fdev_avail_pending(&h.rxd) == RING_SIZE);
	for (i = 0; i < RTE_DIM(lens); i++) {
		make_frame(frame, lens[i], (uint8_t)i, i == 3);
		CHECK(fdev_rx_frame(&h.rxd, frame, lens[i], mrg, -1) == 1);
	}
	n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
	CHECK(n == RTE_DIM(lens));
	for (i = 0; i < n; i++) {
		make_frame(frame, lens[i], (uint8_t)i, i == 3);
		CHECK(th_mbuf_equals(pkts[i], frame, lens[i]));
		CHECK(pkts[i]->nb_segs == 1 && pkts[i]->port == 0);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	st = virtio_rxq_stats(h.p.rxqs[0]);
	CHECK(st->packets == RTE_DIM(lens) && st->errors == 0);
	CHECK(st->bytes == 60 + 64 + 100 + 200 + 511 + 1000 + 1514 + 1518);
	/* Nobody read the xstats yet: destination MACs are not looked at. */
	CHECK(st->broadcast == 0 && st->multicast == 0);
	CHECK(st->size_bins[0] == 1 && st->size_bins[1] == 1 && st->size_bins[2] == 1);
	CHECK(st->size_bins[3] == 1 && st->size_bins[4] == 1 && st->size_bins[5] == 1);
	CHECK(st->size_bins[6] == 2 && st->size_bins[7] == 0);
	/* Armed (as by the first xstats query): broadcast, multicast, unicast. */
	virtio_dst_stats_arm(&h.p.dev);
	make_frame(frame, 64, 1, true);
	CHECK(fdev_rx_frame(&h.rxd, frame, 64, mrg, -1) == 1);
	make_frame(frame, 64, 2, false);
	frame[0] = 0x01;	/* 01:00:5e:..: IPv4 multicast group */
	CHECK(fdev_rx_frame(&h.rxd, frame, 64, mrg, -1) == 1);
	make_frame(frame, 64, 3, false);
	CHECK(fdev_rx_frame(&h.rxd, frame, 64, mrg, -1) == 1);
	n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
	CHECK(n == 3);
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(st->broadcast == 1 && st->multicast == 1 && st->size_bins[1] == 4);

	if (mrg) {
		/* A 9000-byte jumbo across 2 KB buffers: one 5-segment mbuf. */
		make_frame(frame, 9000, 9, false);
		CHECK(fdev_rx_frame(&h.rxd, frame, 9000, true, -1) == 5);
		n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
		CHECK(n == 1);
		if (n == 1) {
			CHECK(pkts[0]->nb_segs == 5);
			CHECK(th_mbuf_equals(pkts[0], frame, 9000));
			rte_pktmbuf_free(pkts[0]);
		}
		CHECK(st->size_bins[7] == 1);
	}
	/* Ring stays full of fresh buffers across many rounds (wraps the ring). */
	for (i = 0; i < 3 * RING_SIZE; i++) {
		make_frame(frame, 128, (uint8_t)i, false);
		CHECK(fdev_rx_frame(&h.rxd, frame, 128, mrg, -1) == 1);
		n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
		CHECK(n == 1);
		if (n == 1) {
			CHECK(th_mbuf_equals(pkts[0], frame, 128));
			rte_pktmbuf_free(pkts[0]);
		}
	}
	CHECK(!virtqueue_is_broken(h_rxvq(&h)));
	h_teardown(&h);
}

/* Transmit 'n' frames of the given segment layout and check what the device sees. */
static void
tx_round(struct harness *h, uint16_t nsegs, uint32_t seglen, uint8_t seed, bool clone)
{
	struct rte_mbuf *pkts[8], *m, *seg, *c;
	uint8_t frame[9100], got[9300];
	uint32_t len = nsegs * seglen;
	uint16_t i, k, n, head;
	int glen;

	make_frame(frame, len, seed, false);
	for (i = 0; i < 8; i++) {
		m = rte_pktmbuf_alloc(h->p.mp);
		memcpy(rte_pktmbuf_append(m, seglen), frame, seglen);
		for (k = 1; k < nsegs; k++) {
			seg = rte_pktmbuf_alloc(h->p.mp);
			memcpy(rte_pktmbuf_append(seg, seglen), frame + k * seglen, seglen);
			rte_pktmbuf_chain(m, seg);
		}
		if (clone) {
			c = rte_pktmbuf_clone(m, h->p.mp);
			rte_pktmbuf_free(m);
			m = c;
		}
		pkts[i] = m;
	}
	n = h->p.dev.tx_pkt_burst(h->p.txqs[0], pkts, 8);
	CHECK(n == 8);
	CHECK(fdev_avail_pending(&h->txd) == 8);
	while (fdev_avail_pending(&h->txd) > 0) {
		head = fdev_avail_pop(&h->txd);
		glen = fdev_tx_gather(&h->txd, head, got, sizeof(got));
		CHECK(glen == (int)(len + HDR_SIZE));
		CHECK(glen > HDR_SIZE && memcmp(got + HDR_SIZE, frame, len) == 0);
		CHECK(((struct virtio_net_hdr *)got)->flags == 0);
		fdev_used_put(&h->txd, head, 0);
	}
	fdev_used_flush(&h->txd);
}

static void
test_tx(uint64_t features)
{
	struct harness h;
	struct virtnet_stats *st;
	int r;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	for (r = 0; r < 100; r++) {	/* > 3 ring wraps with mixed chain lengths */
		tx_round(&h, 1, 100, (uint8_t)r, false);	/* header pushed */
		tx_round(&h, 1, 100, (uint8_t)r, true);		/* clone: no push */
		tx_round(&h, 3, 700, (uint8_t)r, false);	/* indirect or chain */
		tx_round(&h, 5, 1800, (uint8_t)r, false);	/* jumbo */
	}
	st = virtio_txq_stats(h.p.txqs[0]);
	CHECK(st->packets == 100 * 4 * 8 && st->errors == 0);
	CHECK(!virtqueue_is_broken(h_txvq(&h)));
	h_teardown(&h);	/* reclaims what the device completed and what it did not */
}

/*
 * A pushed header lands in whatever the headroom held (it is only stored
 * when not zero already): stale bytes there must never reach the device.
 * Tx multicast/broadcast counters start with the first xstats query.
 */
static void
test_tx_headroom_dst(uint64_t features)
{
	uint8_t frame[64], got[128];
	struct virtnet_stats *st;
	struct rte_mbuf *m;
	struct harness h;
	uint16_t head;
	int round, glen;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	st = virtio_txq_stats(h.p.txqs[0]);
	for (round = 0; round < 2; round++) {
		if (round == 1)
			virtio_dst_stats_arm(&h.p.dev);
		make_frame(frame, sizeof(frame), (uint8_t)round, true);
		m = rte_pktmbuf_alloc(h.p.mp);
		memset(m->buf_addr, 0xab, m->data_off);	/* a dirty headroom */
		memcpy(rte_pktmbuf_append(m, sizeof(frame)), frame, sizeof(frame));
		CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
		head = fdev_avail_pop(&h.txd);
		glen = fdev_tx_gather(&h.txd, head, got, sizeof(got));
		CHECK(glen == (int)sizeof(frame) + HDR_SIZE);
		CHECK(glen > HDR_SIZE && memcmp(got + HDR_SIZE, frame, sizeof(frame)) == 0);
		CHECK(memcmp(got, (const uint8_t[HDR_SIZE]){ 0 }, HDR_SIZE) == 0);
		fdev_used_put(&h.txd, head, 0);
		fdev_used_flush(&h.txd);
		CHECK(st->broadcast == (uint64_t)round && st->multicast == 0);
	}
	CHECK(st->packets == 2 && st->size_bins[1] == 2);
	h_teardown(&h);
}

/* Mergeable Rx: see th_rx_mrg_short_first. */
static void
test_rx_mrg_short_first(uint64_t features)
{
	struct harness h;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	th_rx_mrg_short_first(&h.p, &h.rxd, fdev_rx_frame);
	h_teardown(&h);
}

/* CSUM negotiated: a TCP checksum request becomes NEEDS_CSUM in the header. */
static void
test_tx_offload(uint64_t features)
{
	struct virtio_net_hdr *vh;
	struct rte_mbuf *m;
	struct harness h;
	uint8_t got[256];
	uint16_t head;

	CHECK(h_setup(&h, features | VIRTIO_BIT(VIRTIO_NET_F_CSUM), 0, 0) == 0);
	m = rte_pktmbuf_alloc(h.p.mp);
	memset(rte_pktmbuf_append(m, 100), 0, 100);
	m->l2_len = 14;
	m->l3_len = 20;
	m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
	head = fdev_avail_pop(&h.txd);
	CHECK(fdev_tx_gather(&h.txd, head, got, sizeof(got)) == 100 + HDR_SIZE);
	vh = (struct virtio_net_hdr *)got;
	CHECK(vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && vh->csum_start == 34);
	CHECK(vh->csum_offset == 16 && vh->gso_type == VIRTIO_NET_HDR_GSO_NONE);
	h_teardown(&h);
}

static void
test_kick(void)
{
	struct rte_mbuf *m;
	struct harness h;

	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 0, 0) == 0);
	h.kicks = 0;
	h.txd.used->flags = VRING_USED_F_NO_NOTIFY;
	m = rte_pktmbuf_alloc(h.p.mp);
	rte_pktmbuf_append(m, 60);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
	CHECK(h.kicks == 0);
	h.txd.used->flags = 0;
	m = rte_pktmbuf_alloc(h.p.mp);
	rte_pktmbuf_append(m, 60);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
	CHECK(h.kicks == 1);
	CHECK(h.rxd.avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
	CHECK(h.txd.avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
	h_teardown(&h);
}

/* nb_desc below the ring size caps the buffers posted. */
static void
test_nb_desc(void)
{
	struct harness h;

	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 64, 32) == 0);
	CHECK(fdev_avail_pending(&h.rxd) == 64);
	h_teardown(&h);
	/* Restart after stop: the ring is refilled from scratch. */
	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 0, 0) == 0);
	virtio_dev_rxtx_stop(&h.p.dev);
	CHECK(virtio_dev_rxtx_start(&h.p.dev) == 0);
	fdev_bind(&h.rxd, h_rxvq(&h));
	CHECK(fdev_avail_pending(&h.rxd) == RING_SIZE);
	h_teardown(&h);
}

/* ---- hostile device ---- */

enum hostile {
	H_ID_RANGE,		/* used id >= ring size */
	H_ID_NOT_INFLIGHT,	/* same id twice */
	H_IDX_JUMP,		/* used idx far beyond what is in flight */
	H_LEN_LONG,		/* len beyond the buffer: drop, not broken */
	H_LEN_SHORT,		/* len below header + Ethernet: drop */
	H_NBUF_ZERO,		/* full first buffer, num_buffers 0: drop */
	H_NBUF_MANY,		/* full first buffer, num_buffers beyond what is used: drop */
	H_INORDER_ID,		/* in order: id out of sequence */
};

static void
test_rx_hostile(enum hostile what, uint64_t features)
{
	bool mrg = features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	bool expect_broken = what == H_ID_RANGE || what == H_ID_NOT_INFLIGHT ||
			     what == H_IDX_JUMP || what == H_INORDER_ID;
	struct rte_mbuf *pkts[32];
	struct virtnet_stats *st;
	uint8_t frame[RX_FULL];
	struct harness h;
	uint16_t n, id;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	st = virtio_rxq_stats(h.p.rxqs[0]);
	make_frame(frame, RX_FULL, 1, false);
	switch (what) {
	case H_ID_RANGE:
		fdev_avail_pop(&h.rxd);
		fdev_used_put(&h.rxd, 0x10000 + 3, 100);
		break;
	case H_ID_NOT_INFLIGHT:
		id = fdev_avail_pop(&h.rxd);
		fdev_used_put(&h.rxd, id, 100);
		fdev_used_put(&h.rxd, id, 100);
		break;
	case H_IDX_JUMP:
		h.rxd.used_shadow = 40000;
		break;
	case H_LEN_LONG:
		fdev_used_put(&h.rxd, fdev_avail_pop(&h.rxd), 2048 + HDR_SIZE + 1);
		break;
	case H_LEN_SHORT:
		fdev_used_put(&h.rxd, fdev_avail_pop(&h.rxd), HDR_SIZE + 13);
		break;
	case H_NBUF_ZERO:
		fdev_rx_frame(&h.rxd, frame, RX_FULL, mrg, 0);
		break;
	case H_NBUF_MANY:
		fdev_rx_frame(&h.rxd, frame, RX_FULL, mrg, 7);
		break;
	case H_INORDER_ID:
		fdev_avail_pop(&h.rxd);
		id = fdev_avail_pop(&h.rxd);
		fdev_used_put(&h.rxd, id, 100);	/* second buffer first */
		break;
	}
	fdev_used_flush(&h.rxd);
	n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(virtqueue_is_broken(h_rxvq(&h)) == expect_broken);
	if (!expect_broken) {
		CHECK(n == 0 && st->errors == 1);
		/* The queue goes on: an honest frame still arrives. */
		CHECK(fdev_rx_frame(&h.rxd, frame, 100, mrg, -1) == 1);
		n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
		CHECK(n == 1 && th_mbuf_equals(pkts[0], frame, 100));
		rte_pktmbuf_free_bulk(pkts, n);
	} else {
		/* Broken: later bursts return 0 and leave the ring alone. */
		uint16_t avail = h.rxd.avail->idx;

		fdev_rx_frame(&h.rxd, frame, 100, mrg, -1);
		CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32) == 0);
		CHECK(h.rxd.avail->idx == avail);
	}
	h_teardown(&h);
}

static void
test_tx_hostile(enum hostile what, uint64_t features)
{
	struct rte_mbuf *pkts[4];
	struct harness h;
	uint16_t i, head;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	for (i = 0; i < 4; i++) {
		pkts[i] = rte_pktmbuf_alloc(h.p.mp);
		rte_pktmbuf_append(pkts[i], 60);
	}
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 4) == 4);
	switch (what) {
	case H_ID_RANGE:
		fdev_used_put(&h.txd, RING_SIZE + 1, 0);
		break;
	case H_ID_NOT_INFLIGHT:
		head = fdev_avail_pop(&h.txd);
		fdev_used_put(&h.txd, head, 0);
		fdev_used_put(&h.txd, head, 0);
		break;
	default:
		h.txd.used_shadow = 40000;
		break;
	}
	fdev_used_flush(&h.txd);
	/* Force a reclaim: fill the ring until it must look at the used ring. */
	for (i = 0; i < RING_SIZE && !virtqueue_is_broken(h_txvq(&h)); i++) {
		pkts[0] = rte_pktmbuf_alloc(h.p.mp);
		rte_pktmbuf_append(pkts[0], 60);
		if (h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) != 1)
			rte_pktmbuf_free(pkts[0]);
	}
	CHECK(virtqueue_is_broken(h_txvq(&h)));
	pkts[0] = rte_pktmbuf_alloc(h.p.mp);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) == 0);
	rte_pktmbuf_free(pkts[0]);
	h_teardown(&h);
}

/* Control-queue style chains through the slow-path buffer API. */
static void
test_cvq(uint64_t features)
{
	struct virtqueue_buf bufs[3];
	struct virtqueue *vq = NULL;
	uint8_t got[64], *mem, *status;
	struct harness h;
	uint64_t base;
	uint32_t len;
	size_t sz;
	uint16_t head;
	int i, k;

	CHECK(h_setup(&h, features, 0, 0) == 0);
	CHECK(virtqueue_create(&h.p.hw, 2, 64, SOCKET_ID_ANY, &vq) == 0);
	if (vq == NULL)
		return;
	h.p.hw.vqs[2] = vq;
	CHECK(virtqueue_create(&h.p.hw, 3, 64, SOCKET_ID_ANY, &h.p.hw.vqs[2]) == -EINVAL);
	h.p.hw.vqs[2] = vq;
	mem = virtqueue_hdr_mem(vq, &base, &sz);
	CHECK(mem != NULL && sz >= 64);
	fdev_bind(&h.txd, vq);
	for (i = 0; i < 200; i++) {	/* wraps the 64-entry ring */
		for (k = 0; k < 4; k++)
			mem[k] = (uint8_t)(i + k);
		bufs[0] = (struct virtqueue_buf){ base, 2 };
		bufs[1] = (struct virtqueue_buf){ base + 2, 2 };
		bufs[2] = (struct virtqueue_buf){ base + 32, 1 };
		CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == 0);
		CHECK(virtqueue_get_used(vq, &len) == NULL);
		head = fdev_avail_pop(&h.txd);
		/* Device: read the 2 readable buffers, write 1 status byte. */
		CHECK(fdev_tx_gather(&h.txd, head, got, sizeof(got)) == -1);	/* has WRITE */
		k = h.txd.desc[h.txd.desc[head].next].next;
		status = (uint8_t *)(uintptr_t)h.txd.desc[k].addr;
		*status = 0;
		fdev_used_put(&h.txd, head, 1);
		fdev_used_flush(&h.txd);
		CHECK(virtqueue_get_used(vq, &len) == &h && len == 1);
	}
	CHECK(!virtqueue_is_broken(vq));
	/* A duplicate completion is a device error. */
	CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == 0);
	head = fdev_avail_pop(&h.txd);
	fdev_used_put(&h.txd, head, 1);
	fdev_used_put(&h.txd, head, 1);
	fdev_used_flush(&h.txd);
	CHECK(virtqueue_get_used(vq, &len) == &h);
	CHECK(virtqueue_get_used(vq, &len) == NULL && virtqueue_is_broken(vq));
	CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == -EIO);
	virtqueue_destroy(vq);
	h.p.hw.vqs[2] = NULL;
	h_teardown(&h);
}

/* ---- vector Rx (vectorized=1) ---- */

/* One single-buffer frame into Rx buffer 'id' (popped by the caller), used len 'used_len'. */
static void
fdev_rx_into(struct fdev *d, uint16_t id, const uint8_t *frame, uint32_t len, uint32_t used_len)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)d->desc[id].addr;

	memset(dst, 0, HDR_SIZE);
	memcpy(dst + HDR_SIZE, frame, len);
	fdev_used_put(d, id, used_len);
}

/* Which Rx burst start chose: the vector one exactly when it applies. */
static void
test_rx_vec_select(void)
{
	const uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	const uint64_t ino = VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	const uint64_t mrg = VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	struct harness h;

	use_vec = true;
	CHECK(h_setup(&h, v1, 0, 0) == 0);
	CHECK(h.p.dev.rx_pkt_burst == virtio_split_recv_vec);
	h_teardown(&h);
	CHECK(h_setup(&h, v1 | ino, 0, 0) == 0);
	CHECK(h.p.dev.rx_pkt_burst == virtio_split_recv_vec_inorder);
	h_teardown(&h);
	CHECK(h_setup(&h, v1 | mrg, 0, 0) == 0);
	CHECK(h.p.dev.rx_pkt_burst == virtio_split_recv_mrg);
	h_teardown(&h);
	use_vec = false;
	CHECK(h_setup(&h, v1 | ino, 0, 0) == 0);
	CHECK(h.p.dev.rx_pkt_burst == virtio_split_recv_inorder);
	h_teardown(&h);
}

/*
 * Many laps in bursts whose sizes and starts misalign the groups of four
 * with the ring's end; out of order the device completes each batch of 8
 * in a shuffled order (legal without IN_ORDER), so groups fail their id
 * check and the scalar steps take over for a while.  Every frame must come
 * out intact, in used order, and the free list must survive the laps.
 */
static void
test_rx_vec_laps(uint64_t features)
{
	static const uint8_t perm[8] = { 0, 1, 2, 3, 7, 5, 6, 4 };
	bool in_order = features & VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	struct rte_mbuf *pkts[32];
	uint8_t frame[1600];
	uint16_t ids[32], n, i, batch, round, got;
	uint32_t len, seq = 0, want = 0;
	uint64_t bytes = 0;
	struct harness h;

	use_vec = true;
	CHECK(h_setup(&h, features, 0, 0) == 0);
	for (round = 0; round < 200; round++) {
		batch = (uint16_t)(1 + (round * 7) % 31);
		for (i = 0; i < batch; i++)
			ids[i] = fdev_avail_pop(&h.rxd);
		for (i = 0; i < batch; i++) {
			/* Out of order: whole batches of 8 complete shuffled. */
			uint16_t j = !in_order && (i | 7) < batch ? (uint16_t)((i & ~7) + perm[i & 7]) : i;

			len = 60 + (seq + i) * 13 % 1459;
			make_frame(frame, len, (uint8_t)(seq + i), false);
			fdev_rx_into(&h.rxd, ids[j], frame, len, HDR_SIZE + len);
			bytes += len;
		}
		seq += batch;
		fdev_used_flush(&h.rxd);
		got = 0;
		while (got < batch) {
			n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, (uint16_t)(round % 3 == 0 ? 32 : 9));
			if (n == 0)
				break;
			for (i = 0; i < n; i++, want++) {
				len = 60 + want * 13 % 1459;
				make_frame(frame, len, (uint8_t)want, false);
				CHECK(th_mbuf_equals(pkts[i], frame, len));
				CHECK(pkts[i]->nb_segs == 1 && pkts[i]->ol_flags == 0 &&
				      pkts[i]->packet_type == 0 && pkts[i]->vlan_tci == 0);
			}
			rte_pktmbuf_free_bulk(pkts, n);
			got += n;
		}
		CHECK(got == batch);
	}
	CHECK(virtio_rxq_stats(h.p.rxqs[0])->packets == seq);
	CHECK(virtio_rxq_stats(h.p.rxqs[0])->bytes == bytes);
	CHECK(virtio_rxq_stats(h.p.rxqs[0])->errors == 0);
	CHECK(!virtqueue_is_broken(h_rxvq(&h)));
	h_teardown(&h);
	use_vec = false;
}

/*
 * A bad entry inside a group of four: the three honest frames before it
 * arrive, then the scalar step judges it as the scalar burst would (drop
 * and count a bad length; break the queue on a bad id), and after a bad
 * length the frames behind it still arrive.
 */
static void
test_rx_vec_hostile(enum hostile what, uint64_t features)
{
	bool expect_broken = what != H_LEN_LONG && what != H_LEN_SHORT;
	struct rte_mbuf *pkts[32];
	uint8_t frame[200];
	uint16_t ids[8], n, i;
	struct harness h;

	use_vec = true;
	CHECK(h_setup(&h, features, 0, 0) == 0);
	for (i = 0; i < 8; i++)
		ids[i] = fdev_avail_pop(&h.rxd);
	for (i = 0; i < 8; i++) {
		make_frame(frame, 100, (uint8_t)i, false);
		if (i != 3) {
			fdev_rx_into(&h.rxd, ids[i], frame, 100, HDR_SIZE + 100);
			continue;
		}
		switch (what) {
		case H_ID_RANGE:
			fdev_used_put(&h.rxd, RING_SIZE + 2, HDR_SIZE + 100);
			break;
		case H_ID_NOT_INFLIGHT:
			fdev_used_put(&h.rxd, ids[2], HDR_SIZE + 100);
			break;
		case H_INORDER_ID:
			fdev_used_put(&h.rxd, ids[4], HDR_SIZE + 100);
			break;
		case H_LEN_LONG:
			fdev_rx_into(&h.rxd, ids[i], frame, 100, 2048 + HDR_SIZE + 1);
			break;
		default:
			fdev_rx_into(&h.rxd, ids[i], frame, 100, HDR_SIZE + 13);
			break;
		}
	}
	fdev_used_flush(&h.rxd);
	n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
	CHECK(virtqueue_is_broken(h_rxvq(&h)) == expect_broken);
	CHECK(n == (expect_broken ? 3 : 7));
	for (i = 0; i < n; i++) {
		make_frame(frame, 100, (uint8_t)(i < 3 ? i : i + 1), false);
		CHECK(th_mbuf_equals(pkts[i], frame, 100));
	}
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(virtio_rxq_stats(h.p.rxqs[0])->errors == (expect_broken ? 0u : 1u));
	h_teardown(&h);
	use_vec = false;
}

int
main(int argc, char **argv)
{
	const uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	const uint64_t mrg = VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	const uint64_t ino = VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	const uint64_t ind = VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC);
	enum hostile w;

	RTE_SET_USED(argc);
	if (th_eal_init(argv[0], "ringtest", "pmd.net.virtio.*:info") < 0)
		return 1;
	if (rte_pktmbuf_pool_create("ringtest", POOL_SIZE, 0, 0, DATA_ROOM, SOCKET_ID_ANY) ==
	    NULL) {
		printf("pool creation failed\n");
		return 1;
	}
	test_rx(v1, false);
	test_rx(v1 | mrg, true);
	test_rx(v1 | ino, false);
	test_rx(v1 | mrg | ino, true);
	test_tx(v1);
	test_tx(v1 | ind);
	test_tx(v1 | ino);
	test_tx(v1 | ind | ino);
	test_tx_headroom_dst(v1);
	test_tx_headroom_dst(v1 | ino);
	test_tx_headroom_dst(v1 | mrg);
	test_rx_mrg_short_first(v1 | mrg);
	test_rx_mrg_short_first(v1 | mrg | ino);
	use_va = false;
	test_rx(v1 | mrg, true);
	test_tx(v1 | ind);
	use_va = true;
	test_kick();
	test_tx_offload(v1);
	test_tx_offload(v1 | ino);
	test_cvq(v1);
	test_cvq(v1 | ino);
	test_nb_desc();
	for (w = H_ID_RANGE; w <= H_LEN_SHORT; w++) {
		test_rx_hostile(w, v1);
		test_rx_hostile(w, v1 | mrg);
	}
	test_rx_hostile(H_NBUF_ZERO, v1 | mrg);
	test_rx_hostile(H_NBUF_MANY, v1 | mrg);
	test_rx_hostile(H_INORDER_ID, v1 | ino);
	test_rx_hostile(H_INORDER_ID, v1 | mrg | ino);
	test_tx_hostile(H_ID_RANGE, v1);
	test_tx_hostile(H_ID_NOT_INFLIGHT, v1);
	test_tx_hostile(H_IDX_JUMP, v1);
	test_tx_hostile(H_ID_RANGE, v1 | ino);
	test_tx_hostile(H_ID_NOT_INFLIGHT, v1 | ino);
	test_tx_hostile(H_IDX_JUMP, v1 | ino);

	test_rx_vec_select();
	use_vec = true;
	test_rx(v1, false);
	test_rx(v1 | ino, false);
	for (w = H_ID_RANGE; w <= H_LEN_SHORT; w++)
		test_rx_hostile(w, v1);
	test_rx_hostile(H_INORDER_ID, v1 | ino);
	use_vec = false;
	test_rx_vec_laps(v1);
	test_rx_vec_laps(v1 | ino);
	test_rx_vec_hostile(H_ID_RANGE, v1);
	test_rx_vec_hostile(H_ID_NOT_INFLIGHT, v1);
	test_rx_vec_hostile(H_LEN_LONG, v1);
	test_rx_vec_hostile(H_LEN_SHORT, v1);
	test_rx_vec_hostile(H_ID_RANGE, v1 | ino);
	test_rx_vec_hostile(H_INORDER_ID, v1 | ino);
	test_rx_vec_hostile(H_LEN_LONG, v1 | ino);
	test_rx_vec_hostile(H_LEN_SHORT, v1 | ino);

	return th_finish();
}
