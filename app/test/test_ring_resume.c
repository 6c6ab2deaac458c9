/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtqueue_resume_base() on packed rings (and split, briefly), against an
 * in-process device model: a "dead" device takes and completes part of what
 * the driver posted -- one used descriptor per chain, in-order batches, or
 * the way DPDK vhost leaves a ring when killed inside a burst (a chain not
 * marked used followed by used ones) -- and stops.  The base the driver
 * computes must be where that device would have gone on, and a "new" device
 * started there (SET_VRING_BASE semantics of DPDK vhost: avail and used
 * position both at the base) must see exactly the chains the dead one did
 * not finish, byte for byte, while the driver consumes the rest.  Hostile
 * rings (a bad id, used marks beyond a gap or beyond what was posted) must
 * fail and mark the queue broken.  A stress case runs the Rx burst on a
 * second thread while the base is computed.  Every case ends with stop and a
 * full mempool.
 */

#define _GNU_SOURCE	/* CPU_SET, pthread_attr_setaffinity_np */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

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
#define AU		(VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED)
#define FRAME_LEN	200u


/* ---- device side ---- */

struct rdev {
	struct vring_packed_desc *desc;
	uint16_t size;
	uint16_t avail_pos, used_pos;
	uint8_t avail_wrap, used_wrap;
};

struct rchain {
	struct vring_packed_desc d[16];
	uint16_t n, id;
};

/* A device given the ring with SET_VRING_BASE 'base' (DPDK vhost: used = avail). */
static void
rdev_bind(struct rdev *d, const struct virtqueue *vq, uint32_t base)
{
	struct virtio_vq_layout l;

	virtqueue_get_layout(vq, &l);
	d->desc = (void *)(uintptr_t)l.desc_addr;
	d->size = l.size;
	d->avail_pos = d->used_pos = base & 0x7fff;
	d->avail_wrap = d->used_wrap = (base >> 15) & 1;
}

static uint32_t
rdev_base(const struct rdev *d)
{
	return d->used_pos | (uint32_t)d->used_wrap << 15;
}

static void
rdev_step(const struct rdev *d, uint16_t *pos, uint8_t *wrap, uint16_t n)
{
	*pos += n;
	if (*pos >= d->size) {
		*pos -= d->size;
		*wrap ^= 1;
	}
}

static bool
rdev_is_avail(const struct rdev *d, uint16_t pos, uint8_t wrap)
{
	uint16_t f = __atomic_load_n(&d->desc[pos].flags, __ATOMIC_ACQUIRE);

	return !!(f & VRING_PACKED_DESC_F_AVAIL) == wrap &&
	       !!(f & VRING_PACKED_DESC_F_USED) != wrap;
}

static int
rdev_pop(struct rdev *d, struct rchain *c)
{
	uint16_t flags;

	c->n = 0;
	if (!rdev_is_avail(d, d->avail_pos, d->avail_wrap))
		return -1;
	do {
		if (c->n == RTE_DIM(c->d) ||
		    (c->n > 0 && !rdev_is_avail(d, d->avail_pos, d->avail_wrap)))
			return -1;
		c->d[c->n] = d->desc[d->avail_pos];
		flags = c->d[c->n].flags;
		c->id = c->d[c->n].id;
		c->n++;
		rdev_step(d, &d->avail_pos, &d->avail_wrap, 1);
	} while (flags & VRING_DESC_F_NEXT);
	return 0;
}

/* Write a used descriptor; its flags now (flag) or never (the caller keeps them). */
static uint16_t
rdev_used(struct rdev *d, uint16_t id, uint32_t len, uint16_t skip, bool flag)
{
	uint16_t pos = d->used_pos;

	d->desc[pos].id = id;
	d->desc[pos].len = len;
	if (flag)
		__atomic_store_n(&d->desc[pos].flags, d->used_wrap ? AU : 0, __ATOMIC_RELEASE);
	rdev_step(d, &d->used_pos, &d->used_wrap, skip);
	return pos;
}

/* Bytes of a Tx chain (direct or indirect), header included; -1 if malformed. */
static int
rdev_gather(const struct rchain *c, uint8_t *out, uint32_t cap)
{
	const struct vring_packed_desc *tbl;
	uint32_t len = 0, k, n;
	uint16_t i;

	for (i = 0; i < c->n; i++) {
		tbl = &c->d[i];
		n = 1;
		if (c->d[i].flags & VRING_DESC_F_INDIRECT) {
			tbl = (const void *)(uintptr_t)c->d[i].addr;
			n = c->d[i].len / sizeof(*tbl);
		}
		for (k = 0; k < n; k++) {
			if (len + tbl[k].len > cap)
				return -1;
			memcpy(out + len, (void *)(uintptr_t)tbl[k].addr, tbl[k].len);
			len += tbl[k].len;
		}
	}
	return (int)len;
}

static void
make_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 13 + i * 7);
	f[0] = 0x02;
}

/* Fill one Rx buffer with frame 'seed' (header num_buffers 1); flags now or not. */
static int
rdev_rx(struct rdev *d, uint8_t seed, bool flag, uint16_t *pos)
{
	struct virtio_net_hdr_mrg_rxbuf *hdr;
	struct rchain c;
	uint8_t *dst;

	if (rdev_pop(d, &c) < 0 || c.n != 1 || c.d[0].len < HDR_SIZE + FRAME_LEN)
		return -1;
	dst = (uint8_t *)(uintptr_t)c.d[0].addr;
	hdr = (void *)dst;
	memset(hdr, 0, HDR_SIZE);
	hdr->num_buffers = 1;
	make_frame(dst + HDR_SIZE, FRAME_LEN, seed);
	*pos = rdev_used(d, c.id, HDR_SIZE + FRAME_LEN, 1, flag);
	return 0;
}

/* ---- driver side ---- */

struct harness {
	struct th_port p;
};

static void
fake_notify(struct virtio_hw *hw, uint16_t index)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(index);
}

static const struct virtio_ops fake_ops = {
	.notify_queue = fake_notify,
};

static int
h_setup(struct harness *h, uint64_t features, uint16_t size)
{
	const struct th_port_cfg cfg = {
		.ops = &fake_ops, .name = "resumetest",
		.features = features | VIRTIO_BIT(VIRTIO_F_VERSION_1),
		.hdr_size = HDR_SIZE, .size = size, .use_va = true,
	};

	return th_port_setup(&h->p, &cfg);
}

static void
h_teardown(struct harness *h)
{
	th_port_teardown(&h->p, POOL_SIZE);
}

/* One packet of frame 'seed' in nsegs segments. */
static struct rte_mbuf *
tx_pkt(struct harness *h, uint8_t seed, uint16_t nsegs)
{
	uint8_t frame[FRAME_LEN];
	struct rte_mbuf *m, *seg;
	uint32_t per = FRAME_LEN / nsegs, off = 0, n;
	uint16_t k;

	make_frame(frame, FRAME_LEN, seed);
	m = rte_pktmbuf_alloc(h->p.mp);
	for (k = 0; k < nsegs; k++, off += n) {
		n = k + 1 == nsegs ? FRAME_LEN - off : per;
		seg = k == 0 ? m : rte_pktmbuf_alloc(h->p.mp);
		memcpy(rte_pktmbuf_append(seg, n), frame + off, n);
		if (k > 0)
			rte_pktmbuf_chain(m, seg);
	}
	return m;
}

/* The device reads the next chain and it must be frame 'seed'. */
static bool
tx_expect(struct rdev *d, struct rchain *c, uint8_t seed)
{
	uint8_t got[FRAME_LEN + HDR_SIZE + 64], frame[FRAME_LEN];

	if (rdev_pop(d, c) < 0)
		return false;
	make_frame(frame, FRAME_LEN, seed);
	return rdev_gather(c, got, sizeof(got)) == (int)(FRAME_LEN + HDR_SIZE) &&
	       memcmp(got + HDR_SIZE, frame, FRAME_LEN) == 0;
}

enum dead_mode {
	D_EACH,		/* one used descriptor per chain */
	D_BATCH,	/* in order: one used descriptor for all, id of the last */
	D_HOLE,		/* the first chain's flags never written (vhost's shadowed head) */
	D_NONE,		/* takes chains, completes none */
};

static const char *const dead_names[] = { "each", "batch", "hole", "none" };

/*
 * Tx: 'laps' rounds of traffic first (so positions and laps are arbitrary),
 * then 'post' packets; the dead device takes 'take' and completes them per
 * 'mode'.  The new device at the computed base must see packets take..post-1.
 */
static void
test_tx(uint64_t features, uint16_t size, uint16_t nsegs, enum dead_mode mode, uint16_t take,
	uint16_t post, unsigned int laps)
{
	struct rte_mbuf *pkts[64];
	struct harness h;
	struct rchain c[64];
	struct rdev dead, fresh;
	uint32_t base = 0;
	uint16_t i, total = 0, head = 0, pos;
	uint8_t seed = 0, head_wrap = 0;
	unsigned int l;

	printf("tx features 0x%" PRIx64 " size %u segs %u %s take %u/%u\n", features, size,
	       nsegs, dead_names[mode], take, post);
	CHECK(h_setup(&h, features, size) == 0);
	rdev_bind(&dead, h.p.vqs[1], 1u << 15);
	for (l = 0; l < laps; l++, seed++) {
		pkts[0] = tx_pkt(&h, seed, nsegs);
		CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) == 1);
		CHECK(tx_expect(&dead, &c[0], seed));
		rdev_used(&dead, c[0].id, 0, c[0].n, true);
	}
	for (i = 0; i < post; i++)
		pkts[i] = tx_pkt(&h, (uint8_t)(seed + i), nsegs);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, post) == post);
	for (i = 0; i < take; i++) {
		CHECK(tx_expect(&dead, &c[i], (uint8_t)(seed + i)));
		total += c[i].n;
	}
	if (take > 0 && mode == D_BATCH)
		rdev_used(&dead, c[take - 1].id, 0, total, true);
	for (i = 0; i < take && (mode == D_EACH || mode == D_HOLE); i++) {
		head_wrap = i == 0 ? dead.used_wrap : head_wrap;
		pos = rdev_used(&dead, c[i].id, 0, c[i].n, mode == D_EACH || i > 0);
		head = i == 0 ? pos : head;
	}
	CHECK(virtqueue_resume_base(h.p.vqs[1], &base) == 0);
	CHECK(base == rdev_base(&dead));
	/* The hole was completed for the dead device, in its lap. */
	if (mode == D_HOLE && take > 0)
		CHECK((dead.desc[head].flags & AU) == (head_wrap ? AU : 0));
	rdev_bind(&fresh, h.p.vqs[1], base);
	/* Taken but not completed: offered again. */
	for (i = mode == D_NONE ? 0 : take; i < post; i++) {
		CHECK(tx_expect(&fresh, &c[0], (uint8_t)(seed + i)));
		rdev_used(&fresh, c[0].id, 0, c[0].n, true);
	}
	CHECK(rdev_pop(&fresh, &c[0]) < 0);
	/* More traffic: the driver reclaims across the old and new device's work. */
	for (l = 0; l < 2u * size; l++) {
		pkts[0] = tx_pkt(&h, (uint8_t)l, nsegs);
		if (h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 1) != 1) {
			rte_pktmbuf_free(pkts[0]);
			CHECK(false);
			break;
		}
		CHECK(tx_expect(&fresh, &c[0], (uint8_t)l));
		rdev_used(&fresh, c[0].id, 0, c[0].n, true);
	}
	CHECK(!virtqueue_is_broken(h.p.vqs[1]));
	h_teardown(&h);
}

/* Receive everything there is; count frames equal to seeds first..; returns count. */
static uint16_t
rx_drain(struct harness *h, uint8_t first, uint16_t *bad)
{
	uint8_t frame[FRAME_LEN];
	struct rte_mbuf *pkts[32];
	uint16_t n, i, got = 0;

	while ((n = h->p.dev.rx_pkt_burst(h->p.rxqs[0], pkts, 32)) > 0) {
		for (i = 0; i < n; i++, got++) {
			make_frame(frame, FRAME_LEN, (uint8_t)(first + got));
			if (pkts[i]->pkt_len != FRAME_LEN ||
			    memcmp(rte_pktmbuf_mtod(pkts[i], void *), frame, FRAME_LEN) != 0)
				(*bad)++;
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return got;
}

/*
 * Rx: 'laps' frames first, then the dead device fills 'fill' buffers
 * (D_HOLE: the first one's flags never written); the driver consumes
 * 'early' of them before the base is computed.
 */
static void
test_rx(uint64_t features, uint16_t size, enum dead_mode mode, uint16_t fill, uint16_t early,
	unsigned int laps)
{
	struct virtnet_stats *st;
	struct rte_mbuf *pkts[32];
	struct rdev dead, fresh;
	struct harness h;
	uint32_t base = 0;
	uint16_t i, pos, bad = 0, n;
	unsigned int l;

	printf("rx features 0x%" PRIx64 " size %u %s fill %u early %u\n", features, size,
	       dead_names[mode], fill, early);
	CHECK(h_setup(&h, features, size) == 0);
	rdev_bind(&dead, h.p.vqs[0], 1u << 15);
	for (l = 0; l < laps; l++) {
		CHECK(rdev_rx(&dead, (uint8_t)l, true, &pos) == 0);
		CHECK(rx_drain(&h, (uint8_t)l, &bad) == 1);
	}
	for (i = 0; i < fill; i++)
		CHECK(rdev_rx(&dead, (uint8_t)i, mode != D_HOLE || i > 0, &pos) == 0);
	n = early > 0 ? h.p.dev.rx_pkt_burst(h.p.rxqs[0], pkts, early) : 0;
	CHECK(n == (mode == D_HOLE ? 0 : early));
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(virtqueue_resume_base(h.p.vqs[0], &base) == 0);
	CHECK(base == rdev_base(&dead));
	st = virtio_rxq_stats(h.p.rxqs[0]);
	if (mode == D_HOLE) {
		/* The hole and what followed it are dropped, never delivered. */
		CHECK(rx_drain(&h, 0, &bad) == 0);
		CHECK(st->errors == fill);
	} else {
		CHECK(rx_drain(&h, (uint8_t)n, &bad) == fill - n);
		CHECK(st->errors == 0);
	}
	CHECK(h.p.vqs[0]->used_cons_idx == (base & 0x7fff) && h.p.vqs[0]->used_wrap == base >> 15);
	rdev_bind(&fresh, h.p.vqs[0], base);
	for (l = 0; l < 3u * size; l++) {
		CHECK(rdev_rx(&fresh, (uint8_t)(l + 7), true, &pos) == 0);
		CHECK(rx_drain(&h, (uint8_t)(l + 7), &bad) == 1);
	}
	CHECK(bad == 0);
	CHECK(!virtqueue_is_broken(h.p.vqs[0]));
	h_teardown(&h);
}

enum hostile {
	X_BAD_ID,	/* used id not in flight */
	X_GAP,		/* two chains not used, then a used one */
	X_BEYOND,	/* a used mark past what the driver posted */
};

static void
test_hostile(uint64_t features, enum hostile how)
{
	struct rte_mbuf *pkts[8];
	struct harness h;
	struct rchain c[8];
	struct rdev dead;
	uint32_t base = 0;
	uint16_t i, p;

	printf("hostile %d features 0x%" PRIx64 "\n", how, features);
	CHECK(h_setup(&h, features, 64) == 0);
	rdev_bind(&dead, h.p.vqs[1], 1u << 15);
	for (i = 0; i < 8; i++)
		pkts[i] = tx_pkt(&h, (uint8_t)i, 1);
	CHECK(h.p.dev.tx_pkt_burst(h.p.txqs[0], pkts, 8) == 8);
	for (i = 0; i < 4; i++)
		CHECK(tx_expect(&dead, &c[i], (uint8_t)i));
	switch (how) {
	case X_BAD_ID:
		rdev_used(&dead, 40, 0, 1, true);
		break;
	case X_GAP:
		rdev_step(&dead, &dead.used_pos, &dead.used_wrap, c[0].n + c[1].n);
		rdev_used(&dead, c[2].id, 0, c[2].n, true);
		break;
	case X_BEYOND:
		p = 20;		/* 8 one-descriptor packets posted from 0 */
		dead.desc[p].id = c[0].id;
		__atomic_store_n(&dead.desc[p].flags, AU, __ATOMIC_RELEASE);
		break;
	}
	CHECK(virtqueue_resume_base(h.p.vqs[1], &base) == -EPROTO);
	CHECK(virtqueue_is_broken(h.p.vqs[1]));
	CHECK(virtqueue_resume_base(h.p.vqs[1], &base) == -EIO);
	h_teardown(&h);
}

/* ---- stress: the Rx burst runs on another thread while the base is computed ---- */

struct stress {
	struct harness *h;
	volatile bool stop;
	uint64_t got, bad;
};

static void *
stress_rx(void *arg)
{
	struct stress *s = arg;
	struct rte_mbuf *pkts[4];
	uint16_t n;

	while (!s->stop) {
		n = s->h->p.dev.rx_pkt_burst(s->h->p.rxqs[0], pkts, 1 + (s->got & 3));
		__atomic_add_fetch(&s->got, n, __ATOMIC_RELEASE);
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return NULL;
}

static void
test_rx_stress(uint64_t features, uint16_t size, unsigned int rounds)
{
	struct stress s = { 0 };
	pthread_attr_t attr;
	struct harness h;
	cpu_set_t cpus;
	struct rdev d;
	pthread_t t;
	uint64_t sent = 0;
	uint32_t base = 0;
	unsigned int r, mismatches = 0;
	uint16_t k, pos;
	int i;

	printf("rx stress features 0x%" PRIx64 " size %u rounds %u\n", features, size, rounds);
	CHECK(h_setup(&h, features, size) == 0);
	rdev_bind(&d, h.p.vqs[0], 1u << 15);
	s.h = &h;
	/* Any CPU: EAL pinned this thread, which the new one would inherit. */
	CPU_ZERO(&cpus);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &cpus);
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus) == 0);
	CHECK(pthread_create(&t, &attr, stress_rx, &s) == 0);
	pthread_attr_destroy(&attr);
	for (r = 0; r < rounds; r++) {
		k = (uint16_t)(1 + r % (size / 2));
		for (i = 0; i < k; i++) {
			while (rdev_rx(&d, (uint8_t)i, true, &pos) < 0)
				;	/* the thread refills */
			sent++;
		}
		if (virtqueue_resume_base(h.p.vqs[0], &base) != 0 || base != rdev_base(&d))
			mismatches++;
		rdev_bind(&d, h.p.vqs[0], base);	/* the new device continues there */
	}
	while (__atomic_load_n(&s.got, __ATOMIC_ACQUIRE) < sent)
		;
	s.stop = true;
	pthread_join(t, NULL);
	CHECK(mismatches == 0);
	CHECK(s.got == sent);
	CHECK(!virtqueue_is_broken(h.p.vqs[0]));
	h_teardown(&h);
}

/* Fresh started rings: packed lap 1 position 0; split used index 0. */
static void
test_fresh(uint64_t features)
{
	struct harness h;
	uint32_t base = 7;

	CHECK(h_setup(&h, features, 256) == 0);
	CHECK(virtqueue_resume_base(h.p.vqs[0], &base) == 0);
	CHECK(base == ((features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) ? 1u << 15 : 0));
	CHECK(virtqueue_resume_base(h.p.vqs[1], &base) == 0);
	CHECK(base == ((features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) ? 1u << 15 : 0));
	h_teardown(&h);
}

int
main(int argc, char **argv)
{
	const uint64_t pk = VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	const uint64_t ino = VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	const uint64_t mrg = VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	const uint64_t ind = VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC);
	static const uint16_t sizes[] = { 256, 13 };
	unsigned int s, laps;

	RTE_SET_USED(argc);
	if (th_eal_init(argv[0], "ring-resume", "pmd.net.virtio.*:info") < 0)
		return 1;
	if (rte_pktmbuf_pool_create("resumetest", POOL_SIZE, 0, 0, DATA_ROOM,
				    SOCKET_ID_ANY) == NULL) {
		printf("pool creation failed\n");
		return 1;
	}
	test_fresh(0);
	test_fresh(pk);
	for (s = 0; s < RTE_DIM(sizes); s++) {
		for (laps = 0; laps < 2u * sizes[s] + 3; laps += sizes[s] / 2 + 1) {
			test_tx(pk, sizes[s], 1, D_EACH, 3, 6, laps);
			test_tx(pk, sizes[s], 3, D_EACH, 2, 3, laps);
			test_tx(pk, sizes[s], 1, D_HOLE, 4, 6, laps);
			test_tx(pk, sizes[s], 3, D_HOLE, 2, 3, laps);
			test_tx(pk, sizes[s], 1, D_NONE, 3, 5, laps);
			test_tx(pk | ino, sizes[s], 1, D_BATCH, 4, 6, laps);
			test_tx(pk | ino, sizes[s], 3, D_BATCH, 3, 3, laps);
			test_tx(pk | ino, sizes[s], 3, D_EACH, 2, 3, laps);
			test_tx(pk | ino, sizes[s], 1, D_HOLE, 4, 6, laps);
			test_tx(pk | ind, sizes[s], 3, D_HOLE, 3, 5, laps);
			test_rx(pk, sizes[s], D_EACH, 5, 2, laps);
			test_rx(pk | mrg, sizes[s], D_EACH, 5, 0, laps);
			test_rx(pk | ino, sizes[s], D_EACH, 5, 3, laps);
			test_rx(pk, sizes[s], D_HOLE, 4, 1, laps);
			test_rx(pk | mrg | ino, sizes[s], D_HOLE, 4, 0, laps);
		}
	}
	test_hostile(pk, X_BAD_ID);
	test_hostile(pk, X_GAP);
	test_hostile(pk, X_BEYOND);
	test_hostile(pk | ino, X_BAD_ID);
	test_hostile(pk | ino, X_BEYOND);
	test_rx_stress(pk, 256, 3000);
	test_rx_stress(pk | ino | mrg, 64, 3000);

	return th_finish();
}
