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
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* AVAIL/USED bits a descriptor is written with until its burst is published. */
#define PACKED_FLAGS_HELD(lap)	((uint16_t)((lap) ^ VRING_PACKED_DESC_F_AVAIL_USED))

static __rte_always_inline bool
packed_used_at_head(const struct virtqueue *vq)
{
	return virtqueue_packed_desc_is_used(vq, &vq->packed.desc[vq->used_cons_idx],
					     vq->used_wrap);
}

/*
 * Descriptor d: len, id and flags in one 8-byte store.  The flags of a
 * burst's first descriptor are PACKED_FLAGS_HELD (AVAIL and USED opposite to
 * the wrap counters: neither available to the device nor used to us) until
 * virtqueue_packed_head_publish stores the real ones last.
 */
/* len, id and flags of a descriptor as the 8 bytes they occupy in memory. */
static __rte_always_inline uint64_t
packed_desc_word(uint32_t len, uint16_t id, uint16_t flags)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return len | (uint64_t)id << 32 | (uint64_t)flags << 48;
#else
	return (uint64_t)len << 32 | (uint64_t)id << 16 | flags;
#endif
}

static __rte_always_inline void
packed_desc_word_set(struct vring_packed_desc *d, uint64_t w)
{
	memcpy(&d->len, &w, sizeof(w));
}

static __rte_always_inline void
packed_desc_set(struct vring_packed_desc *d, uint64_t addr, uint32_t len, uint16_t id,
		uint16_t flags)
{
	d->addr = addr;
	packed_desc_word_set(d, packed_desc_word(len, id, flags));
}

/* ---- Rx ---- */

/*
 * Consumer side of an Rx queue during one burst, in registers: written back
 * to the virtqueue by packed_rx_cursor_save.
 */
struct packed_rx_cursor {
	const volatile struct vring_packed_desc *desc;
	const volatile struct vring_packed_desc *d;	/* &desc[pos] */
	struct vq_desc_extra *dx;
	uint16_t pos;		/* vq->used_cons_idx */
	uint16_t size;
	uint16_t used_bits;	/* AVAIL/USED of a used descriptor in this lap */
	uint16_t head;		/* out of order: free-list head */
	uint16_t taken;		/* buffers consumed (a whole ring is possible) */
	bool weak;
};

static __rte_always_inline void
packed_rx_cursor_load(struct packed_rx_cursor *c, const struct virtqueue *vq)
{
	c->desc = vq->packed.desc;
	c->dx = vq->descx;
	c->pos = vq->used_cons_idx;
	c->d = &c->desc[c->pos];
	c->size = vq->size;
	c->used_bits = virtqueue_packed_used_bits(vq->used_wrap);
	c->head = vq->desc_head;
	c->taken = 0;
	c->weak = virtqueue_weak(vq);
}


static __rte_always_inline void
packed_rx_cursor_save(const struct packed_rx_cursor *c, struct virtqueue *vq)
{
	vq->used_cons_idx = c->pos;
	vq->used_wrap = c->used_bits != 0;
	vq->desc_head = c->head;
	vq->free_cnt += c->taken;
}

/* Is the descriptor at the cursor used? */
static __rte_always_inline bool
packed_rx_ready(const void *cursor)
{
	const struct packed_rx_cursor *c = cursor;

	return virtqueue_packed_desc_used_as((const struct vring_packed_desc *)c->d,
					     c->used_bits, c->weak);
}

/*
 * Check the used descriptor at the cursor (one descriptor per buffer); the
 * caller saw it used.  Returns its id and *len, or -1 with the queue marked
 * broken.  In order the id must be the position itself (one compare: a used
 * position is one in flight); out of order it must be below the ring size
 * and hold a buffer.
 */
static __rte_always_inline int
packed_rx_peek(struct virtqueue *vq, const struct packed_rx_cursor *c, uint32_t *len,
	       const bool in_order)
{
	uint16_t id = c->d->id;

	*len = c->d->len;
	if (in_order) {
		if (unlikely(id != c->pos)) {
			virtqueue_mark_broken(vq, "used id %u out of order, expected %u",
					      id, c->pos);
			return -1;
		}
		return id;
	}
	if (unlikely(id >= c->size)) {
		virtqueue_mark_broken(vq, "used id %u beyond ring size %u", id, c->size);
		return -1;
	}
	if (unlikely(c->dx[id].cookie == NULL)) {
		virtqueue_mark_broken(vq, "used id %u is not in flight", id);
		return -1;
	}
	return id;
}

/* Take buffer 'id' (checked by packed_rx_peek) out of flight, move on. */
static __rte_always_inline struct rte_mbuf *
packed_rx_take(struct packed_rx_cursor *c, uint16_t id, const bool in_order)
{
	struct rte_mbuf *m = c->dx[id].cookie;

	c->dx[id].cookie = NULL;
	if (!in_order) {
		c->dx[id].next = c->head;
		c->head = id;
	}
	c->taken++;
	c->d++;
	if (unlikely(++c->pos == c->size)) {
		c->pos = 0;
		c->d = c->desc;
		c->used_bits ^= VRING_PACKED_DESC_F_AVAIL_USED;
	}
	return m;
}

/* Peek and take: the next used buffer, or NULL with the queue marked broken. */
static __rte_always_inline struct rte_mbuf *
packed_rx_pop(struct virtqueue *vq, void *cursor, uint32_t *len, const bool in_order)
{
	struct packed_rx_cursor *c = cursor;
	int id = packed_rx_peek(vq, c, len, in_order);

	return likely(id >= 0) ? packed_rx_take(c, id, in_order) : NULL;
}

/*
 * Write 'n' raw mbufs as device-writable descriptors (header in the
 * headroom) from the driver position.  When 'first', the first one is the
 * refill's head and keeps PACKED_FLAGS_HELD for the caller to publish.
 */
static __rte_always_inline void
packed_rx_post(struct virtnet_rx *rxq, struct rte_mbuf **mbufs, uint16_t n, bool first,
	       const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct vring_packed_desc *desc = vq->packed.desc;
	struct vq_desc_extra *dx = vq->descx;
	uint64_t off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	uint16_t pos = vq->avail_idx, size = vq->size, head = vq->desc_head;
	uint16_t flags = vq->avail_flags | VRING_DESC_F_WRITE;
	uint16_t i, id, addr_off = vq->mbuf_addr_off;
	uint32_t buf_len = rxq->buf_len;
	/* len and flags of this lap's descriptors; the id is or-ed in. */
	uint64_t w_lap = packed_desc_word(buf_len, 0, flags);
	uint64_t w = first ? packed_desc_word(buf_len, 0, PACKED_FLAGS_HELD(flags)) : w_lap;
	struct rte_mbuf *m;

	for (i = 0; i < n; i++) {
		m = mbufs[i];
		id = pos;
		if (!in_order) {
			id = head;
			head = dx[id].next;
		}
		desc[pos].addr = *(const uint64_t *)((const uint8_t *)m + addr_off) + off;
		packed_desc_word_set(&desc[pos], w | packed_desc_word(0, id, 0));
		dx[id].cookie = m;
		if (unlikely(++pos == size)) {
			pos = 0;
			flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
			w_lap = packed_desc_word(buf_len, 0, flags);
		}
		w = w_lap;
	}
	vq->desc_head = head;
	vq->avail_idx = pos;
	vq->avail_flags = flags & VRING_PACKED_DESC_F_AVAIL_USED;
	vq->free_cnt -= n;
}

/* Fill the free descriptors, publish the first: virtio_rx_fill's result. */
static __rte_always_inline int
packed_rx_refill(struct virtnet_rx *rxq, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	uint16_t head = vq->avail_idx, head_flags = vq->avail_flags | VRING_DESC_F_WRITE;
	int posted = virtio_rx_fill(rxq, packed_rx_post, in_order);

	if (posted > 0)
		virtqueue_packed_head_publish(vq, head, head_flags);
	return posted;
}

int
virtio_packed_rx_refill(struct virtnet_rx *rxq)
{
	return virtio_rx_refill_all(rxq, packed_rx_refill);
}

static __rte_always_inline uint16_t
packed_recv(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct packed_rx_cursor c;
	struct virtio_rx_burst b;
	bool published;
	uint16_t nb_rx;

	if (unlikely(!vq->running))
		return 0;
	published = virtio_rx_replenish(rxq, packed_rx_refill, in_order);
	packed_rx_cursor_load(&c, vq);
	virtio_rx_burst_init(&b, rxq);
	nb_rx = virtio_rx_single(rxq, vq, &c, &b, pkts, pkts + n, packed_rx_ready, packed_rx_pop,
				 in_order) - pkts;
	packed_rx_cursor_save(&c, vq);
	virtnet_stats_burst(&rxq->stats, nb_rx, b.bytes);
	virtio_rx_burst_end(rxq, published, packed_rx_refill, virtqueue_packed_kick_needed, in_order);
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

/* Are the k (<= in flight) descriptors from the cursor on all used? */
static __rte_always_inline bool
packed_rx_ready_n(const struct packed_rx_cursor *c, uint16_t k)
{
	struct packed_rx_cursor look = *c;

	while (k-- > 0) {
		if (!packed_rx_ready(&look))
			return false;
		look.d++;
		if (unlikely(++look.pos == look.size)) {
			look.pos = 0;
			look.d = look.desc;
			look.used_bits ^= VRING_PACKED_DESC_F_AVAIL_USED;
		}
	}
	return true;
}

/*
 * The first buffer of a packet is only peeked until its num_buffers is
 * checked and, for more than one, all of them are seen used (the device
 * makes a packet's buffers used together): a partial packet waits for the
 * next burst.
 */
static __rte_always_inline uint16_t
packed_recv_mrg(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct rte_mbuf **out = pkts, **end = pkts + n;
	struct packed_rx_cursor c;
	struct virtio_rx_burst b;
	bool published;
	uint16_t nb_rx, nbufs, inflight;
	struct rte_mbuf *m;
	uint32_t len;
	int id;

	if (unlikely(!vq->running))
		return 0;
	published = virtio_rx_replenish(rxq, packed_rx_refill, in_order);
	packed_rx_cursor_load(&c, vq);
	virtio_rx_burst_init(&b, rxq);
	while (out != end && packed_rx_ready(&c)) {
		id = packed_rx_peek(vq, &c, &len, in_order);
		if (unlikely(id < 0))
			break;
		m = c.dx[id].cookie;
		if (likely(virtio_rx_mrg_short(&b, m, len))) {
			virtio_rx_mrg_packet(rxq, vq, &c, &b, m, len, 1, &out, packed_rx_pop,
					     in_order);
			packed_rx_take(&c, id, in_order);
			continue;
		}
		if (unlikely(!virtio_rx_len_ok(&b, len))) {
			virtio_rx_drop_raw(rxq, packed_rx_take(&c, id, in_order));
			continue;
		}
		nbufs = virtio_rx_num_buffers(&b, m);
		if (unlikely(nbufs != 1)) {
			inflight = vq->limit - vq->free_cnt - c.taken;
			if (unlikely(nbufs == 0 || nbufs > inflight)) {
				PMD_RX_LOG(ERR, "port %u rxq %u: num_buffers %u, %u in flight",
					   rxq->port_id, rxq->queue_id, nbufs, inflight);
				virtio_rx_drop_raw(rxq, packed_rx_take(&c, id, in_order));
				continue;
			}
			if (!packed_rx_ready_n(&c, nbufs))
				break;
		}
		packed_rx_take(&c, id, in_order);
		if (virtio_rx_mrg_packet(rxq, vq, &c, &b, m, len, nbufs, &out, packed_rx_pop,
					 in_order) < 0)
			break;
	}
	nb_rx = out - pkts;
	packed_rx_cursor_save(&c, vq);
	virtnet_stats_burst(&rxq->stats, nb_rx, b.bytes);
	virtio_rx_burst_end(rxq, published, packed_rx_refill, virtqueue_packed_kick_needed, in_order);
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

/* Out of order: one used descriptor per chain, any order of ids. */
static __rte_noinline void
packed_tx_reclaim(struct virtqueue *vq)
{
	const volatile struct vring_packed_desc *desc = vq->packed.desc;
	struct vq_desc_extra *dx = vq->descx;
	uint16_t pos = vq->used_cons_idx, size = vq->size, limit = vq->limit;
	uint16_t nfree = vq->free_cnt, head = vq->desc_head, id, nd;
	uint8_t wrap = vq->used_wrap;
	struct virtio_tx_free f;
	struct rte_mbuf *m;

	virtio_tx_free_init(&f);
	while (nfree < limit &&
	       virtqueue_packed_desc_is_used(vq, (const struct vring_packed_desc *)&desc[pos],
					     wrap)) {
		id = desc[pos].id;
		if (unlikely(id >= size || (m = dx[id].cookie) == NULL)) {
			virtqueue_mark_broken(vq, "used id %u at position %u is not a chain in "
					      "flight", id, pos);
			break;
		}
		dx[id].cookie = NULL;
		virtio_tx_free_add(&f, m, dx[id].raw_free);
		nd = dx[id].ndescs;
		dx[id].next = head;
		head = id;
		nfree += nd;
		pos += nd;
		if (pos >= size) {
			pos -= size;
			wrap ^= 1;
		}
	}
	vq->used_cons_idx = pos;
	vq->used_wrap = wrap;
	vq->free_cnt = nfree;
	vq->desc_head = head;
	virtio_tx_free_flush(&f);
}

/*
 * In order: a used descriptor at the oldest chain's head position carries
 * the id (= head position) of the last chain the device finished; every
 * chain from the used position up to it is complete.  The id must be a chain
 * head inside the in-flight window, which the cookie invariant tells.
 */
static __rte_noinline void
packed_tx_reclaim_inorder(struct virtqueue *vq)
{
	struct virtio_tx_free f;
	struct vq_desc_extra *dx;
	uint16_t id, pos, dist, nd;
	bool last;

	virtio_tx_free_init(&f);
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
			virtio_tx_free_add(&f, dx->cookie, dx->raw_free);
			dx->cookie = NULL;
			vq->free_cnt += nd;
			dist -= last ? 0 : nd;
			virtqueue_packed_used_advance(vq, nd);
			pos = vq->used_cons_idx;
		} while (!last);
	}
out:
	virtio_tx_free_flush(&f);
}

static __rte_always_inline void
packed_tx_reclaim_any(struct virtqueue *vq, const bool in_order)
{
	if (in_order)
		packed_tx_reclaim_inorder(vq);
	else
		packed_tx_reclaim(vq);
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
	packed_desc_set(&ind[0], raddr, txq->hdr_size, 0, 0);
	for (; m != NULL; m = m->next, k++)
		packed_desc_set(&ind[k], virtqueue_mbuf_addr(vq, m) + m->data_off, m->data_len,
				0, 0);
	packed_desc_set(&vq->packed.desc[vq->avail_idx],
			raddr + offsetof(struct virtio_tx_region, indir_packed),
			k * sizeof(struct vring_packed_desc), id,
			PACKED_FLAGS_HELD(vq->avail_flags));
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
			txq->hdr_size, id, PACKED_FLAGS_HELD(flags));
	for (; m != NULL; m = m->next) {
		if (unlikely(++pos == vq->size)) {
			pos = 0;
			flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
		}
		packed_desc_set(&desc[pos], virtqueue_mbuf_addr(vq, m) + m->data_off,
				m->data_len, id,
				flags | (m->next != NULL ? VRING_DESC_F_NEXT : 0));
	}
	return vq->avail_flags | VRING_DESC_F_NEXT;
}

/*
 * A packet the push test refused, or no descriptor left: indirect table or
 * header chain, reclaiming first when it does not fit.  Writes one packet at
 * the driver position with its head flags held back, returned in *flags.
 * Returns 1 when enqueued, 0 when dropped (can never fit, counted), -1 to
 * end the burst.
 */
static __rte_noinline int
packed_xmit_slow(struct virtnet_tx *txq, struct rte_mbuf *m, uint16_t *flags,
		 const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	uint16_t slots, id, data_off;
	enum virtio_tx_mode mode;
	struct virtio_tx_burst b;
	int ret;

	virtio_tx_burst_init(&b, txq);
	ret = virtio_tx_admit(txq, &b, m, &mode, &slots, &data_off, packed_tx_reclaim_any,
			      in_order);
	if (ret <= 0)
		return ret;
	id = in_order ? vq->avail_idx : vq->desc_head;
	*flags = vq->avail_flags;
	switch (mode) {
	case VIRTIO_TX_PUSH:
		virtio_tx_hdr_push(txq, &b, m, rte_pktmbuf_mtod(m, uint8_t *));
		packed_desc_set(&vq->packed.desc[vq->avail_idx],
				virtqueue_mbuf_addr(vq, m) + data_off - b.hdr_size,
				m->data_len + b.hdr_size, id, PACKED_FLAGS_HELD(*flags));
		break;
	case VIRTIO_TX_INDIRECT:
		packed_tx_fill_indirect(vq, txq, id, m);
		*flags |= VRING_DESC_F_INDIRECT;
		break;
	case VIRTIO_TX_CHAIN:
		*flags = packed_tx_fill_chain(vq, txq, id, m);
		break;
	}
	if (!in_order)
		vq->desc_head = vq->descx[id].next;
	vq->descx[id].cookie = m;
	vq->descx[id].ndescs = slots;
	vq->descx[id].raw_free = mode == VIRTIO_TX_PUSH;
	vq->free_cnt -= slots;
	virtqueue_packed_avail_advance(vq, slots);
	return 1;
}

/*
 * The burst keeps the ring state in registers for the common packet (one
 * descriptor, header pushed into the headroom) and hands everything else to
 * packed_xmit_slow with the state written back.  The first descriptor of
 * the burst is written with held flags and published last.
 */
static __rte_always_inline uint16_t
packed_xmit(struct virtnet_tx *txq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = txq->vq;
	struct vring_packed_desc *desc = vq->packed.desc;
	struct vq_desc_extra *dx = vq->descx;
	uint16_t size = vq->size, addr_off = vq->mbuf_addr_off;
	uint16_t pos, lap, wflags, head, head_flags, fhead, nfree, id, data_off, p0, f, i;
	uint16_t sent = 0;
	struct virtio_tx_burst b;
	struct rte_mbuf *m;
	uint8_t *data;
	int ret;

	if (unlikely(!vq->running))
		return 0;
	if (vq->free_cnt < txq->free_thresh) {
		packed_tx_reclaim_any(vq, in_order);
		if (unlikely(!vq->running))
			return 0;
	}
	virtio_tx_burst_init(&b, txq);
	pos = vq->avail_idx;
	lap = vq->avail_flags;
	nfree = vq->free_cnt;
	fhead = vq->desc_head;
	head = pos;
	head_flags = lap;
	wflags = PACKED_FLAGS_HELD(lap);
	if (txq->prefetch_w)
		virtqueue_prefetch_w(desc, pos, RTE_MIN(n, nfree), size, sizeof(*desc));

	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (likely(nfree > 0 && virtio_tx_pushable(&b, m, &data_off))) {
			id = pos;
			if (!in_order) {
				id = fhead;
				fhead = dx[id].next;
			}
			data = (uint8_t *)m->buf_addr + data_off;
			virtio_tx_hdr_push(txq, &b, m, data);
			packed_desc_set(&desc[pos],
					*(const uint64_t *)((const uint8_t *)m + addr_off) +
					data_off - b.hdr_size, m->data_len + b.hdr_size, id,
					wflags);
			vq_desc_extra_set_pushed(&dx[id], m);
			nfree--;
			if (unlikely(++pos == size)) {
				pos = 0;
				lap ^= VRING_PACKED_DESC_F_AVAIL_USED;
			}
		} else {
			vq->avail_idx = pos;
			vq->avail_flags = lap;
			vq->free_cnt = nfree;
			vq->desc_head = fhead;
			p0 = pos;
			ret = packed_xmit_slow(txq, m, &f, in_order);
			pos = vq->avail_idx;
			lap = vq->avail_flags;
			nfree = vq->free_cnt;
			fhead = vq->desc_head;
			if (unlikely(ret <= 0)) {
				if (ret < 0)
					break;
				continue;
			}
			/* Later heads are behind the first one: plain stores are enough. */
			if (sent == 0)
				head_flags = f;
			else
				desc[p0].flags = f;
			data = rte_pktmbuf_mtod(m, uint8_t *);
		}
		wflags = lap;
		virtio_tx_count(txq, &b, m->pkt_len, data);
		sent++;
	}
	vq->avail_idx = pos;
	vq->avail_flags = lap;
	vq->free_cnt = nfree;
	vq->desc_head = fhead;
	virtnet_stats_burst(&txq->stats, sent, b.bytes);
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
