/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_PORT_H
#define TEST_PORT_H

/*
 * One queue pair of a port over a fake transport, for the in-process ring
 * tests: a virtio_hw with the given features, the ethdev data the queue ops
 * need, both virtqueues created, bound and started.  The test's fake device
 * then drives the rings through hw.vqs[0] (Rx) and hw.vqs[1] (Tx).
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_harness.h"
#include "virtio.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

struct th_port {
	struct virtio_hw hw;
	struct rte_eth_dev dev;
	struct rte_eth_dev_data data;
	void *rxqs[1];
	void *txqs[1];
	struct virtqueue *vqs[3];
	struct rte_mempool *mp;
};

struct th_port_cfg {
	const struct virtio_ops *ops;	/* the fake transport */
	const char *name;		/* port name, and the mbuf pool to look up */
	uint64_t features;		/* negotiated, as the layout needs them */
	uint16_t hdr_size;
	uint16_t size;			/* ring entries */
	uint16_t rx_desc, tx_desc;	/* queue setup nb_desc (0: the ring) */
	bool use_va;
	bool vec;			/* devarg vectorized=1 */
	uint64_t rx_offloads;
};

/* The hw and the ethdev wiring only: no virtqueue yet. */
static inline void
th_port_init(struct th_port *p, const struct th_port_cfg *c)
{
	memset(p, 0, sizeof(*p));
	p->mp = rte_mempool_lookup(c->name);
	p->hw.ops = c->ops;
	p->hw.vqs = p->vqs;
	p->hw.nb_vqs = RTE_DIM(p->vqs);
	p->hw.guest_features = c->features;
	p->hw.vtnet_hdr_size = c->hdr_size;
	p->hw.max_queue_pairs = 1;
	p->hw.use_va = c->use_va;
	p->hw.use_vec_rx = c->vec;
	p->hw.weak_barriers = true;
	p->hw.max_rx_pkt_len = 1518;
	p->hw.rx_offloads = c->rx_offloads;
	p->dev.data = &p->data;
	p->data.dev_private = &p->hw;
	p->data.rx_queues = p->rxqs;
	p->data.tx_queues = p->txqs;
	p->data.nb_rx_queues = 1;
	p->data.nb_tx_queues = 1;
	snprintf(p->data.name, sizeof(p->data.name), "%s", c->name);
}

/* th_port_init, then create, bind and start the pair; 0 or the first failing -errno. */
static inline int
th_port_setup(struct th_port *p, const struct th_port_cfg *c)
{
	struct rte_eth_rxconf rxc = { .rx_free_thresh = 0 };
	struct rte_eth_txconf txc = { .tx_free_thresh = 0 };
	int ret;

	th_port_init(p, c);
	ret = virtqueue_create(&p->hw, 0, c->size, SOCKET_ID_ANY, &p->vqs[0]);
	if (ret == 0)
		ret = virtqueue_create(&p->hw, 1, c->size, SOCKET_ID_ANY, &p->vqs[1]);
	if (ret == 0)
		ret = virtio_dev_rx_queue_setup(&p->dev, 0, c->rx_desc, 0, &rxc, p->mp);
	if (ret == 0)
		ret = virtio_dev_tx_queue_setup(&p->dev, 0, c->tx_desc, 0, &txc);
	if (ret == 0)
		ret = virtio_dev_rxtx_start(&p->dev);
	return ret;
}

/* Stop (every mbuf must be back: checked against pool_size) and free the pair. */
static inline void
th_port_teardown(struct th_port *p, unsigned int pool_size)
{
	virtio_dev_rxtx_stop(&p->dev);
	CHECK(rte_mempool_avail_count(p->mp) == pool_size);
	virtio_dev_rx_queue_release(&p->dev, 0);
	virtio_dev_tx_queue_release(&p->dev, 0);
	virtqueue_destroy(p->vqs[0]);
	virtqueue_destroy(p->vqs[1]);
	p->vqs[0] = p->vqs[1] = NULL;
}

/* Does m's chain hold exactly the len bytes at f? */
static inline bool
th_mbuf_equals(const struct rte_mbuf *m, const uint8_t *f, uint32_t len)
{
	uint32_t off = 0;

	if (m->pkt_len != len)
		return false;
	for (; m != NULL; m = m->next) {
		if (off + m->data_len > len ||
		    memcmp(rte_pktmbuf_mtod(m, const uint8_t *), f + off, m->data_len) != 0)
			return false;
		off += m->data_len;
	}
	return off == len;
}

/*
 * The test's fake device (each test has its own struct fdev) writing a
 * frame into the Rx ring as buffers of the ring's layout: num_buffers is
 * the true count unless nbufs >= 0.  Returns the buffers used, or -1.
 */
struct fdev;
typedef int th_rx_frame_t(struct fdev *d, const uint8_t *frame, uint32_t len, bool mrg,
			  int nbufs);

/*
 * Mergeable Rx, either layout: num_buffers is read only from a first buffer
 * the device filled to its end.  A short one is the whole packet whatever
 * its header says (7 here); the next frame spans a full and a partial
 * buffer and goes by num_buffers as usual.
 */
static inline void
th_rx_mrg_short_first(struct th_port *p, struct fdev *d, th_rx_frame_t *frame_in)
{
	struct virtnet_stats *st = virtio_rxq_stats(p->rxqs[0]);
	struct rte_mbuf *pkts[4];
	uint8_t frame[3000];
	uint16_t n, i;

	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(3 + i * 7);
	frame[0] = 0x02;	/* unicast, locally administered */
	CHECK(frame_in(d, frame, 100, true, 7) == 1);
	n = p->dev.rx_pkt_burst(p->rxqs[0], pkts, RTE_DIM(pkts));
	CHECK(n == 1 && th_mbuf_equals(pkts[0], frame, 100) && pkts[0]->nb_segs == 1);
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(frame_in(d, frame, sizeof(frame), true, -1) == 2);
	n = p->dev.rx_pkt_burst(p->rxqs[0], pkts, RTE_DIM(pkts));
	CHECK(n == 1 && th_mbuf_equals(pkts[0], frame, sizeof(frame)) && pkts[0]->nb_segs == 2);
	rte_pktmbuf_free_bulk(pkts, n);
	CHECK(st->packets == 2 && st->errors == 0);
}

#endif /* TEST_PORT_H */
