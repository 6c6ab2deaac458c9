/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packed-ring layout (virtio 1.2, 2.8): where the descriptor ring and the two
 * event suppression areas live, how a fresh ring looks, and the slow-path
 * chain API the control queue uses.  The bursts are in virtio_rxtx_packed.c.
 *
 * Bookkeeping shared with the bursts:
 * - a descriptor is available in the driver's lap when AVAIL == lap and
 *   USED != lap; vq->avail_flags holds those two bits for the lap at
 *   vq->avail_idx, both flip when the position wraps to 0;
 * - the device marks a buffer used by writing one descriptor (id, len,
 *   AVAIL == USED == its lap) at the next used position, then moves on by
 *   the number of descriptors that buffer took; the driver follows with
 *   vq->used_cons_idx / vq->used_wrap and descx[id].ndescs;
 * - out of order: buffer ids come from a private free list (descx[].next,
 *   head vq->desc_head), one id per chain;
 * - in order: the id of a chain is the ring position of its head, so the
 *   chain the device finishes next always starts at vq->used_cons_idx.
 * Both counters start at lap 1, which is what the device model tells the
 * backend (SET_VRING_BASE bit 15).
 */

#include <errno.h>
#include <string.h>

#include "virtqueue.h"

/* The device event area sits alone on its cache line: the device writes it. */
#define PACKED_EVENT_AREA_ALIGN	RTE_CACHE_LINE_SIZE

size_t
virtqueue_packed_ring_size(uint16_t size)
{
	return vring_packed_size(size, PACKED_EVENT_AREA_ALIGN);
}

void
virtqueue_packed_init(struct virtqueue *vq, void *ring)
{
	uint8_t *base = ring;

	vq->packed.desc = ring;
	vq->packed.driver = (struct vring_packed_desc_event *)(base +
			    vring_packed_driver_offset(vq->size));
	vq->packed.device = (struct vring_packed_desc_event *)(base +
			    vring_packed_device_offset(vq->size, PACKED_EVENT_AREA_ALIGN));
}

/*
 * Fresh ring: zeroed (flags 0 is neither available nor used in lap 1), every
 * buffer id on the free list, both laps at 1.  The driver polls, so it tells
 * the device once and for all that it wants no used-buffer notifications.
 */
void
virtqueue_packed_reset(struct virtqueue *vq)
{
	uint16_t i;

	memset(vq->packed.desc, 0, vq->ring_bytes);
	for (i = 0; i < vq->size; i++) {
		vq->descx[i].cookie = NULL;
		vq->descx[i].ndescs = 0;
		vq->descx[i].next = (uint16_t)(i + 1 == vq->size ? 0 : i + 1);
	}
	vq->desc_head = 0;
	vq->inorder_done = 0;
	vq->avail_idx = 0;
	vq->used_cons_idx = 0;
	vq->avail_flags = VRING_PACKED_DESC_F_AVAIL;
	vq->used_wrap = 1;
	vq->packed.driver->desc_event_off_wrap = 0;
	vq->packed.driver->desc_event_flags = RING_EVENT_FLAGS_DISABLE;
}

/* avail_addr carries the driver event area, used_addr the device event area. */
void
virtqueue_packed_layout(const struct virtqueue *vq, struct virtio_vq_layout *out)
{
	out->packed = true;
	out->desc_addr = vq->ring_addr;
	out->avail_addr = vq->ring_addr + vring_packed_driver_offset(vq->size);
	out->used_addr = vq->ring_addr +
			 vring_packed_device_offset(vq->size, PACKED_EVENT_AREA_ALIGN);
}

int
virtqueue_packed_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
			   uint16_t n_out, uint16_t n_in, void *cookie)
{
	uint16_t n = n_out + n_in, pos, flags, head_flags = 0, id, i;
	struct vring_packed_desc *d;

	if (n > vq->free_cnt)
		return -ENOSPC;
	pos = vq->avail_idx;
	flags = vq->avail_flags;
	id = vq->in_order ? pos : vq->desc_head;
	for (i = 0; i < n; i++) {
		d = &vq->packed.desc[pos];
		d->addr = bufs[i].addr;
		d->len = bufs[i].len;
		d->id = id;
		/* Every descriptor carries its own lap: a chain may wrap. */
		flags = (flags & VRING_PACKED_DESC_F_AVAIL_USED) |
			(i >= n_out ? VRING_DESC_F_WRITE : 0) |
			(i + 1 < n ? VRING_DESC_F_NEXT : 0);
		if (i == 0)
			head_flags = flags;
		else
			d->flags = flags;
		if (++pos == vq->size) {
			pos = 0;
			flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
		}
	}
	if (!vq->in_order)
		vq->desc_head = vq->descx[id].next;
	vq->descx[id].cookie = cookie;
	vq->descx[id].ndescs = n;
	vq->free_cnt -= n;
	virtqueue_packed_head_publish(vq, vq->avail_idx, head_flags);
	virtqueue_packed_avail_advance(vq, n);
	return 0;
}

/*
 * One used descriptor per chain.  In order, the device may also report a
 * batch with the id of its last chain; the control queue has at most one
 * command in flight, so here the id must be the oldest chain.
 */
void *
virtqueue_packed_get_used(struct virtqueue *vq, uint32_t *len)
{
	const struct vring_packed_desc *d = &vq->packed.desc[vq->used_cons_idx];
	uint16_t id, nd;
	void *cookie;

	if (!virtqueue_packed_desc_is_used(vq, d, vq->used_wrap))
		return NULL;
	id = d->id;
	*len = d->len;
	if (id >= vq->size || vq->descx[id].cookie == NULL ||
	    (vq->in_order && id != vq->used_cons_idx)) {
		virtqueue_mark_broken(vq, "used id %u at position %u is not a chain in flight",
				      id, vq->used_cons_idx);
		return NULL;
	}
	cookie = vq->descx[id].cookie;
	nd = vq->descx[id].ndescs;
	vq->descx[id].cookie = NULL;
	if (!vq->in_order) {
		vq->descx[id].next = vq->desc_head;
		vq->desc_head = id;
	}
	vq->free_cnt += nd;
	virtqueue_packed_used_advance(vq, nd);
	return cookie;
}
