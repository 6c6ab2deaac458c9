/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packed-ring Rx and Tx bursts (virtio 1.2, 2.8).  Ring positions, laps and
 * buffer ids are described in virtqueue_packed.c.
 *
 * Publishing: every descriptor of a burst (refill or transmit) is written
 * with its flags, except the flags of the first head, which are stored last
 * with release semantics (virtqueue_packed_head_publish).  The device reads
 * the ring in order from that head, so it sees all or nothing of the burst.
 *
 * Every id, len and flag read back is UNTRUSTED: ids are checked against the
 * ring size and the in-flight state (descx[].cookie is non-NULL exactly on
 * the ids, in order: head positions, of chains in flight), any violation
 * marks the queue broken and the burst stops; lengths are checked against
 * the buffer (a bad length drops the packet and counts an error).  Every
 * walk is bounded by what is in flight.
 */

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* Fresh Rx buffers are taken from the pool this many at a time. */
#define PACKED_RX_REFILL_CHUNK	64
/* Tx mbufs are returned to their pools this many at a time. */
#define PACKED_TX_FREE_CHUNK	64

_Static_assert(sizeof(void *) == sizeof(uint64_t), "mbuf address read as 64 bits");
_Static_assert(RTE_PKTMBUF_HEADROOM >= sizeof(struct virtio_net_hdr_mrg_rxbuf),
	       "the Rx header lives in the mbuf headroom");

static __rte_always_inline bool
packed_used_at_head(const struct virtqueue *vq)
{
	return virtqueue_packed_desc_is_used(vq, &vq->packed.desc[vq->used_cons_idx],
					     vq->used_wrap);
}

/* ---- Rx ---- */

/*
 * Check the used descriptor at the used position of an Rx queue (one
 * descriptor per buffer); the caller saw it used.  Returns its id and *len,
 * or -1 with the queue marked broken.
 */
static __rte_always_inline int
packed_rx_peek(struct virtqueue *vq, uint32_t *len, const bool in_order)
{
	const volatile struct vring_packed_desc *d = &vq->packed.desc[vq->used_cons_idx];
	uint16_t id = d->id;

	*len = d->len;
	if (in_order) {
		if (unlikely(id != vq->used_cons_idx)) {
			virtqueue_mark_broken(vq, "used id %u out of order, expected %u",
					      id, vq->used_cons_idx);
			return -1;
		}
	} else if (unlikely(id >= vq->size)) {
		virtqueue_mark_broken(vq, "used id %u beyond ring size %u", id, vq->size);
		return -1;
	}
	if (unlikely(vq->descx[id].cookie == NULL)) {
		virtqueue_mark_broken(vq, "used id %u is not in flight", id);
		return -1;
	}
	return id;
}

/* Take buffer 'id' (checked by packed_rx_peek) out of flight, move on. */
static __rte_always_inline struct rte_mbuf *
packed_rx_take(struct virtqueue *vq, uint16_t id, const bool in_order)
{
	struct rte_mbuf *m = vq->descx[id].cookie;

	vq->descx[id].cookie = NULL;
	if (!in_order) {
		vq->descx[id].next = vq->desc_head;
		vq->desc_head = id;
	}
	vq->free_cnt++;
	if (unlikely(++vq->used_cons_idx == vq->size)) {
		vq->used_cons_idx = 0;
		vq->used_wrap ^= 1;
	}
	return m;
}

/*
 * Write 'n' raw mbufs as device-writable descriptors (header in the
 * headroom).  The flags of the very first descriptor of the refill are left
 * to the caller when 'first' is set.
 */
static __rte_always_inline void
packed_rx_post(struct virtnet_rx *rxq, struct rte_mbuf **mbufs, uint16_t n, bool first,
	       const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct vring_packed_desc *desc = vq->packed.desc;
	uint64_t off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	uint16_t pos = vq->avail_idx, flags = vq->avail_flags | VRING_DESC_F_WRITE;
	uint16_t i, id;

	for (i = 0; i < n; i++) {
		id = in_order ? pos : vq->desc_head;
		if (!in_order)
			vq->desc_head = vq->descx[id].next;
		desc[pos].addr = virtqueue_mbuf_addr(vq, mbufs[i]) + off;
		desc[pos].len = rxq->buf_len;
		desc[pos].id = id;
		if (i > 0 || !first)
			desc[pos].flags = flags;
		vq->descx[id].cookie = mbufs[i];
		if (unlikely(++pos == vq->size)) {
			pos = 0;
			flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
		}
	}
	vq->avail_idx = pos;
	vq->avail_flags = flags & VRING_PACKED_DESC_F_AVAIL_USED;
	vq->free_cnt -= n;
}

/*
 * Fill the free descriptors from the pool, then publish.  Returns the number
 * posted, or -ENOMEM (counted in rx_mbuf_alloc_failed) when the pool could
 * not provide a chunk; what was posted before stays posted.
 */
static __rte_always_inline int
packed_rx_refill(struct virtnet_rx *rxq, const bool in_order)
{
	struct rte_mbuf *mbufs[PACKED_RX_REFILL_CHUNK];
	struct virtqueue *vq = rxq->vq;
	uint16_t head = vq->avail_idx, head_flags = vq->avail_flags | VRING_DESC_F_WRITE;
	int posted = 0, ret = 0;
	uint16_t n;

	while (vq->free_cnt > 0) {
		n = RTE_MIN(vq->free_cnt, PACKED_RX_REFILL_CHUNK);
		if (unlikely(rte_mempool_get_bulk(rxq->mp, (void **)mbufs, n) < 0)) {
			*rxq->alloc_failed += n;
			ret = -ENOMEM;
			break;
		}
		packed_rx_post(rxq, mbufs, n, posted == 0, in_order);
		posted += n;
	}
	if (posted > 0)
		virtqueue_packed_head_publish(vq, head, head_flags);
	return posted > 0 ? posted : ret;
}

int
virtio_packed_rx_refill(struct virtnet_rx *rxq)
{
	int ret;

	if (rxq->vq->in_order)
		ret = packed_rx_refill(rxq, true);
	else
		ret = packed_rx_refill(rxq, false);
	return rxq->vq->free_cnt == 0 ? 0 : (ret < 0 ? ret : -ENOMEM);
}

/* Refill if enough descriptors are free, then kick if the device asks for it. */
static __rte_always_inline void
packed_rx_replenish(struct virtnet_rx *rxq, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;

	if (vq->free_cnt < rxq->free_thresh || unlikely(!vq->running))
		return;
	if (packed_rx_refill(rxq, in_order) > 0 && unlikely(virtqueue_packed_kick_needed(vq)))
		virtqueue_notify(vq);
}

/* Deliver m (pkt_len set) or drop it; true when delivered. */
static __rte_always_inline bool
packed_rx_finish(struct virtnet_rx *rxq, struct rte_mbuf *m)
{
	if (unlikely(rxq->vlan_strip | rxq->offload) && virtio_rx_finish_slow(rxq, m) < 0) {
		rte_pktmbuf_free(m);
		rxq->stats.errors++;
		return false;
	}
	virtnet_stats_count(&rxq->stats, m->pkt_len, rte_pktmbuf_mtod(m, void *));
	return true;
}

static __rte_always_inline uint16_t
packed_recv(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	uint32_t min_len = rxq->hdr_size + RTE_ETHER_HDR_LEN;
	uint16_t nb_rx = 0;
	struct rte_mbuf *m;
	uint32_t len;
	int id;

	if (unlikely(!vq->running))
		return 0;
	while (nb_rx < n && packed_used_at_head(vq)) {
		id = packed_rx_peek(vq, &len, in_order);
		if (unlikely(id < 0))
			break;
		m = packed_rx_take(vq, id, in_order);
		if (unlikely(len < min_len || len > rxq->buf_len)) {
			PMD_RX_LOG(ERR, "port %u rxq %u: bad used len %u",
				   rxq->port_id, rxq->queue_id, len);
			rte_mbuf_raw_free(m);
			rxq->stats.errors++;
			continue;
		}
		virtio_rx_rearm(rxq, m, len - rxq->hdr_size);
		if (packed_rx_finish(rxq, m))
			pkts[nb_rx++] = m;
	}
	rxq->stats.packets += nb_rx;
	packed_rx_replenish(rxq, in_order);
	return nb_rx;
}

uint16_t
virtio_packed_recv(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_recv(rxq, pkts, n, false);
}

uint16_t
virtio_packed_recv_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_recv(rxq, pkts, n, true);
}

/* Are the k (<= in flight) descriptors from the used position on all used? */
static __rte_always_inline bool
packed_used_ready(const struct virtqueue *vq, uint16_t k)
{
	uint16_t pos = vq->used_cons_idx;
	uint8_t wrap = vq->used_wrap;

	while (k-- > 0) {
		if (!virtqueue_packed_desc_is_used(vq, &vq->packed.desc[pos], wrap))
			return false;
		if (unlikely(++pos == vq->size)) {
			pos = 0;
			wrap ^= 1;
		}
	}
	return true;
}

/*
 * Append the 'more' continuation buffers of a mergeable packet (all seen
 * used) to 'head'.  Returns 0, 1 when a segment length is bad (all buffers
 * still consumed and chained, so the caller frees one chain), or -1 when the
 * queue broke.
 */
static __rte_always_inline int
packed_rx_merge(struct virtnet_rx *rxq, struct rte_mbuf *head, uint16_t more,
		const bool in_order)
{
	struct rte_mbuf *prev = head, *seg;
	uint16_t data_off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	int bad = 0, id;
	uint32_t len;

	while (more-- > 0) {
		id = packed_rx_peek(rxq->vq, &len, in_order);
		if (unlikely(id < 0))
			return -1;
		seg = packed_rx_take(rxq->vq, id, in_order);
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

/* Drop the buffer at the used position (already peeked as 'id'). */
static __rte_always_inline void
packed_rx_drop(struct virtnet_rx *rxq, uint16_t id, const bool in_order)
{
	rte_mbuf_raw_free(packed_rx_take(rxq->vq, id, in_order));
	rxq->stats.errors++;
}

static __rte_always_inline uint16_t
packed_recv_mrg(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	uint32_t min_len = rxq->hdr_size + RTE_ETHER_HDR_LEN;
	uint16_t nb_rx = 0, nbufs;
	struct rte_mbuf *m;
	uint32_t len;
	int id, ret;

	if (unlikely(!vq->running))
		return 0;
	while (nb_rx < n && packed_used_at_head(vq)) {
		id = packed_rx_peek(vq, &len, in_order);
		if (unlikely(id < 0))
			break;
		m = vq->descx[id].cookie;
		if (unlikely(len < min_len || len > rxq->buf_len)) {
			packed_rx_drop(rxq, id, in_order);
			continue;
		}
		nbufs = ((const volatile struct virtio_net_hdr_mrg_rxbuf *)
			 virtio_rx_hdr(rxq, m))->num_buffers;
		if (unlikely(nbufs == 0 || nbufs > vq->limit - vq->free_cnt)) {
			PMD_RX_LOG(ERR, "port %u rxq %u: num_buffers %u, %u in flight",
				   rxq->port_id, rxq->queue_id, nbufs, vq->limit - vq->free_cnt);
			packed_rx_drop(rxq, id, in_order);
			continue;
		}
		/* The device marks a packet's buffers used together: wait for all. */
		if (nbufs > 1 && !packed_used_ready(vq, nbufs))
			break;
		packed_rx_take(vq, id, in_order);
		virtio_rx_rearm(rxq, m, len - rxq->hdr_size);
		ret = nbufs > 1 ? packed_rx_merge(rxq, m, nbufs - 1, in_order) : 0;
		if (unlikely(ret != 0)) {
			rte_pktmbuf_free(m);
			if (ret < 0)
				break;
			rxq->stats.errors++;
			continue;
		}
		if (packed_rx_finish(rxq, m))
			pkts[nb_rx++] = m;
	}
	rxq->stats.packets += nb_rx;
	packed_rx_replenish(rxq, in_order);
	return nb_rx;
}

uint16_t
virtio_packed_recv_mrg(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_recv_mrg(rxq, pkts, n, false);
}

uint16_t
virtio_packed_recv_mrg_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_recv_mrg(rxq, pkts, n, true);
}

/* ---- Tx ---- */

static __rte_always_inline void
packed_tx_free(struct rte_mbuf **mbufs, unsigned int *n, struct rte_mbuf *m)
{
	mbufs[(*n)++] = m;
	if (*n == PACKED_TX_FREE_CHUNK) {
		rte_pktmbuf_free_bulk(mbufs, *n);
		*n = 0;
	}
}

/* Out of order: one used descriptor per chain, any order of ids. */
static void
packed_tx_reclaim(struct virtqueue *vq)
{
	struct rte_mbuf *mbufs[PACKED_TX_FREE_CHUNK];
	const volatile struct vring_packed_desc *d;
	unsigned int nfree = 0;
	uint16_t id, nd;

	while (vq->free_cnt < vq->limit && packed_used_at_head(vq)) {
		d = &vq->packed.desc[vq->used_cons_idx];
		id = d->id;
		if (unlikely(id >= vq->size || vq->descx[id].cookie == NULL)) {
			virtqueue_mark_broken(vq, "used id %u at position %u is not a chain in "
					      "flight", id, vq->used_cons_idx);
			break;
		}
		packed_tx_free(mbufs, &nfree, vq->descx[id].cookie);
		vq->descx[id].cookie = NULL;
		nd = vq->descx[id].ndescs;
		vq->descx[id].next = vq->desc_head;
		vq->desc_head = id;
		vq->free_cnt += nd;
		virtqueue_packed_used_advance(vq, nd);
	}
	if (nfree > 0)
		rte_pktmbuf_free_bulk(mbufs, nfree);
}

/*
 * In order: a used descriptor at the oldest chain's head position carries
 * the id (= head position) of the last chain the device finished; every
 * chain from the used position up to it is complete.  The id must be a chain
 * head inside the in-flight window, which the cookie invariant tells.
 */
static void
packed_tx_reclaim_inorder(struct virtqueue *vq)
{
	struct rte_mbuf *mbufs[PACKED_TX_FREE_CHUNK];
	struct vq_desc_extra *dx;
	unsigned int nfree = 0;
	uint16_t id, pos, dist, nd;
	bool last;

	while (vq->free_cnt < vq->limit && packed_used_at_head(vq)) {
		pos = vq->used_cons_idx;
		id = ((const volatile struct vring_packed_desc *)vq->packed.desc)[pos].id;
		dist = id >= pos ? id - pos : (uint16_t)(id + vq->size - pos);
		if (unlikely(id >= vq->size || dist >= vq->limit - vq->free_cnt ||
			     vq->descx[id].cookie == NULL)) {
			virtqueue_mark_broken(vq, "used id %u outside the chains in flight from %u",
					      id, pos);
			break;
		}
		/* dist: descriptors from the used position to the id's chain. */
		do {
			dx = &vq->descx[pos];
			nd = dx->ndescs;
			last = pos == id;
			if (unlikely(dx->cookie == NULL || nd == 0 || (!last && nd > dist))) {
				virtqueue_mark_broken(vq, "no chain in flight at %u before id %u",
						      pos, id);
				goto out;
			}
			packed_tx_free(mbufs, &nfree, dx->cookie);
			dx->cookie = NULL;
			vq->free_cnt += nd;
			dist -= last ? 0 : nd;
			virtqueue_packed_used_advance(vq, nd);
			pos = vq->used_cons_idx;
		} while (!last);
	}
out:
	if (nfree > 0)
		rte_pktmbuf_free_bulk(mbufs, nfree);
}

static __rte_always_inline void
packed_tx_reclaim_any(struct virtqueue *vq, const bool in_order)
{
	if (in_order)
		packed_tx_reclaim_inorder(vq);
	else
		packed_tx_reclaim(vq);
}

static __rte_always_inline void
packed_desc_set(struct vring_packed_desc *d, uint64_t addr, uint32_t len, uint16_t id)
{
	d->addr = addr;
	d->len = len;
	d->id = id;
}

/* Indirect table in the per-id region: header, then each segment. */
static __rte_always_inline void
packed_tx_fill_indirect(struct virtqueue *vq, const struct virtnet_tx *txq, uint16_t id,
			struct rte_mbuf *m)
{
	struct virtio_tx_region *r = &txq->hdr_va[id];
	uint64_t raddr = txq->hdr_addr + (uint64_t)id * sizeof(*r);
	struct vring_packed_desc *ind = r->indir_packed;
	uint16_t k = 1;

	virtio_tx_hdr_fill(txq, &r->hdr, m);
	packed_desc_set(&ind[0], raddr, txq->hdr_size, 0);
	ind[0].flags = 0;
	for (; m != NULL; m = m->next, k++) {
		packed_desc_set(&ind[k], virtqueue_mbuf_addr(vq, m) + m->data_off, m->data_len, 0);
		ind[k].flags = 0;
	}
	packed_desc_set(&vq->packed.desc[vq->avail_idx],
			raddr + offsetof(struct virtio_tx_region, indir_packed),
			k * sizeof(struct vring_packed_desc), id);
}

/*
 * Header descriptor (device-readable, NEXT) from the per-id region, then one
 * per segment, each with the lap of its own position.  Returns the head flags
 * (not written).
 */
static __rte_always_inline uint16_t
packed_tx_fill_chain(struct virtqueue *vq, const struct virtnet_tx *txq, uint16_t id,
		     struct rte_mbuf *m)
{
	struct vring_packed_desc *desc = vq->packed.desc;
	uint16_t pos = vq->avail_idx, flags = vq->avail_flags;

	virtio_tx_hdr_fill(txq, &txq->hdr_va[id].hdr, m);
	packed_desc_set(&desc[pos], txq->hdr_addr + (uint64_t)id * sizeof(struct virtio_tx_region),
			txq->hdr_size, id);
	for (; m != NULL; m = m->next) {
		if (unlikely(++pos == vq->size)) {
			pos = 0;
			flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
		}
		packed_desc_set(&desc[pos], virtqueue_mbuf_addr(vq, m) + m->data_off,
				m->data_len, id);
		desc[pos].flags = flags | (m->next != NULL ? VRING_DESC_F_NEXT : 0);
	}
	return vq->avail_flags | VRING_DESC_F_NEXT;
}

/* Write one packet at the driver position; returns its head flags (not written). */
static __rte_always_inline uint16_t
packed_tx_enqueue(struct virtnet_tx *txq, struct rte_mbuf *m, enum virtio_tx_mode mode,
		  uint16_t slots, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t id = in_order ? vq->avail_idx : vq->desc_head;
	uint16_t head_flags = vq->avail_flags;
	struct virtio_net_hdr_mrg_rxbuf *hdr;

	switch (mode) {
	case VIRTIO_TX_PUSH:
		hdr = rte_pktmbuf_mtod_offset(m, struct virtio_net_hdr_mrg_rxbuf *,
					      -(int)txq->hdr_size);
		virtio_tx_hdr_fill(txq, hdr, m);
		packed_desc_set(&vq->packed.desc[vq->avail_idx],
				virtqueue_mbuf_addr(vq, m) + m->data_off - txq->hdr_size,
				m->data_len + txq->hdr_size, id);
		break;
	case VIRTIO_TX_INDIRECT:
		packed_tx_fill_indirect(vq, txq, id, m);
		head_flags |= VRING_DESC_F_INDIRECT;
		break;
	case VIRTIO_TX_CHAIN:
		head_flags = packed_tx_fill_chain(vq, txq, id, m);
		break;
	}
	if (!in_order)
		vq->desc_head = vq->descx[id].next;
	vq->descx[id].cookie = m;
	vq->descx[id].ndescs = slots;
	vq->free_cnt -= slots;
	virtqueue_packed_avail_advance(vq, slots);
	return head_flags;
}

static __rte_always_inline uint16_t
packed_xmit(struct virtnet_tx *txq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t i, slots, pos, flags, sent = 0, head = 0, head_flags = 0;
	enum virtio_tx_mode mode;
	struct rte_mbuf *m;

	if (unlikely(!vq->running))
		return 0;
	if (vq->free_cnt < txq->free_thresh) {
		packed_tx_reclaim_any(vq, in_order);
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
			packed_tx_reclaim_any(vq, in_order);
			if (unlikely(slots > vq->free_cnt || !vq->running))
				break;
		}
		virtnet_stats_count(&txq->stats, m->pkt_len, rte_pktmbuf_mtod(m, void *));
		pos = vq->avail_idx;
		flags = packed_tx_enqueue(txq, m, mode, slots, in_order);
		/* Later heads are behind the first one: plain stores are enough. */
		if (sent == 0) {
			head = pos;
			head_flags = flags;
		} else {
			vq->packed.desc[pos].flags = flags;
		}
		sent++;
	}
	txq->stats.packets += sent;
	/* Queue broke mid-burst: what was enqueued stays ours until reset. */
	if (likely(sent > 0 && vq->running)) {
		virtqueue_packed_head_publish(vq, head, head_flags);
		if (unlikely(virtqueue_packed_kick_needed(vq)))
			virtqueue_notify(vq);
	}
	return i;
}

uint16_t
virtio_packed_xmit(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_xmit(txq, pkts, n, false);
}

uint16_t
virtio_packed_xmit_inorder(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	return packed_xmit(txq, pkts, n, true);
}
