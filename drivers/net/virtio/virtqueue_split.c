/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring layout (virtio 1.2, 2.7): where the three areas live in one
 * contiguous allocation and how a fresh ring looks.  The bursts that walk the
 * ring are in virtio_rxtx_split.c.
 */

#include <errno.h>
#include <string.h>

#include "virtqueue.h"

size_t
virtqueue_split_ring_size(uint16_t size)
{
	return vring_split_size(size, VRING_SPLIT_ALIGN);
}

void
virtqueue_split_init(struct virtqueue *vq, void *ring)
{
	uint8_t *base = ring;

	vq->split.desc = ring;
	vq->split.avail = (struct vring_avail *)(base + vring_split_desc_size(vq->size));
	vq->split.used = (struct vring_used *)(base +
			 vring_split_used_offset(vq->size, VRING_SPLIT_ALIGN));
}

/*
 * Fresh ring: zeroed, every descriptor on the private free list in index
 * order (which is also the in-order allocation order), indexes at 0.  The
 * driver polls, so used-buffer notifications are suppressed for good.
 */
void
virtqueue_split_reset(struct virtqueue *vq)
{
	uint16_t i;

	memset(vq->split.desc, 0, vq->ring_bytes);
	for (i = 0; i < vq->size; i++) {
		vq->descx[i].cookie = NULL;
		vq->descx[i].ndescs = 0;
		vq->descx[i].next = (uint16_t)((i + 1) & vq->mask);
	}
	vq->desc_head = 0;
	vq->inorder_done = 0;
	vq->avail_idx = 0;
	vq->used_cons_idx = 0;
	vq->split.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

void
virtqueue_split_layout(const struct virtqueue *vq, struct virtio_vq_layout *out)
{
	out->packed = false;
	out->desc_addr = vq->ring_addr;
	out->avail_addr = vq->ring_addr + vring_split_desc_size(vq->size);
	out->used_addr = vq->ring_addr + vring_split_used_offset(vq->size, VRING_SPLIT_ALIGN);
}

static uint16_t
virtqueue_split_next(const struct virtqueue *vq, uint16_t idx)
{
	return vq->in_order ? (uint16_t)((idx + 1) & vq->mask) : vq->descx[idx].next;
}

int
virtqueue_split_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
			  uint16_t n_out, uint16_t n_in, void *cookie)
{
	uint16_t n = n_out + n_in, head = vq->desc_head, idx = head, i;
	struct vring_desc *d;

	if (n > vq->free_cnt)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		d = &vq->split.desc[idx];
		d->addr = bufs[i].addr;
		d->len = bufs[i].len;
		d->flags = (i >= n_out ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = virtqueue_split_next(vq, idx);
		if (i + 1 < n)
			idx = d->next;
	}
	vq->desc_head = virtqueue_split_next(vq, idx);
	vq->descx[head].cookie = cookie;
	vq->descx[head].ndescs = n;
	vq->free_cnt -= n;
	vq->split.avail->ring[vq->avail_idx & vq->mask] = head;
	vq->avail_idx++;
	virtqueue_split_avail_publish(vq);
	return 0;
}

/* One used element per chain; ids checked as in the datapath. */
void *
virtqueue_split_get_used(struct virtqueue *vq, uint32_t *len)
{
	volatile struct vring_used_elem *e;
	uint16_t nused = virtqueue_split_used_pending(vq);
	uint16_t nd, tail, k;
	void *cookie;
	uint32_t id;

	if (nused == 0)
		return NULL;
	if (nused > vq->limit - vq->free_cnt) {
		virtqueue_mark_broken(vq, "used idx moved %u ahead, %u descriptors in flight",
				      nused, vq->limit - vq->free_cnt);
		return NULL;
	}
	e = &vq->split.used->ring[vq->used_cons_idx & vq->mask];
	id = e->id;
	*len = e->len;
	if (id > vq->mask || vq->descx[id].cookie == NULL ||
	    (vq->in_order && id != vq->inorder_done)) {
		virtqueue_mark_broken(vq, "used id %u is not a chain in flight", id);
		return NULL;
	}
	cookie = vq->descx[id].cookie;
	nd = vq->descx[id].ndescs;
	vq->descx[id].cookie = NULL;
	if (vq->in_order) {
		vq->inorder_done = (uint16_t)((id + nd) & vq->mask);
	} else {
		for (tail = (uint16_t)id, k = 1; k < nd; k++)
			tail = vq->descx[tail].next;
		vq->descx[tail].next = vq->desc_head;
		vq->desc_head = (uint16_t)id;
	}
	vq->free_cnt += nd;
	vq->used_cons_idx++;
	return cookie;
}

/*
 * A split ring resumes at the used index the dead device published: every
 * avail entry before it was completed (a device that completes in avail
 * order: DPDK vhost, any device with VIRTIO_F_IN_ORDER), every one from it
 * on is still the device's, its descriptors untouched by the driver (which
 * reuses a descriptor only after its used entry).  used->idx moves over
 * whole batches, so it is the device's true position.  The dead device no
 * longer writes it; the acquire load pairs with its last release store.
 */
int
virtqueue_split_resume_base(const struct virtqueue *vq, uint32_t *base)
{
	*base = __atomic_load_n(&vq->split.used->idx, __ATOMIC_ACQUIRE);
	return 0;
}
