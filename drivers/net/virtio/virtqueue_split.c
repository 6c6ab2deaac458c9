/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring layout (virtio 1.2, 2.7): where the three areas live in one
 * contiguous allocation and how a fresh ring looks.  The bursts that walk the
 * ring are in virtio_rxtx_split.c.
 */

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
