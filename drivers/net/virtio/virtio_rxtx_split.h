/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring helpers shared by the scalar bursts (virtio_rxtx_split.c) and
 * the vector Rx burst (virtio_rxtx_split_vec.c): descriptor stores, the
 * used-entry count, the Rx consumer cursor and the Rx refill.  See
 * virtio_rxtx_split.c for the bookkeeping they keep.
 */

#ifndef VIRTIO_RXTX_SPLIT_H
#define VIRTIO_RXTX_SPLIT_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* len, flags and next of a descriptor as the 8 bytes they occupy. */
static __rte_always_inline uint64_t
split_desc_word(uint32_t len, uint16_t flags, uint16_t next)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return len | (uint64_t)flags << 32 | (uint64_t)next << 48;
#else
	return (uint64_t)len << 32 | (uint64_t)flags << 16 | next;
#endif
}

/* Descriptor d: len, flags and next in one 8-byte store. */
static __rte_always_inline void
split_desc_set(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t w = split_desc_word(len, flags, next);

	d->addr = addr;
	memcpy(&d->len, &w, sizeof(w));
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
 * Consumer side of an Rx queue during one burst, in registers: written back
 * to the virtqueue by split_rx_cursor_save.
 */
struct split_rx_cursor {
	volatile struct vring_used_elem *used;
	struct vq_desc_extra *dx;
	uint16_t cons;		/* vq->used_cons_idx */
	uint16_t mask;
	uint16_t head;		/* out of order: free-list head */
	uint16_t first;		/* out of order: first and last id this burst */
	uint16_t last;		/* consumed, linked in that order */
	uint16_t taken;		/* buffers consumed, back to free_cnt */
	uint16_t left;		/* used entries not consumed (split_used_count) */
};

static __rte_always_inline void
split_rx_cursor_load(struct split_rx_cursor *c, const struct virtqueue *vq, uint16_t nused)
{
	c->left = nused;
	c->used = vq->split.used->ring;
	c->dx = vq->descx;
	c->cons = vq->used_cons_idx;
	c->mask = vq->mask;
	c->head = vq->desc_head;
	c->taken = 0;
}

/*
 * Out of order, the ids the burst consumed go back to the free list in the
 * order they were consumed, ahead of what was free: the refill posts them
 * in that order again, so a device completing in order sees the same ids
 * in the same avail slots lap after lap (unwritten lines, see
 * virtqueue_split_avail_put), where pushing each id on the list would
 * reverse them every lap.
 */
static __rte_always_inline void
split_rx_cursor_save(const struct split_rx_cursor *c, struct virtqueue *vq, const bool in_order)
{
	vq->used_cons_idx = c->cons;
	if (!in_order && c->taken > 0) {
		c->dx[c->last].next = c->head;
		vq->desc_head = c->first;
	}
	vq->free_cnt += c->taken;
}

static __rte_always_inline bool
split_rx_ready(const void *cursor)
{
	return ((const struct split_rx_cursor *)cursor)->left > 0;
}

/*
 * Out of order: append id, just consumed, to the burst's chain of consumed
 * ids (split_rx_cursor_save hands the chain to the free list).  Before
 * c->taken counts it.
 */
static __rte_always_inline void
split_rx_link(struct split_rx_cursor *c, uint16_t id)
{
	if (c->taken == 0)
		c->first = id;
	else
		c->dx[c->last].next = id;
	c->last = id;
}

/*
 * Consume the next used element (one descriptor per buffer); the caller saw
 * split_rx_ready.  Returns its mbuf and *len, or NULL with the queue marked
 * broken.  In order the id must be the next slot (one compare: it is then in
 * flight, as split_used_count bounded the used entries by what is in
 * flight); out of order it must be below the ring size and hold a buffer.
 */
static __rte_always_inline struct rte_mbuf *
split_rx_pop(struct virtqueue *vq, void *cursor, uint32_t *len, const bool in_order)
{
	struct split_rx_cursor *c = cursor;
	uint16_t slot = c->cons & c->mask;
	uint32_t id = c->used[slot].id;
	struct rte_mbuf *m;

	*len = c->used[slot].len;
	if (in_order) {
		if (unlikely(id != slot)) {
			virtqueue_mark_broken(vq, "used id %u out of order, expected %u", id, slot);
			return NULL;
		}
		m = c->dx[id].cookie;
	} else {
		if (unlikely(id > c->mask)) {
			virtqueue_mark_broken(vq, "used id %u beyond ring size %u", id, vq->size);
			return NULL;
		}
		m = c->dx[id].cookie;
		if (unlikely(m == NULL)) {
			virtqueue_mark_broken(vq, "used id %u is not in flight", id);
			return NULL;
		}
		split_rx_link(c, (uint16_t)id);
	}
	c->dx[id].cookie = NULL;
	c->taken++;
	c->left--;
	c->cons++;
	return m;
}

/*
 * Start of an Rx queue, before its first refill: every descriptor gets the
 * len, flags and next an Rx buffer has (buf_len, device-writable, no chain)
 * and, in order, every avail slot its own descriptor (the two advance
 * together).  Neither changes afterwards, so a refill writes only buffer
 * addresses (split_rx_post).  The device never writes either table; one
 * that does misleads only itself: nothing here is read back.
 */
static __rte_always_inline void
split_rx_prime(struct virtnet_rx *rxq)
{
	struct virtqueue *vq = rxq->vq;
	uint16_t i;

	for (i = 0; i < vq->size; i++) {
		split_desc_set(&vq->split.desc[i], 0, rxq->buf_len, VRING_DESC_F_WRITE, 0);
		if (vq->in_order)
			vq->split.avail->ring[i] = i;
	}
}

/*
 * Post 'n' raw mbufs as device-writable buffers (header in the headroom):
 * the address and, out of order, the avail slot (split_rx_prime wrote the
 * rest), each stored only when it differs.  When the application frees
 * what it received in order (a sink, a drop), the refill takes the same
 * mbufs back off the mempool cache in the same order and they land in the
 * same slots, lap after lap; unwritten lines stay shared with the device's
 * core, which reads them.
 */
static __rte_always_inline void
split_rx_post(struct virtnet_rx *rxq, struct rte_mbuf **mbufs, uint16_t n, bool first,
	      const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct vring_desc *desc = vq->split.desc;
	struct vq_desc_extra *dx = vq->descx;
	uint16_t *ring = vq->split.avail->ring;
	uint64_t off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size, addr;
	uint16_t id = vq->desc_head, avail = vq->avail_idx, mask = vq->mask;
	uint16_t i, addr_off = vq->mbuf_addr_off;

	RTE_SET_USED(first);	/* nothing is seen before avail->idx moves */
	for (i = 0; i < n; i++) {
		addr = *(const uint64_t *)((const uint8_t *)mbufs[i] + addr_off) + off;
		if (unlikely(desc[id].addr != addr))
			desc[id].addr = addr;
		dx[id].cookie = mbufs[i];
		if (in_order) {
			id = (uint16_t)((id + 1) & mask);
		} else {
			virtqueue_split_avail_put(ring, avail & mask, id);
			id = dx[id].next;
		}
		avail++;
	}
	vq->desc_head = id;
	vq->avail_idx = avail;
	vq->free_cnt -= n;
}

/* Fill the free descriptors, publish avail->idx: virtio_rx_fill's result. */
static __rte_always_inline int
split_rx_refill(struct virtnet_rx *rxq, const bool in_order)
{
	int posted = virtio_rx_fill(rxq, split_rx_post, in_order);

	if (posted > 0)
		virtqueue_split_avail_publish(rxq->vq);
	return posted;
}

/*
 * Start of a split Rx burst: refill and publish (virtio_rx_replenish),
 * count the used entries, load the cursor and the burst's constants.
 * False when there is nothing to do: the queue is not running or broke.
 */
static __rte_always_inline bool
split_rx_begin(struct virtnet_rx *rxq, struct split_rx_cursor *c, struct virtio_rx_burst *b,
	       bool *published, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	int nused;

	if (unlikely(!vq->running))
		return false;
	*published = virtio_rx_replenish(rxq, split_rx_refill, in_order);
	nused = split_used_count(vq);
	if (unlikely(nused < 0))
		return false;
	split_rx_cursor_load(c, vq, nused);
	virtio_rx_burst_init(b, rxq);
	return true;
}

/* End of a split Rx burst that delivered nb_rx packets of 'bytes' bytes. */
static __rte_always_inline uint16_t
split_rx_end(struct virtnet_rx *rxq, const struct split_rx_cursor *c, uint16_t nb_rx,
	     uint64_t bytes, bool published, const bool in_order)
{
	split_rx_cursor_save(c, rxq->vq, in_order);
	virtnet_stats_burst(&rxq->stats, nb_rx, bytes);
	virtio_rx_burst_end(rxq, published, split_rx_refill, virtqueue_split_kick_needed, in_order);
	return nb_rx;
}

#endif /* VIRTIO_RXTX_SPLIT_H */
