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

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* Fresh Rx buffers are taken from the pool this many at a time. */
#define SPLIT_RX_REFILL_CHUNK	64
/* Tx mbufs are returned to their pools this many at a time. */
#define SPLIT_TX_FREE_CHUNK	64

_Static_assert(sizeof(void *) == sizeof(uint64_t), "mbuf address read as 64 bits");
_Static_assert(RTE_PKTMBUF_HEADROOM >= sizeof(struct virtio_net_hdr_mrg_rxbuf),
	       "the Rx header lives in the mbuf headroom");

static __rte_always_inline uint16_t
split_next(const struct virtqueue *vq, uint16_t idx, const bool in_order)
{
	return in_order ? (uint16_t)((idx + 1) & vq->mask) : vq->descx[idx].next;
}

/*
 * Number of used entries to consume, or -1 after marking the queue broken when
 * the device claims more than the driver has in flight.
 */
static __rte_always_inline int
split_used_count(struct virtqueue *vq)
{
	uint16_t nused = virtqueue_split_used_pending(vq);
	uint16_t inflight = vq->limit - vq->free_cnt;

	if (unlikely(nused > inflight)) {
		virtqueue_mark_broken(vq, "used idx moved %u ahead, %u descriptors in flight",
				      nused, inflight);
		return -1;
	}
	return nused;
}

/* ---- Rx ---- */

/*
 * Consume the next used element of an Rx queue (one descriptor per buffer).
 * Returns its mbuf and *len, or NULL with the queue marked broken.
 */
static __rte_always_inline struct rte_mbuf *
split_rx_pop(struct virtqueue *vq, uint32_t *len, const bool in_order)
{
	volatile struct vring_used_elem *e = &vq->split.used->ring[vq->used_cons_idx & vq->mask];
	uint32_t id = e->id;
	struct rte_mbuf *m;

	*len = e->len;
	if (in_order) {
		if (unlikely(id != (vq->used_cons_idx & vq->mask))) {
			virtqueue_mark_broken(vq, "used id %u out of order, expected %u",
					      id, vq->used_cons_idx & vq->mask);
			return NULL;
		}
	} else if (unlikely(id > vq->mask)) {
		virtqueue_mark_broken(vq, "used id %u beyond ring size %u", id, vq->size);
		return NULL;
	}
	m = vq->descx[id].cookie;
	if (unlikely(m == NULL)) {
		virtqueue_mark_broken(vq, "used id %u is not in flight", id);
		return NULL;
	}
	vq->descx[id].cookie = NULL;
	if (!in_order) {
		vq->descx[id].next = vq->desc_head;
		vq->desc_head = (uint16_t)id;
	}
	vq->free_cnt++;
	vq->used_cons_idx++;
	return m;
}

/* Post 'n' raw mbufs as device-writable buffers (header in the headroom). */
static __rte_always_inline void
split_rx_post(struct virtnet_rx *rxq, struct rte_mbuf **mbufs, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct vring_desc *desc = vq->split.desc;
	uint16_t *ring = vq->split.avail->ring;
	uint64_t off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	uint16_t id = vq->desc_head;
	uint16_t i;

	for (i = 0; i < n; i++) {
		desc[id].addr = virtqueue_mbuf_addr(vq, mbufs[i]) + off;
		desc[id].len = rxq->buf_len;
		desc[id].flags = VRING_DESC_F_WRITE;
		vq->descx[id].cookie = mbufs[i];
		vq->descx[id].ndescs = 1;
		ring[vq->avail_idx & vq->mask] = id;
		vq->avail_idx++;
		id = split_next(vq, id, in_order);
	}
	vq->desc_head = id;
	vq->free_cnt -= n;
}

/*
 * Fill the free descriptors from the pool, publish avail->idx.  Returns the
 * number posted, or -ENOMEM (counted in rx_mbuf_alloc_failed) when the pool
 * could not provide a chunk; what was posted before stays posted.
 */
static __rte_always_inline int
split_rx_refill(struct virtnet_rx *rxq, const bool in_order)
{
	struct rte_mbuf *mbufs[SPLIT_RX_REFILL_CHUNK];
	struct virtqueue *vq = rxq->vq;
	int posted = 0, ret = 0;
	uint16_t n;

	while (vq->free_cnt > 0) {
		n = RTE_MIN(vq->free_cnt, SPLIT_RX_REFILL_CHUNK);
		if (unlikely(rte_mempool_get_bulk(rxq->mp, (void **)mbufs, n) < 0)) {
			*rxq->alloc_failed += n;
			ret = -ENOMEM;
			break;
		}
		split_rx_post(rxq, mbufs, n, in_order);
		posted += n;
	}
	if (posted > 0)
		virtqueue_split_avail_publish(vq);
	return posted > 0 ? posted : ret;
}

int
virtio_split_rx_refill(struct virtnet_rx *rxq)
{
	int ret;

	if (rxq->vq->in_order)
		ret = split_rx_refill(rxq, true);
	else
		ret = split_rx_refill(rxq, false);
	return rxq->vq->free_cnt == 0 ? 0 : (ret < 0 ? ret : -ENOMEM);
}

/* Refill if enough descriptors are free, then kick if the device asks for it. */
static __rte_always_inline void
split_rx_replenish(struct virtnet_rx *rxq, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;

	if (vq->free_cnt < rxq->free_thresh || unlikely(!vq->running))
		return;
	if (split_rx_refill(rxq, in_order) > 0 && unlikely(virtqueue_split_kick_needed(vq)))
		virtqueue_notify(vq);
}

static __rte_always_inline uint16_t
split_recv(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	uint32_t min_len = rxq->hdr_size + RTE_ETHER_HDR_LEN;
	uint16_t i, num, nb_rx = 0;
	struct rte_mbuf *m;
	uint32_t len;
	int nused;

	if (unlikely(!vq->running))
		return 0;
	nused = split_used_count(vq);
	if (unlikely(nused < 0))
		return 0;
	num = RTE_MIN((uint16_t)nused, n);

	for (i = 0; i < num; i++) {
		m = split_rx_pop(vq, &len, in_order);
		if (unlikely(m == NULL))
			break;
		if (unlikely(len < min_len || len > rxq->buf_len)) {
			PMD_RX_LOG(ERR, "port %u rxq %u: bad used len %u",
				   rxq->port_id, rxq->queue_id, len);
			rte_mbuf_raw_free(m);
			rxq->stats.errors++;
			continue;
		}
		virtio_rx_rearm(rxq, m, len - rxq->hdr_size);
		if (unlikely(rxq->vlan_strip | rxq->offload) && virtio_rx_finish_slow(rxq, m) < 0) {
			rte_pktmbuf_free(m);
			rxq->stats.errors++;
			continue;
		}
		virtnet_stats_count(&rxq->stats, m->pkt_len, rte_pktmbuf_mtod(m, void *));
		pkts[nb_rx++] = m;
	}
	rxq->stats.packets += nb_rx;
	split_rx_replenish(rxq, in_order);
	return nb_rx;
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

/*
 * Append the 'more' continuation buffers of a mergeable packet to 'head'.
 * Returns 0, 1 when a segment length is bad (all buffers still consumed and
 * chained, so the caller frees one chain), or -1 when the queue broke.
 */
static __rte_always_inline int
split_rx_merge(struct virtnet_rx *rxq, struct rte_mbuf *head, uint16_t more,
	       const bool in_order)
{
	struct rte_mbuf *prev = head, *seg;
	uint16_t data_off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	int bad = 0;
	uint32_t len;

	while (more-- > 0) {
		seg = split_rx_pop(rxq->vq, &len, in_order);
		if (unlikely(seg == NULL))
			return -1;
		if (unlikely(len == 0 || len > rxq->buf_len)) {
			bad = 1;
			len = 0;
		}
		virtio_rx_rearm(rxq, seg, len);
		seg->data_off = data_off;	/* no header in continuation buffers */
		prev->next = seg;
		prev = seg;
		head->pkt_len += len;
		head->nb_segs++;
	}
	return bad;
}

static __rte_always_inline uint16_t
split_recv_mrg(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	uint32_t min_len = rxq->hdr_size + RTE_ETHER_HDR_LEN;
	const volatile struct virtio_net_hdr_mrg_rxbuf *hdr;
	uint16_t nb_rx = 0, nbufs;
	struct rte_mbuf *m;
	uint32_t len;
	int nused, ret;

	if (unlikely(!vq->running))
		return 0;
	nused = split_used_count(vq);
	if (unlikely(nused < 0))
		return 0;

	while (nb_rx < n && nused > 0) {
		m = split_rx_pop(vq, &len, in_order);
		if (unlikely(m == NULL))
			break;
		nused--;
		if (unlikely(len < min_len || len > rxq->buf_len)) {
			rte_mbuf_raw_free(m);
			rxq->stats.errors++;
			continue;
		}
		hdr = (const volatile void *)virtio_rx_hdr(rxq, m);
		nbufs = hdr->num_buffers;
		/* All buffers of a packet are made used together (5.1.6.4). */
		if (unlikely(nbufs == 0 || nbufs - 1 > nused)) {
			PMD_RX_LOG(ERR, "port %u rxq %u: num_buffers %u, %d used",
				   rxq->port_id, rxq->queue_id, nbufs, nused + 1);
			rte_mbuf_raw_free(m);
			rxq->stats.errors++;
			continue;
		}
		virtio_rx_rearm(rxq, m, len - rxq->hdr_size);
		ret = 0;
		if (nbufs > 1) {
			ret = split_rx_merge(rxq, m, nbufs - 1, in_order);
			nused -= nbufs - 1;
		}
		if (unlikely(ret != 0) ||
		    (unlikely(rxq->vlan_strip | rxq->offload) &&
		     virtio_rx_finish_slow(rxq, m) < 0)) {
			rte_pktmbuf_free(m);
			if (ret < 0)
				break;
			rxq->stats.errors++;
			continue;
		}
		virtnet_stats_count(&rxq->stats, m->pkt_len, rte_pktmbuf_mtod(m, void *));
		pkts[nb_rx++] = m;
	}
	rxq->stats.packets += nb_rx;
	split_rx_replenish(rxq, in_order);
	return nb_rx;
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

static __rte_always_inline void
split_tx_free(struct rte_mbuf **mbufs, unsigned int *n, struct rte_mbuf *m)
{
	mbufs[(*n)++] = m;
	if (*n == SPLIT_TX_FREE_CHUNK) {
		rte_pktmbuf_free_bulk(mbufs, *n);
		*n = 0;
	}
}

/* Out of order: return every used chain to the free list and free its mbuf. */
static void
split_tx_reclaim(struct virtqueue *vq)
{
	struct rte_mbuf *mbufs[SPLIT_TX_FREE_CHUNK];
	volatile struct vring_used_elem *e;
	uint16_t nd, tail, k;
	unsigned int nfree = 0;
	uint32_t id;
	int nused;

	nused = split_used_count(vq);
	while (nused-- > 0) {
		e = &vq->split.used->ring[vq->used_cons_idx & vq->mask];
		id = e->id;
		if (unlikely(id > vq->mask || vq->descx[id].cookie == NULL)) {
			virtqueue_mark_broken(vq, "used id %u is not a chain in flight (size %u)",
					      id, vq->size);
			break;
		}
		split_tx_free(mbufs, &nfree, vq->descx[id].cookie);
		vq->descx[id].cookie = NULL;
		nd = vq->descx[id].ndescs;
		/* ndescs and the links are ours: the walk is bounded by the chain. */
		for (tail = (uint16_t)id, k = 1; k < nd; k++)
			tail = vq->descx[tail].next;
		vq->descx[tail].next = vq->desc_head;
		vq->desc_head = (uint16_t)id;
		vq->free_cnt += nd;
		vq->used_cons_idx++;
	}
	if (nfree > 0)
		rte_pktmbuf_free_bulk(mbufs, nfree);
}

/*
 * In order: the id of the last used element is the head of the last chain the
 * device finished; every chain from vq->inorder_done up to it is complete.
 * The id must be a chain head inside the in-flight window.
 */
static void
split_tx_reclaim_inorder(struct virtqueue *vq)
{
	struct rte_mbuf *mbufs[SPLIT_TX_FREE_CHUNK];
	uint16_t pos = vq->inorder_done, inflight, dist, nd;
	unsigned int nfree = 0;
	uint32_t walked = 0, chains = 0;
	uint32_t id;
	int nused;

	nused = split_used_count(vq);
	if (nused <= 0)
		return;
	id = ((volatile struct vring_used_elem *)vq->split.used->ring)
		[(vq->used_cons_idx + nused - 1) & vq->mask].id;
	inflight = vq->limit - vq->free_cnt;
	dist = (uint16_t)((id - pos) & vq->mask);
	if (unlikely(id > vq->mask || dist >= inflight)) {
		virtqueue_mark_broken(vq, "used id %u outside the in-flight window [%u, +%u)",
				      id, pos, inflight);
		return;
	}
	for (;;) {
		nd = vq->descx[pos].ndescs;
		if (unlikely(walked > dist || vq->descx[pos].cookie == NULL || nd == 0)) {
			virtqueue_mark_broken(vq, "used id %u is not the head of a chain in flight",
					      id);
			break;
		}
		split_tx_free(mbufs, &nfree, vq->descx[pos].cookie);
		vq->descx[pos].cookie = NULL;
		vq->free_cnt += nd;
		walked += nd;
		chains++;
		if (pos == id) {
			vq->inorder_done = (uint16_t)((pos + nd) & vq->mask);
			vq->used_cons_idx += nused;
			/* At most one used entry per completed chain. */
			if (unlikely(chains < (uint32_t)nused))
				virtqueue_mark_broken(vq, "%d used entries, %u chains up to id %u",
						      nused, chains, id);
			break;
		}
		pos = (uint16_t)((pos + nd) & vq->mask);
	}
	if (nfree > 0)
		rte_pktmbuf_free_bulk(mbufs, nfree);
}

static __rte_always_inline void
split_tx_reclaim_any(struct virtqueue *vq, const bool in_order)
{
	if (in_order)
		split_tx_reclaim_inorder(vq);
	else
		split_tx_reclaim(vq);
}

static __rte_always_inline void
split_desc_set(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
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

static __rte_always_inline void
split_tx_enqueue(struct virtnet_tx *txq, struct rte_mbuf *m, enum virtio_tx_mode mode,
		 uint16_t slots, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t head = vq->desc_head, last = head;
	struct virtio_net_hdr_mrg_rxbuf *hdr;

	switch (mode) {
	case VIRTIO_TX_PUSH:
		hdr = rte_pktmbuf_mtod_offset(m, struct virtio_net_hdr_mrg_rxbuf *,
					      -(int)txq->hdr_size);
		virtio_tx_hdr_fill(txq, hdr, m);
		split_desc_set(&vq->split.desc[head],
			       virtqueue_mbuf_addr(vq, m) + m->data_off - txq->hdr_size,
			       m->data_len + txq->hdr_size, 0, 0);
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
	vq->split.avail->ring[vq->avail_idx & vq->mask] = head;
	vq->avail_idx++;
	vq->free_cnt -= slots;
	vq->desc_head = split_next(vq, last, in_order);
}

static __rte_always_inline uint16_t
split_xmit(struct virtnet_tx *txq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t i, slots, sent = 0;
	enum virtio_tx_mode mode;
	struct rte_mbuf *m;

	if (unlikely(!vq->running))
		return 0;
	if (vq->free_cnt < txq->free_thresh) {
		split_tx_reclaim_any(vq, in_order);
		if (unlikely(!vq->running))
			return 0;
	}

	for (i = 0; i < n; i++) {
		m = pkts[i];
		mode = virtio_tx_mode_of(txq, m, &slots);
		if (unlikely(slots > vq->free_cnt)) {
			if (unlikely(slots > vq->limit)) {
				/* Can never fit: drop it rather than stall the queue. */
				rte_pktmbuf_free(m);
				txq->stats.errors++;
				continue;
			}
			split_tx_reclaim_any(vq, in_order);
			if (unlikely(slots > vq->free_cnt || !vq->running))
				break;
		}
		virtnet_stats_count(&txq->stats, m->pkt_len, rte_pktmbuf_mtod(m, void *));
		split_tx_enqueue(txq, m, mode, slots, in_order);
		sent++;
	}
	txq->stats.packets += sent;
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
