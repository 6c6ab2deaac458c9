/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packed-ring datapath against an in-process device model: no vhost, no
 * ethdev port, no hugepages (EAL runs --no-shconf --no-huge only to back
 * memzones and the mbuf pool).  The fake device walks the descriptor ring
 * through the layout the driver hands to the transport, with its own avail
 * and used positions and wrap counters starting at lap 1 (as SET_VRING_BASE
 * bit 15 tells a real backend), and writes used descriptors -- honest ones
 * (in order, out of order, partial, batched in-order completions) for the
 * functional cases, hostile ones (ids out of range or not in flight, lengths
 * beyond the buffer, num_buffers / in-order ids that would make the driver
 * walk past what is in flight) for the robustness cases.  Ring sizes include
 * non-powers of two and rings small enough for chains to wrap.  Every case
 * ends with stop + a full mempool check: no mbuf is leaked.
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
#define HDR_SIZE	12
#define DATA_ROOM	(2048 + RTE_PKTMBUF_HEADROOM)
#define RX_FULL		2048	/* a frame that fills one Rx buffer to its end */
#define AU		(VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED)

static bool use_va = true;

/* ---- the device side ---- */

struct fdev {
	struct vring_packed_desc *desc;
	struct vring_packed_desc_event *driver;
	struct vring_packed_desc_event *device;
	uint16_t size;
	uint16_t avail_pos;	/* next descriptor the device reads */
	uint8_t avail_wrap;
	uint16_t used_pos;	/* next used descriptor the device writes */
	uint8_t used_wrap;
};

/* A chain as the device read it (copies of its descriptors). */
struct fchain {
	struct vring_packed_desc d[64];
	uint16_t n;		/* ring descriptors it took */
	uint16_t id;		/* buffer id (of its last descriptor) */
	uint16_t head;		/* ring position of its head */
};

static void
fdev_bind(struct fdev *d, const struct virtqueue *vq)
{
	struct virtio_vq_layout l;

	virtqueue_get_layout(vq, &l);
	CHECK(l.packed);
	d->desc = (void *)(uintptr_t)l.desc_addr;
	d->driver = (void *)(uintptr_t)l.avail_addr;
	d->device = (void *)(uintptr_t)l.used_addr;
	d->size = l.size;
	d->avail_pos = 0;
	d->avail_wrap = 1;
	d->used_pos = 0;
	d->used_wrap = 1;
}

static bool
fdev_is_avail(const struct fdev *d, uint16_t pos, uint8_t wrap)
{
	uint16_t f = __atomic_load_n(&d->desc[pos].flags, __ATOMIC_ACQUIRE);

	return !!(f & VRING_PACKED_DESC_F_AVAIL) == wrap &&
	       !!(f & VRING_PACKED_DESC_F_USED) != wrap;
}

static void
fdev_step(const struct fdev *d, uint16_t *pos, uint8_t *wrap, uint16_t n)
{
	*pos += n;
	if (*pos >= d->size) {
		*pos -= d->size;
		*wrap ^= 1;
	}
}

/* Available descriptors from the device's read position on. */
static uint16_t
fdev_avail_pending(const struct fdev *d)
{
	uint16_t pos = d->avail_pos, n = 0;
	uint8_t wrap = d->avail_wrap;

	while (n < d->size && fdev_is_avail(d, pos, wrap)) {
		n++;
		fdev_step(d, &pos, &wrap, 1);
	}
	return n;
}

/* Read the next available chain; -1 when none or malformed. */
static int
fdev_pop(struct fdev *d, struct fchain *c)
{
	uint16_t flags;

	c->n = 0;
	c->head = d->avail_pos;
	if (!fdev_is_avail(d, d->avail_pos, d->avail_wrap))
		return -1;
	do {
		if (c->n == RTE_DIM(c->d) || (c->n > 0 &&
		    !fdev_is_avail(d, d->avail_pos, d->avail_wrap)))
			return -1;
		c->d[c->n] = d->desc[d->avail_pos];
		flags = c->d[c->n].flags;
		c->id = c->d[c->n].id;
		c->n++;
		fdev_step(d, &d->avail_pos, &d->avail_wrap, 1);
	} while (flags & VRING_DESC_F_NEXT);
	return 0;
}

/* Write a used descriptor (id, len) and move on by 'skip' descriptors. */
static void
fdev_used_put(struct fdev *d, uint16_t id, uint32_t len, uint16_t skip)
{
	struct vring_packed_desc *u = &d->desc[d->used_pos];

	u->id = id;
	u->len = len;
	__atomic_store_n(&u->flags, d->used_wrap ? AU : 0, __ATOMIC_RELEASE);
	fdev_step(d, &d->used_pos, &d->used_wrap, skip);
}

/* Same, but the flags are written later by fdev_used_flag (batch head last). */
static uint16_t
fdev_used_put_noflag(struct fdev *d, uint16_t id, uint32_t len, uint16_t skip, uint16_t *flags)
{
	uint16_t pos = d->used_pos;

	d->desc[pos].id = id;
	d->desc[pos].len = len;
	*flags = d->used_wrap ? AU : 0;
	fdev_step(d, &d->used_pos, &d->used_wrap, skip);
	return pos;
}

static void
fdev_used_flag(struct fdev *d, uint16_t pos, uint16_t flags)
{
	__atomic_store_n(&d->desc[pos].flags, flags, __ATOMIC_RELEASE);
}

/* Gather a Tx chain (direct or indirect); byte count or -1 if malformed. */
static int
fdev_tx_gather(const struct fdev *d, const struct fchain *c, uint8_t *out, uint32_t cap)
{
	const struct vring_packed_desc *tbl;
	uint32_t len = 0, k, n;
	uint16_t i;

	for (i = 0; i < c->n; i++) {
		tbl = &c->d[i];
		n = 1;
		if (c->d[i].flags & VRING_DESC_F_INDIRECT) {
			if (c->n != 1 || c->d[i].len % sizeof(*tbl) != 0 ||
			    c->d[i].len / sizeof(*tbl) >= d->size)
				return -1;
			tbl = (const void *)(uintptr_t)c->d[i].addr;
			n = c->d[i].len / sizeof(*tbl);
		}
		for (k = 0; k < n; k++) {
			if ((tbl[k].flags & VRING_DESC_F_WRITE) || len + tbl[k].len > cap)
				return -1;
			memcpy(out + len, (void *)(uintptr_t)tbl[k].addr, tbl[k].len);
			len += tbl[k].len;
		}
	}
	return (int)len;
}

/*
 * Deliver one frame into as many Rx buffers as it needs (one unless mrg);
 * used descriptors are published head last, as vhost does.  'nbufs_override'
 * >= 0 writes that num_buffers instead of the true count.  Returns the
 * buffers used, or -1.
 */
static int
fdev_rx_frame(struct fdev *d, const uint8_t *frame, uint32_t len, bool mrg, int nbufs_override)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = { .hdr = { 0 } };
	struct virtio_net_hdr_mrg_rxbuf *first = NULL;
	uint32_t total = HDR_SIZE + len, off = 0, n, k;
	uint16_t nbufs = 0, head = 0, head_flags = 0, fl, pos;
	struct fchain c;
	uint8_t *dst;

	while (off < total) {
		if ((!mrg && nbufs > 0) || fdev_pop(d, &c) < 0 || c.n != 1 ||
		    !(c.d[0].flags & VRING_DESC_F_WRITE))
			return -1;
		dst = (uint8_t *)(uintptr_t)c.d[0].addr;
		n = RTE_MIN(c.d[0].len, total - off);
		for (k = 0; k < n; k++, off++)
			dst[k] = off < HDR_SIZE ? ((uint8_t *)&hdr)[off] : frame[off - HDR_SIZE];
		if (first == NULL)
			first = (void *)dst;
		pos = fdev_used_put_noflag(d, c.id, n, 1, &fl);
		if (nbufs == 0) {
			head = pos;
			head_flags = fl;
		} else {
			fdev_used_flag(d, pos, fl);
		}
		nbufs++;
	}
	first->num_buffers = nbufs_override >= 0 ? (uint16_t)nbufs_override : nbufs;
	fdev_used_flag(d, head, head_flags);
	return nbufs;
}

/* ---- the driver side harness ---- */

struct harness {
	struct th_port p;
	struct fdev rxd, txd;
	uint16_t size;
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

/* The port's configuration: packed rings of 'size' entries. */
static struct th_port_cfg
h_cfg(uint64_t features, uint16_t size, uint16_t rx_desc, uint16_t tx_desc)
{
	const struct th_port_cfg cfg = {
		.ops = &fake_ops, .name = "ringtest",
		.features = features | VIRTIO_BIT(VIRTIO_F_RING_PACKED),
		.hdr_size = HDR_SIZE, .size = size, .rx_desc = rx_desc, .tx_desc = tx_desc,
		.use_va = use_va, .rx_offloads = RTE_ETH_RX_OFFLOAD_SCATTER,
	};

	return cfg;
}

/* The hw alone, for tests that create their own virtqueues. */
static void
h_hw_init(struct harness *h, uint64_t features)
{
	const struct th_port_cfg cfg = h_cfg(features, 0, 0, 0);

	memset(h, 0, sizeof(*h));
	cur = h;
	th_port_init(&h->p, &cfg);
}

static int
h_setup(struct harness *h, uint64_t features, uint16_t size, uint16_t rx_desc, uint16_t tx_desc)
{
	const struct th_port_cfg cfg = h_cfg(features, size, rx_desc, tx_desc);
	int ret;

	memset(h, 0, sizeof(*h));
	cur = h;
	h->size = size;
	ret = th_port_setup(&h->p, &cfg);
	if (ret == 0) {
		fdev_bind(&h->rxd, h->p.vqs[0]);
		fdev_bind(&h->txd, h->p.vqs[1]);
	}
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
	f[0] = 0x02;	/* unicast, locally administered */
	if (bcast)
		memset(f, 0xff, 6);
}

/* ---- layout and sizes ---- */

static void
test_sizes(void)
{
	struct virtio_vq_layout l;
	struct virtqueue *vq = NULL;
	struct harness h;

	h_hw_init(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	CHECK(virtqueue_create(&h.p.hw, 0, 0, SOCKET_ID_ANY, &vq) == -EINVAL && vq == NULL);
	CHECK(virtqueue_create(&h.p.hw, 0, 32769, SOCKET_ID_ANY, &vq) == -EINVAL && vq == NULL);
	CHECK(virtqueue_create(&h.p.hw, 0, 65535, SOCKET_ID_ANY, &vq) == -EINVAL && vq == NULL);
	CHECK(virtqueue_create(&h.p.hw, 0, 32768, SOCKET_ID_ANY, &vq) == 0 && vq != NULL);
	virtqueue_destroy(vq);
	vq = NULL;
	CHECK(virtqueue_create(&h.p.hw, 0, 1, SOCKET_ID_ANY, &vq) == 0 && vq != NULL);
	virtqueue_destroy(vq);
	vq = NULL;
	CHECK(virtqueue_create(&h.p.hw, 0, 255, SOCKET_ID_ANY, &vq) == 0 && vq != NULL);
	if (vq != NULL) {
		virtqueue_get_layout(vq, &l);
		CHECK(l.packed && l.size == 255);
		/* Driver area right after the descriptors, device area aligned beyond. */
		CHECK(l.avail_addr == l.desc_addr + 255 * 16);
		CHECK(l.used_addr >= l.avail_addr + 4 && l.used_addr % 4 == 0);
		CHECK(((struct vring_packed_desc_event *)(uintptr_t)l.avail_addr)->desc_event_flags
		      == RING_EVENT_FLAGS_DISABLE);
		virtqueue_destroy(vq);
	}
	/* Split keeps its power-of-two rule. */
	h.p.hw.guest_features &= ~VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	vq = NULL;
	CHECK(virtqueue_create(&h.p.hw, 0, 255, SOCKET_ID_ANY, &vq) == -EINVAL && vq == NULL);
}

/* ---- functional cases ---- */

static void
test_rx(uint64_t features, uint16_t size)
{
	static const uint32_t lens[] = { 60, 64, 100, 200, 511, 1000, 1514, 1518 };
	bool mrg = features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	struct rte_mbuf *pkts[32];
	struct virtnet_stats *st;
	uint8_t frame[9100];
	struct harness h;
	uint32_t i, rounds;
	uint16_t n, nb;

	CHECK(h_setup(&h, features, size, 0, 0) == 0);
	CHECK(h.kicks == 1);
	CHECK(fdev_avail_pending(&h.rxd) == size);
	CHECK(h.rxd.driver->desc_event_flags == RING_EVENT_FLAGS_DISABLE);
	for (i = 0; i < RTE_DIM(lens) && i < size; i++) {
		make_frame(frame, lens[i], (uint8_t)i, i == 3);
		CHECK(fdev_rx_frame(&h.rxd, frame, lens[i], mrg, -1) == 1);
	}
	nb = i;
	n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
	CHECK(n == nb);
	for (i = 0; i < n; i++) {
		make_frame(frame, lens[i], (uint8_t)i, i == 3);
		CHECK(th_mbuf_equals(pkts[i], frame, lens[i]));
		CHECK(pkts[i]->nb_segs == 1 && pkts[i]->port == 0);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	st = virtio_rxq_stats(h.p.rxqs[0]);
	CHECK(st->packets == nb && st->errors == 0);

	if (mrg && size >= 5) {
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
	}
	/* Many laps: the ring stays full of fresh buffers, wrap counters flip. */
	rounds = 3u * size + 50;
	for (i = 0; i < rounds; i++) {
		make_frame(frame, 128, (uint8_t)i, false);
		CHECK(fdev_rx_frame(&h.rxd, frame, 128, mrg, -1) == 1);
		n = h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32);
		CHECK(n == 1);
		if (n == 1) {
			CHECK(th_mbuf_equals(pkts[0], frame, 128));
			rte_pktmbuf_free(pkts[0]);
		}
	}
	/*
	 * Refilled at each burst's start up to the free threshold (min(size /
	 * 4, 32), at least 1): short of that at most, plus the one buffer the
	 * last burst took.
	 */
	CHECK(fdev_avail_pending(&h.rxd) + RTE_MAX(RTE_MIN(size / 4, 32), 1) >= size);
	CHECK(!virtqueue_is_broken(h_rxvq(&h)));
	h_teardown(&h);
}

/* Mergeable Rx: see th_rx_mrg_short_first. */
static void
test_rx_mrg_short_first(uint64_t features)
{
	struct harness h;

	CHECK(h_setup(&h, features, 64, 0, 0) == 0);
	th_rx_mrg_short_first(&h.p, &h.rxd, fdev_rx_frame);
	h_teardown(&h);
}

/* Mergeable packet whose buffers the device marks used one at a time. */
static void
test_rx_partial(uint64_t features)
{
	struct rte_mbuf *pkts[4];
	uint16_t ids[3], fl[3], pos[3];
	struct fchain c;
	struct harness h;
	uint8_t frame[5000];
	uint8_t *dst;
	uint32_t off = 0, n, k;
	int i;

	CHECK(h_setup(&h, features, 64, 0, 0) == 0);
	make_frame(frame, 5000, 3, false);
	for (i = 0; i < 3; i++) {
		CHECK(fdev_pop(&h.rxd, &c) == 0);
		dst = (uint8_t *)(uintptr_t)c.d[0].addr;
		n = RTE_MIN(c.d[0].len, 5000 + HDR_SIZE - off);
		for (k = 0; k < n; k++, off++)
			dst[k] = off < HDR_SIZE ? 0 : frame[off - HDR_SIZE];
		if (i == 0)
			((struct virtio_net_hdr_mrg_rxbuf *)dst)->num_buffers = 3;
		ids[i] = c.id;
		pos[i] = fdev_used_put_noflag(&h.rxd, c.id, n, 1, &fl[i]);
	}
	CHECK(off == 5000 + HDR_SIZE);
	RTE_SET_USED(ids);
	fdev_used_flag(&h.rxd, pos[0], fl[0]);
	CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 4) == 0);	/* waits for the rest */
	fdev_used_flag(&h.rxd, pos[1], fl[1]);
	CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 4) == 0);
	fdev_used_flag(&h.rxd, pos[2], fl[2]);
	CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 4) == 1);
	CHECK(pkts[0]->nb_segs == 3 && th_mbuf_equals(pkts[0], frame, 5000));
	rte_pktmbuf_free(pkts[0]);
	CHECK(!virtqueue_is_broken(h_rxvq(&h)));
	h_teardown(&h);
}

/* Out of order: the device completes Rx buffers in reverse. */
static void
test_rx_ooo(uint64_t features)
{
	struct virtio_net_hdr_mrg_rxbuf *hdr;
	struct rte_mbuf *pkts[8];
	struct fchain c[8];
	uint8_t frame[200];
	struct harness h;
	int i, r;

	CHECK(h_setup(&h, features, 31, 0, 0) == 0);
	for (r = 0; r < 40; r++) {	/* > 10 laps of a 31-entry ring */
		for (i = 0; i < 8; i++)
			CHECK(fdev_pop(&h.rxd, &c[i]) == 0);
		for (i = 7; i >= 0; i--) {
			make_frame(frame, 100 + i, (uint8_t)(r + i), false);
			memcpy((uint8_t *)(uintptr_t)c[i].d[0].addr + HDR_SIZE, frame, 100 + i);
			hdr = (void *)(uintptr_t)c[i].d[0].addr;
			memset(hdr, 0, HDR_SIZE);
			hdr->num_buffers = 1;
			fdev_used_put(&h.rxd, c[i].id, HDR_SIZE + 100 + i, 1);
		}
		CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 8) == 8);
		for (i = 0; i < 8; i++) {
			make_frame(frame, 107 - i, (uint8_t)(r + 7 - i), false);
			CHECK(th_mbuf_equals(pkts[i], frame, 107 - i));
		}
		rte_pktmbuf_free_bulk(pkts, 8);
	}
	CHECK(!virtqueue_is_broken(h_rxvq(&h)));
	h_teardown(&h);
}

/* Build n mbufs of nsegs x seglen (clones when asked) carrying 'frame'. */
static void
tx_build(struct harness *h, struct rte_mbuf **pkts, uint16_t n, uint16_t nsegs, uint32_t seglen,
	 const uint8_t *frame, bool clone)
{
	struct rte_mbuf *m, *seg, *c;
	uint16_t i, k;

	for (i = 0; i < n; i++) {
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
}

enum completion {
	C_IN_ORDER,	/* one used descriptor per chain, in order */
	C_REVERSE,	/* one per chain, last chain first */
	C_BATCH,	/* in order only: one used descriptor for all, last id */
};

/* Let the device read every available chain (checking its bytes) and complete them. */
static uint16_t
tx_drain(struct harness *h, const uint8_t *frame, uint32_t len, enum completion how)
{
	uint8_t got[9300];
	struct fchain c[64];
	uint16_t k = 0, i, total = 0;
	int glen;

	while (k < RTE_DIM(c) && fdev_pop(&h->txd, &c[k]) == 0) {
		glen = fdev_tx_gather(&h->txd, &c[k], got, sizeof(got));
		CHECK(glen == (int)(len + HDR_SIZE));
		CHECK(glen > HDR_SIZE && memcmp(got + HDR_SIZE, frame, len) == 0);
		CHECK(((struct virtio_net_hdr *)got)->flags == 0);
		total += c[k].n;
		k++;
	}
	if (k == 0)
		return 0;
	switch (how) {
	case C_IN_ORDER:
		for (i = 0; i < k; i++)
			fdev_used_put(&h->txd, c[i].id, 0, c[i].n);
		break;
	case C_REVERSE:
		for (i = k; i-- > 0;)
			fdev_used_put(&h->txd, c[i].id, 0, c[i].n);
		break;
	case C_BATCH:
		fdev_used_put(&h->txd, c[k - 1].id, 0, total);
		break;
	}
	return k;
}

/*
 * Transmit 8 frames of the given layout (in as many bursts as the ring
 * needs), check what the device reads, complete them as told.
 */
static void
tx_round(struct harness *h, uint16_t nsegs, uint32_t seglen, uint8_t seed, bool clone,
	 enum completion how)
{
	struct rte_mbuf *pkts[8];
	uint8_t frame[9100];
	uint32_t len = nsegs * seglen;
	uint16_t sent = 0, n;

	make_frame(frame, len, seed, false);
	tx_build(h, pkts, 8, nsegs, seglen, frame, clone);
	while (sent < 8) {
		n = h->p.dev.tx_pkt_burst(h->p.txqs[0], pkts + sent, 8 - sent);
		CHECK(n > 0);
		if (n == 0) {
			rte_pktmbuf_free_bulk(pkts + sent, 8 - sent);
			break;
		}
		CHECK(tx_drain(h, frame, len, how) == n);
		sent += n;
	}
	CHECK(fdev_avail_pending(&h->txd) == 0);
}

static void
test_tx(uint64_t features, uint16_t size, enum completion how)
{
	struct virtnet_stats *st;
	struct harness h;
	int r, rounds = 2 * size / 8 + 20;

	CHECK(h_setup(&h, features, size, 0, 0) == 0);
	for (r = 0; r < rounds; r++) {	/* many laps, mixed chain lengths */
		tx_round(&h, 1, 100, (uint8_t)r, false, how);	/* header pushed */
		tx_round(&h, 1, 100, (uint8_t)r, true, how);	/* clone: no push */
		tx_round(&h, 4, 700, (uint8_t)r, false, how);	/* indirect or chain */
		tx_round(&h, 5, 1800, (uint8_t)r, false, how);	/* jumbo */
	}
	st = virtio_txq_stats(h.p.txqs[0]);
	CHECK(st->packets == (uint64_t)rounds * 4 * 8 && st->errors == 0);
	CHECK(!virtqueue_is_broken(h_txvq(&h)));
	h_teardown(&h);	/* reclaims what the device completed and what it did not */
}

/*
 * Partial completion: with the ring full, the device completes two chains
 * (out of order: second first; in order: one batched descriptor); the next
 * burst reclaims exactly those, the rest stays in flight until completed.
 */
static void
test_tx_partial(uint64_t features)
{
	bool in_order = features & VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	struct rte_mbuf *pkts[1];
	struct fchain c[32];
	uint8_t frame[64];
	struct harness h;
	unsigned int avail;
	uint16_t k = 0;

	CHECK(h_setup(&h, features, 32, 0, 0) == 0);
	make_frame(frame, 64, 1, false);
	for (;;) {	/* 4 segments each: fill the ring */
		tx_build(&h, pkts, 1, 4, 16, frame, false);
		if (h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) == 0) {
			rte_pktmbuf_free(pkts[0]);
			break;
		}
	}
	while (k < RTE_DIM(c) && fdev_pop(&h.txd, &c[k]) == 0)
		k++;
	CHECK(k > 2);
	if (in_order) {
		fdev_used_put(&h.txd, c[1].id, 0, c[0].n + c[1].n);
	} else {
		fdev_used_put(&h.txd, c[1].id, 0, c[1].n);
		fdev_used_put(&h.txd, c[0].id, 0, c[0].n);
	}
	tx_build(&h, pkts, 1, 4, 16, frame, false);
	avail = rte_mempool_avail_count(h.p.mp);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) == 1);
	/* The 2 x 4 mbufs of the completed chains are back, nothing else. */
	CHECK(rte_mempool_avail_count(h.p.mp) == avail + 8);
	CHECK(!virtqueue_is_broken(h_txvq(&h)));
	/* Then the rest, plus the new one. */
	k = 0;
	while (k < RTE_DIM(c) && fdev_pop(&h.txd, &c[k]) == 0)
		k++;
	CHECK(k == 1);
	h_teardown(&h);	/* frees what is still in flight */
}

static void
test_kick(void)
{
	struct rte_mbuf *m;
	struct harness h;

	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 256, 0, 0) == 0);
	h.kicks = 0;
	h.txd.device->desc_event_flags = RING_EVENT_FLAGS_DISABLE;
	m = rte_pktmbuf_alloc(h.p.mp);
	rte_pktmbuf_append(m, 60);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
	CHECK(h.kicks == 0);
	h.txd.device->desc_event_flags = RING_EVENT_FLAGS_ENABLE;
	m = rte_pktmbuf_alloc(h.p.mp);
	rte_pktmbuf_append(m, 60);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], &m, 1) == 1);
	CHECK(h.kicks == 1);
	CHECK(h.rxd.driver->desc_event_flags == RING_EVENT_FLAGS_DISABLE);
	CHECK(h.txd.driver->desc_event_flags == RING_EVENT_FLAGS_DISABLE);
	h_teardown(&h);
}

/* nb_desc below the ring size caps the buffers posted; restart refills. */
static void
test_nb_desc(void)
{
	struct harness h;

	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 255, 64, 32) == 0);
	CHECK(fdev_avail_pending(&h.rxd) == 64);
	h_teardown(&h);
	CHECK(h_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 255, 0, 0) == 0);
	virtio_dev_rxtx_stop(&h.p.dev);
	CHECK(virtio_dev_rxtx_start(&h.p.dev) == 0);
	fdev_bind(&h.rxd, h_rxvq(&h));
	CHECK(fdev_avail_pending(&h.rxd) == 255);
	h_teardown(&h);
}

/* Control-queue style chains through the slow-path buffer API. */
static void
test_cvq(uint64_t features)
{
	struct virtqueue_buf bufs[3];
	struct virtqueue *vq = NULL;
	uint8_t *mem, *status;
	struct harness h;
	struct fchain c;
	struct fdev d;
	uint64_t base;
	uint32_t len;
	size_t sz;
	int i;

	h_hw_init(&h, features);
	CHECK(virtqueue_create(&h.p.hw, 2, 7, SOCKET_ID_ANY, &vq) == 0);
	if (vq == NULL)
		return;
	h.p.hw.vqs[2] = vq;
	mem = virtqueue_hdr_mem(vq, &base, &sz);
	CHECK(mem != NULL && sz >= 64);
	fdev_bind(&d, vq);
	bufs[0] = (struct virtqueue_buf){ base, 2 };
	bufs[1] = (struct virtqueue_buf){ base + 2, 2 };
	bufs[2] = (struct virtqueue_buf){ base + 32, 1 };
	for (i = 0; i < 200; i++) {	/* 3-descriptor chains wrap the 7-entry ring */
		mem[0] = (uint8_t)i;
		CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == 0);
		CHECK(virtqueue_get_used(vq, &len) == NULL);
		CHECK(fdev_pop(&d, &c) == 0 && c.n == 3);
		CHECK(!(c.d[0].flags & VRING_DESC_F_WRITE) && !(c.d[1].flags & VRING_DESC_F_WRITE));
		CHECK((c.d[2].flags & VRING_DESC_F_WRITE) && c.d[2].len == 1);
		CHECK(*(uint8_t *)(uintptr_t)c.d[0].addr == (uint8_t)i);
		status = (uint8_t *)(uintptr_t)c.d[2].addr;
		*status = 0;
		fdev_used_put(&d, c.id, 1, c.n);
		CHECK(virtqueue_get_used(vq, &len) == &h && len == 1);
	}
	CHECK(!virtqueue_is_broken(vq));
	CHECK(virtqueue_add_chain(vq, bufs, 2, 7, &h) == -EINVAL);	/* longer than the ring */
	/* A duplicate completion is a device error. */
	virtqueue_reset(vq);
	fdev_bind(&d, vq);
	CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == 0);
	CHECK(fdev_pop(&d, &c) == 0);
	fdev_used_put(&d, c.id, 1, c.n);
	fdev_used_put(&d, c.id, 1, c.n);
	CHECK(virtqueue_get_used(vq, &len) == &h);
	CHECK(virtqueue_get_used(vq, &len) == NULL && virtqueue_is_broken(vq));
	CHECK(virtqueue_add_chain(vq, bufs, 2, 1, &h) == -EIO);
	virtqueue_destroy(vq);
	h.p.hw.vqs[2] = NULL;
}

/* ---- hostile device ---- */

enum hostile {
	H_ID_RANGE,		/* used id >= ring size */
	H_ID_NOT_INFLIGHT,	/* same id twice */
	H_LEN_LONG,		/* len beyond the buffer: drop, not broken */
	H_LEN_SHORT,		/* len below header + Ethernet: drop */
	H_NBUF_ZERO,		/* full first buffer, num_buffers 0: drop */
	H_NBUF_ENDLESS,		/* full first buffer, num_buffers beyond what is in flight:
				 * drop, no walk */
	H_INORDER_ID,		/* in order: id out of sequence */
	H_STALE,		/* used descriptor where nothing is in flight */
};

static bool
hostile_breaks(enum hostile what)
{
	return what == H_ID_RANGE || what == H_ID_NOT_INFLIGHT || what == H_INORDER_ID ||
	       what == H_STALE;
}

static void
rx_hostile_inject(struct harness *h, enum hostile what, bool mrg, const uint8_t *frame)
{
	struct fchain c, c2;

	switch (what) {
	case H_ID_RANGE:
		fdev_pop(&h->rxd, &c);
		fdev_used_put(&h->rxd, (uint16_t)(h->size + 3), 100, 1);
		break;
	case H_ID_NOT_INFLIGHT:
		fdev_pop(&h->rxd, &c);
		fdev_used_put(&h->rxd, c.id, 100, 1);
		fdev_used_put(&h->rxd, c.id, 100, 1);
		break;
	case H_LEN_LONG:
		fdev_pop(&h->rxd, &c);
		fdev_used_put(&h->rxd, c.id, 2048 + HDR_SIZE + 1, 1);
		break;
	case H_LEN_SHORT:
		fdev_pop(&h->rxd, &c);
		fdev_used_put(&h->rxd, c.id, HDR_SIZE + 13, 1);
		break;
	case H_NBUF_ZERO:
		fdev_rx_frame(&h->rxd, frame, RX_FULL, mrg, 0);
		break;
	case H_NBUF_ENDLESS:
		fdev_rx_frame(&h->rxd, frame, RX_FULL, mrg, 65535);
		break;
	case H_INORDER_ID:
		fdev_pop(&h->rxd, &c);
		fdev_pop(&h->rxd, &c2);
		fdev_used_put(&h->rxd, c2.id, 100, 1);	/* second buffer first */
		break;
	case H_STALE:
		/* Id 9 was never posted (nb_desc 8 of 16): nothing in flight there. */
		fdev_used_put(&h->rxd, 9, 100, 1);
		break;
	}
}

static void
test_rx_hostile(enum hostile what, uint64_t features)
{
	bool mrg = features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	bool expect_broken = hostile_breaks(what);
	struct rte_mbuf *pkts[32];
	struct virtnet_stats *st;
	uint8_t frame[RX_FULL];
	struct harness h;
	uint16_t n, before;

	CHECK(h_setup(&h, features, what == H_STALE ? 16 : 64, what == H_STALE ? 8 : 0, 0) == 0);
	st = virtio_rxq_stats(h.p.rxqs[0]);
	make_frame(frame, RX_FULL, 1, false);
	rx_hostile_inject(&h, what, mrg, frame);
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
		before = fdev_avail_pending(&h.rxd);
		fdev_rx_frame(&h.rxd, frame, 100, mrg, -1);
		CHECK(h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, 32) == 0);
		CHECK(fdev_avail_pending(&h.rxd) <= before);
	}
	h_teardown(&h);
}

static void
test_tx_hostile(enum hostile what, uint64_t features)
{
	bool in_order = features & VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	struct rte_mbuf *pkts[4];
	uint8_t frame[64];
	struct fchain c[4];
	struct harness h;
	uint16_t i;

	CHECK(h_setup(&h, features, 64, 0, 0) == 0);
	make_frame(frame, 64, 2, false);
	tx_build(&h, pkts, 4, 2, 32, frame, false);	/* chains of 3 descriptors */
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 4) == 4);
	for (i = 0; i < 4; i++)
		CHECK(fdev_pop(&h.txd, &c[i]) == 0);
	switch (what) {
	case H_ID_RANGE:
		fdev_used_put(&h.txd, 64 + 1, 0, 1);
		break;
	case H_ID_NOT_INFLIGHT:
		fdev_used_put(&h.txd, c[0].id, 0, c[0].n);
		fdev_used_put(&h.txd, c[0].id, 0, c[0].n);
		break;
	case H_NBUF_ENDLESS:
		/* In order: an id inside a chain, the walk must not run past it. */
		fdev_used_put(&h.txd, (uint16_t)(c[1].head + 1), 0, 1);
		break;
	default:
		/* An id never handed out (ids in use are 0..11 at most). */
		fdev_used_put(&h.txd, 40, 0, 1);
		break;
	}
	/* Force a reclaim: fill the ring until it must look at the used ring. */
	for (i = 0; i < 64 && !virtqueue_is_broken(h_txvq(&h)); i++) {
		tx_build(&h, pkts, 1, 2, 32, frame, false);
		if (h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) != 1)
			rte_pktmbuf_free(pkts[0]);
	}
	CHECK(virtqueue_is_broken(h_txvq(&h)));
	RTE_SET_USED(in_order);
	pkts[0] = rte_pktmbuf_alloc(h.p.mp);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) == 0);
	rte_pktmbuf_free(pkts[0]);
	h_teardown(&h);
}

int
main(int argc, char **argv)
{
	const uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	const uint64_t mrg = VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	const uint64_t ino = VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	const uint64_t ind = VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC);
	static const uint16_t sizes[] = { 256, 255, 7 };
	unsigned int s;
	enum hostile w;

	RTE_SET_USED(argc);
	if (th_eal_init(argv[0], "ringtest-packed", "pmd.net.virtio.*:info") < 0)
		return 1;
	if (rte_pktmbuf_pool_create("ringtest", POOL_SIZE, 0, 0, DATA_ROOM, SOCKET_ID_ANY) ==
	    NULL) {
		printf("pool creation failed\n");
		return 1;
	}
	test_sizes();
	for (s = 0; s < RTE_DIM(sizes); s++) {
		test_rx(v1, sizes[s]);
		test_rx(v1 | mrg, sizes[s]);
		test_rx(v1 | ino, sizes[s]);
		test_rx(v1 | mrg | ino, sizes[s]);
		test_tx(v1, sizes[s], C_IN_ORDER);
		test_tx(v1, sizes[s], C_REVERSE);
		test_tx(v1 | ind, sizes[s], C_REVERSE);
		test_tx(v1 | ino, sizes[s], C_IN_ORDER);
		test_tx(v1 | ino, sizes[s], C_BATCH);
		test_tx(v1 | ind | ino, sizes[s], C_BATCH);
	}
	use_va = false;
	test_rx(v1 | mrg, 255);
	test_tx(v1 | ind, 255, C_REVERSE);
	use_va = true;
	test_rx_partial(v1 | mrg);
	test_rx_partial(v1 | mrg | ino);
	test_rx_mrg_short_first(v1 | mrg);
	test_rx_mrg_short_first(v1 | mrg | ino);
	test_rx_ooo(v1);
	test_rx_ooo(v1 | mrg);
	test_tx_partial(v1);
	test_tx_partial(v1 | ind);
	test_tx_partial(v1 | ino);
	test_kick();
	test_nb_desc();
	test_cvq(v1);
	test_cvq(v1 | ino);
	for (w = H_ID_RANGE; w <= H_LEN_SHORT; w++) {
		test_rx_hostile(w, v1);
		test_rx_hostile(w, v1 | mrg);
		test_rx_hostile(w, v1 | ino);
	}
	test_rx_hostile(H_NBUF_ZERO, v1 | mrg);
	test_rx_hostile(H_NBUF_ENDLESS, v1 | mrg);
	test_rx_hostile(H_NBUF_ENDLESS, v1 | mrg | ino);
	test_rx_hostile(H_INORDER_ID, v1 | ino);
	test_rx_hostile(H_INORDER_ID, v1 | mrg | ino);
	test_rx_hostile(H_STALE, v1);
	test_rx_hostile(H_STALE, v1 | ino);
	test_tx_hostile(H_ID_RANGE, v1);
	test_tx_hostile(H_ID_NOT_INFLIGHT, v1);
	test_tx_hostile(H_STALE, v1);
	test_tx_hostile(H_ID_RANGE, v1 | ino);
	test_tx_hostile(H_ID_NOT_INFLIGHT, v1 | ino);
	test_tx_hostile(H_STALE, v1 | ino);
	test_tx_hostile(H_NBUF_ENDLESS, v1 | ino);

	return th_finish();
}
