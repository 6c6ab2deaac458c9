/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring Rx and Tx bursts.
 *
 * Descriptor bookkeeping lives in vq->descx (driver-private): the cookie and
 * chain length sit on the head descriptor, chains and the free list are linked
 * through descx[].next.  Nothing read back from shared memory is followed.
 *
 * Out of order: descriptors come from the private free list and return to it.
 * In order (VIRTIO_F_IN_ORDER): descriptors are taken sequentially from
 * vq->desc_head and come back sequentially from vq->inorder_done, so the used
 * ring only tells how far the device got.
 *
 * Every used id and len is UNTRUSTED: ids are checked against the ring and the
 * in-flight state (any violation marks the queue broken and the burst stops),
 * lengths against the buffer (a bad length drops the packet and counts an
 * error).  Rx buffers are raw mbufs from the pool: refcnt 1, one segment, next
 * NULL (the rte_mbuf_raw_alloc contract); they are rearmed on receive.
 */

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtio_rxtx_split.h"
#include "virtqueue.h"

static __rte_always_inline uint16_t
split_next(const struct virtqueue *vq, uint16_t idx, const bool in_order)
{
	return in_order ? (uint16_t)((idx + 1) & vq->mask) : vq->descx[idx].next;
}

int
virtio_split_rx_refill(struct virtnet_rx *rxq)
{
	split_rx_prime(rxq);
	return virtio_rx_refill_all(rxq, split_rx_refill);
}

static __rte_always_inline uint16_t
split_recv(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct split_rx_cursor c;
	struct virtio_rx_burst b;
	bool published;
	uint16_t nb_rx;

	if (unlikely(!split_rx_begin(rxq, &c, &b, &published, in_order)))
		return 0;
	/* Its own statement: b.bytes is read only after the packets are counted. */
	nb_rx = virtio_rx_single(rxq, rxq->vq, &c, &b, pkts, pkts + n, split_rx_ready,
				 split_rx_pop, in_order) - pkts;
	return split_rx_end(rxq, &c, nb_rx, b.bytes, published, in_order);
}

uint16_t
virtio_split_recv(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv(rxq, pkts, n, false);
}

uint16_t
virtio_split_recv_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv(rxq, pkts, n, true);
}

static __rte_always_inline uint16_t
split_recv_mrg(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct rte_mbuf **out = pkts, **end = pkts + n;
	struct split_rx_cursor c;
	struct virtio_rx_burst b;
	bool published;
	uint16_t nbufs;
	struct rte_mbuf *m;
	uint32_t len;

	if (unlikely(!split_rx_begin(rxq, &c, &b, &published, in_order)))
		return 0;

	while (out != end && split_rx_ready(&c)) {
		m = split_rx_pop(vq, &c, &len, in_order);
		if (unlikely(m == NULL))
			break;
		if (likely(virtio_rx_mrg_short(&b, m, len))) {
			virtio_rx_mrg_packet(rxq, vq, &c, &b, m, len, 1, &out, split_rx_pop,
					     in_order);
			continue;
		}
		if (unlikely(!virtio_rx_len_ok(&b, len))) {
			virtio_rx_drop_raw(rxq, m);
			continue;
		}
		nbufs = virtio_rx_num_buffers(&b, m);
		/* All buffers of a packet are made used together (5.1.6.4). */
		if (unlikely(nbufs != 1) && (nbufs == 0 || nbufs - 1 > c.left)) {
			PMD_RX_LOG(ERR, "port %u rxq %u: num_buffers %u, %u used",
				   rxq->port_id, rxq->queue_id, nbufs, c.left + 1);
			virtio_rx_drop_raw(rxq, m);
			continue;
		}
		if (virtio_rx_mrg_packet(rxq, vq, &c, &b, m, len, nbufs, &out, split_rx_pop,
					 in_order) < 0)
			break;
	}
	return split_rx_end(rxq, &c, out - pkts, b.bytes, published, in_order);
}

uint16_t
virtio_split_recv_mrg(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv_mrg(rxq, pkts, n, false);
}

uint16_t
virtio_split_recv_mrg_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv_mrg(rxq, pkts, n, true);
}

/* ---- Tx ---- */

/*
 * Out of order: return every used chain to the free list and free its mbuf.
 * Each used id must be below the ring size and head a chain in flight.
 */
static __rte_noinline void
split_tx_reclaim(struct virtqueue *vq)
{
	volatile struct vring_used_elem *used = vq->split.used->ring;
	struct vq_desc_extra *dx = vq->descx;
	uint16_t mask = vq->mask, cons = vq->used_cons_idx;
	uint16_t head = vq->desc_head, nfree = 0, nd, tail, k;
	struct virtio_tx_free f;
	struct rte_mbuf *m;
	uint32_t id;
	int nused;

	nused = split_used_count(vq);
	virtio_tx_free_init(&f);
	for (; nused > 0; nused--, cons++) {
		id = used[cons & mask].id;
		if (unlikely(id > mask))
			goto bad;
		m = dx[id].cookie;
		if (unlikely(m == NULL))
			goto bad;
		dx[id].cookie = NULL;
		virtio_tx_free_add(&f, m, dx[id].raw_free);
		nd = dx[id].ndescs;
		tail = (uint16_t)id;
		/* ndescs and the links are ours: the walk is bounded by the chain. */
		if (unlikely(nd > 1))
			for (k = 1; k < nd; k++)
				tail = dx[tail].next;
		dx[tail].next = head;
		head = (uint16_t)id;
		nfree += nd;
	}
	goto out;
bad:
	virtqueue_mark_broken(vq, "used id %u is not a chain in flight (size %u)", id, vq->size);
out:
	vq->used_cons_idx = cons;
	vq->desc_head = head;
	vq->free_cnt += nfree;
	virtio_tx_free_flush(&f);
}

/*
 * In order: the id of the last used element is the head of the last chain the
 * device finished; every chain from vq->inorder_done up to it is complete.
 * The id must be a chain head inside the in-flight window.
 */
static __rte_noinline void
split_tx_reclaim_inorder(struct virtqueue *vq)
{
	struct vq_desc_extra *dx = vq->descx;
	uint16_t pos = vq->inorder_done, mask = vq->mask, inflight, dist, nd;
	uint32_t walked = 0, chains = 0, nfree = 0;
	struct virtio_tx_free f;
	uint32_t id;
	int nused;

	nused = split_used_count(vq);
	if (nused <= 0)
		return;
	id = ((volatile struct vring_used_elem *)vq->split.used->ring)
		[(vq->used_cons_idx + nused - 1) & mask].id;
	inflight = vq->limit - vq->free_cnt;
	dist = (uint16_t)((id - pos) & mask);
	if (unlikely(id > mask || dist >= inflight)) {
		virtqueue_mark_broken(vq, "used id %u outside the in-flight window [%u, +%u)",
				      id, pos, inflight);
		return;
	}
	virtio_tx_free_init(&f);
	/* Chains from pos: each head holds its cookie and length (ours). */
	for (;;) {
		nd = dx[pos].ndescs;
		if (unlikely(walked > dist || dx[pos].cookie == NULL || nd == 0)) {
			virtqueue_mark_broken(vq, "used id %u is not the head of a chain in flight",
					      id);
			break;
		}
		virtio_tx_free_add(&f, dx[pos].cookie, dx[pos].raw_free);
		dx[pos].cookie = NULL;
		nfree += nd;
		walked += nd;
		chains++;
		if (pos == id) {
			vq->inorder_done = (uint16_t)((pos + nd) & mask);
			vq->used_cons_idx += nused;
			/* At most one used entry per completed chain. */
			if (unlikely(chains < (uint32_t)nused))
				virtqueue_mark_broken(vq, "%d used entries, %u chains up to id %u",
						      nused, chains, id);
			break;
		}
		pos = (uint16_t)((pos + nd) & mask);
	}
	vq->free_cnt += nfree;
	virtio_tx_free_flush(&f);
}

static __rte_always_inline void
split_tx_reclaim_any(struct virtqueue *vq, const bool in_order)
{
	if (in_order)
		split_tx_reclaim_inorder(vq);
	else
		split_tx_reclaim(vq);
}

/* Indirect table in the per-slot region: header, then each segment. */
static __rte_always_inline void
split_tx_fill_indirect(struct virtqueue *vq, const struct virtnet_tx *txq, uint16_t head,
		       struct rte_mbuf *m)
{
	struct virtio_tx_region *r = &txq->hdr_va[head];
	uint64_t raddr = txq->hdr_addr + (uint64_t)head * sizeof(*r);
	struct vring_desc *ind = r->indir;
	uint16_t k = 1;

	virtio_tx_hdr_fill(txq, &r->hdr, m);
	split_desc_set(&ind[0], raddr, txq->hdr_size, VRING_DESC_F_NEXT, 1);
	for (; m != NULL; m = m->next, k++)
		split_desc_set(&ind[k], virtqueue_mbuf_addr(vq, m) + m->data_off, m->data_len,
			       VRING_DESC_F_NEXT, k + 1);
	ind[k - 1].flags = 0;
	split_desc_set(&vq->split.desc[head], raddr + offsetof(struct virtio_tx_region, indir),
		       k * sizeof(struct vring_desc), VRING_DESC_F_INDIRECT, 0);
}

/* Header descriptor from the per-slot region, then one per segment. */
static __rte_always_inline uint16_t
split_tx_fill_chain(struct virtqueue *vq, const struct virtnet_tx *txq, uint16_t head,
		    struct rte_mbuf *m, const bool in_order)
{
	struct vring_desc *desc = vq->split.desc;
	uint16_t idx = head, nxt;

	virtio_tx_hdr_fill(txq, &txq->hdr_va[head].hdr, m);
	nxt = split_next(vq, idx, in_order);
	split_desc_set(&desc[idx], txq->hdr_addr + (uint64_t)head * sizeof(struct virtio_tx_region),
		       txq->hdr_size, VRING_DESC_F_NEXT, nxt);
	for (; m != NULL; m = m->next) {
		idx = nxt;
		nxt = split_next(vq, idx, in_order);
		split_desc_set(&desc[idx], virtqueue_mbuf_addr(vq, m) + m->data_off, m->data_len,
			       VRING_DESC_F_NEXT, nxt);
	}
	desc[idx].flags = 0;
	return idx;
}

/*
 * A packet the push test refused, or no descriptor left: indirect table or
 * header chain, reclaiming first when it does not fit.  Returns 1 when
 * enqueued, 0 when dropped (can never fit, counted), -1 to end the burst.
 */
static __rte_noinline int
split_xmit_slow(struct virtnet_tx *txq, struct rte_mbuf *m, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t slots, head, last, data_off;
	enum virtio_tx_mode mode;
	struct virtio_tx_burst b;
	int ret;

	virtio_tx_burst_init(&b, txq);
	ret = virtio_tx_admit(txq, &b, m, &mode, &slots, &data_off, split_tx_reclaim_any, in_order);
	if (ret <= 0)
		return ret;
	head = vq->desc_head;
	last = head;
	switch (mode) {
	case VIRTIO_TX_PUSH:
		virtio_tx_hdr_push(txq, &b, m, rte_pktmbuf_mtod(m, uint8_t *));
		split_desc_set(&vq->split.desc[head],
			       virtqueue_mbuf_addr(vq, m) + data_off - b.hdr_size,
			       m->data_len + b.hdr_size, 0, 0);
		break;
	case VIRTIO_TX_INDIRECT:
		split_tx_fill_indirect(vq, txq, head, m);
		break;
	case VIRTIO_TX_CHAIN:
		last = split_tx_fill_chain(vq, txq, head, m, in_order);
		break;
	}
	vq->descx[head].cookie = m;
	vq->descx[head].ndescs = slots;
	vq->descx[head].raw_free = mode == VIRTIO_TX_PUSH;
	virtqueue_split_avail_put(vq->split.avail->ring, vq->avail_idx & vq->mask, head);
	vq->avail_idx++;
	vq->free_cnt -= slots;
	vq->desc_head = split_next(vq, last, in_order);
	return 1;
}

/*
 * The burst keeps the ring state in registers for the common packet (one
 * descriptor, header pushed into the headroom) and hands everything else to
 * split_xmit_slow with the state written back.  Room is avail_idx reaching
 * avail_end (avail_idx + free_cnt): one counter per packet.
 */
static __rte_always_inline uint16_t
split_xmit(struct virtnet_tx *txq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	struct vring_desc *desc = vq->split.desc;
	struct vq_desc_extra *dx = vq->descx;
	uint16_t *ring = vq->split.avail->ring;
	uint16_t mask = vq->mask, addr_off = vq->mbuf_addr_off;
	uint16_t head, nxt, avail, avail_end, data_off, i, sent = 0;
	struct virtio_tx_burst b;
	struct rte_mbuf *m;
	uint8_t *data;
	int ret;

	if (unlikely(!vq->running))
		return 0;
	if (vq->free_cnt < txq->free_thresh) {
		split_tx_reclaim_any(vq, in_order);
		if (unlikely(!vq->running))
			return 0;
	}
	virtio_tx_burst_init(&b, txq);
	head = vq->desc_head;
	avail = vq->avail_idx;
	avail_end = avail + vq->free_cnt;
	/* Out of order the free descriptors are a list: no range to ask for. */
	if (in_order && txq->prefetch_w)
		virtqueue_prefetch_w(desc, head, RTE_MIN(n, vq->free_cnt), vq->size, sizeof(*desc));

	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (likely(avail != avail_end && virtio_tx_pushable(&b, m, &data_off))) {
			data = (uint8_t *)m->buf_addr + data_off;
			virtio_tx_hdr_push(txq, &b, m, data);
			split_desc_set(&desc[head],
				       *(const uint64_t *)((const uint8_t *)m + addr_off) +
				       data_off - b.hdr_size, m->data_len + b.hdr_size, 0, 0);
			nxt = in_order ? (uint16_t)((head + 1) & mask) : dx[head].next;
			vq_desc_extra_set_pushed(&dx[head], m);
			virtqueue_split_avail_put(ring, avail++ & mask, head);
			head = nxt;
		} else {
			vq->desc_head = head;
			vq->avail_idx = avail;
			vq->free_cnt = avail_end - avail;
			ret = split_xmit_slow(txq, m, in_order);
			head = vq->desc_head;
			avail = vq->avail_idx;
			avail_end = avail + vq->free_cnt;
			if (unlikely(ret <= 0)) {
				if (ret < 0)
					break;
				continue;
			}
			data = rte_pktmbuf_mtod(m, uint8_t *);
		}
		virtio_tx_count(txq, &b, m->pkt_len, data);
		sent++;
	}
	vq->desc_head = head;
	vq->avail_idx = avail;
	vq->free_cnt = avail_end - avail;
	virtnet_stats_burst(&txq->stats, sent, b.bytes);
	/* Queue broke mid-burst: what was enqueued stays ours until reset. */
	if (likely(sent > 0 && vq->running)) {
		virtqueue_split_avail_publish(vq);
		if (unlikely(virtqueue_split_kick_needed(vq)))
			virtqueue_notify(vq);
	}
	return i;
}

uint16_t
virtio_split_xmit(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_xmit(txq, pkts, n, false);
}

uint16_t
virtio_split_xmit_inorder(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_xmit(txq, pkts, n, true);
}
