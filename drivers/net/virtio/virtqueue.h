/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

/*
 * The virtqueue: ring memory, descriptor bookkeeping and the driver/device
 * memory-ordering helpers.  One object for split and packed layouts; slow-path
 * entry points (create, destroy, reset, layout) dispatch on the layout with a
 * switch, the bursts are chosen per layout once at start (STYLE rule 4).
 *
 * Everything the device writes (used ring, descriptors it may scribble on) is
 * UNTRUSTED: the driver keeps its own bookkeeping in vq->descx, never follows
 * a 'next' read back from shared memory, and marks the queue broken on the
 * first inconsistency (virtqueue_mark_broken); a broken queue is left alone by
 * every burst until virtqueue_reset().
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_memzone.h>

#include "virtio.h"
#include "virtio_ring.h"
#include "virtqueue_resume.h"

_Static_assert(sizeof(struct vring_packed_desc) == sizeof(struct vring_desc),
	       "the Tx indirect table serves both layouts");

/* Indirect table entries per Tx slot: the header plus up to 7 segments. */
#define VIRTQUEUE_TX_INDIRECT_MAX	8

enum virtqueue_layout {
	VIRTQUEUE_LAYOUT_SPLIT,
	VIRTQUEUE_LAYOUT_PACKED,
};

enum virtqueue_type {
	VIRTQUEUE_TYPE_RX,
	VIRTQUEUE_TYPE_TX,
	VIRTQUEUE_TYPE_CTRL,
};

/*
 * Driver-private state of one descriptor.  For a chain, the entry of the head
 * descriptor holds the cookie and the chain length; 'next' links the private
 * free list (split, out of order) and the chain, and is never read from or
 * trusted in shared memory.
 */
struct vq_desc_extra {
	void *cookie;		/* mbuf in flight on this head; NULL when not */
	uint16_t ndescs;	/* descriptors in the chain headed here */
	uint16_t next;
	uint8_t raw_free;	/* Tx: cookie may go straight back to its pool */
};

/*
 * Record a pushed Tx mbuf (one descriptor, raw_free) on its head: cookie,
 * then ndescs/next/raw_free in one 8-byte store ('next' is not used while
 * a one-descriptor chain is in flight: the free list is relinked on reclaim).
 */
static __rte_always_inline void
vq_desc_extra_set_pushed(struct vq_desc_extra *dx, void *cookie)
{
	struct { uint16_t ndescs, next; uint8_t raw_free, pad[3]; } w = { 1, 0, 1, { 0 } };

	_Static_assert(sizeof(w) == 8 && sizeof(*dx) == 16 &&
		       offsetof(struct vq_desc_extra, ndescs) == 8 &&
		       offsetof(struct vq_desc_extra, raw_free) == 12, "vq_desc_extra layout");
	dx->cookie = cookie;
	memcpy(&dx->ndescs, &w, sizeof(w));
}

/*
 * Per-ring-slot Tx header region, indexed by the head descriptor (split) or
 * the buffer id (packed): the virtio-net header for packets whose header
 * cannot be pushed into the mbuf headroom, and an indirect table whose entry
 * 0 points at that header, in the queue's descriptor format.
 */
struct virtio_tx_region {
	struct virtio_net_hdr_mrg_rxbuf hdr;
	union {
		struct vring_desc indir[VIRTQUEUE_TX_INDIRECT_MAX];
		struct vring_packed_desc indir_packed[VIRTQUEUE_TX_INDIRECT_MAX];
	};
} __rte_aligned(16);

struct virtqueue {
	/* ---- first cache line: everything a burst touches ---- */
	union {
		struct {
			struct vring_desc *desc;
			struct vring_avail *avail;
			struct vring_used *used;
		} split;
		struct {
			struct vring_packed_desc *desc;
			struct vring_packed_desc_event *driver;
			struct vring_packed_desc_event *device;
		} packed;
	};
	struct vq_desc_extra *descx;	/* [size] */
	struct virtio_hw *hw;
	/*
	 * Split: indexes are free-running, masked with 'mask' (size is a power
	 * of two).  Packed: indexes are ring positions in [0, size), any size,
	 * wrapped by compare-and-subtract with the lap kept in avail_flags /
	 * used_wrap; 'mask' is unused.
	 */
	uint16_t size;			/* entries */
	uint16_t mask;			/* split: size - 1 */
	uint16_t free_cnt;		/* descriptors the driver may still post */
	uint16_t avail_idx;		/* split: next avail->idx; packed: next position */
	uint16_t used_cons_idx;		/* next used entry / position to consume */
	/* Out of order: free-list head (split: descriptors, packed: buffer
	 * ids); split in order: next descriptor. */
	uint16_t desc_head;
	uint16_t inorder_done;		/* split in order: first descriptor still in flight */
	uint16_t index;			/* virtqueue number */
	uint16_t mbuf_addr_off;		/* offsetof(rte_mbuf, buf_addr or buf_iova) */
	uint16_t avail_flags;		/* packed: AVAIL/USED bits marking the driver's lap */
	uint8_t used_wrap;		/* packed: device lap of the next used descriptor (0/1) */
	uint8_t running;		/* started and not broken: bursts may run */
	uint8_t in_order;		/* VIRTIO_F_IN_ORDER negotiated */
	uint8_t weak_barriers;		/* hw->weak_barriers, cached */

	/* ---- cold ---- */
	uint16_t limit __rte_cache_aligned;	/* descriptors usable (nb_desc), <= size */
	bool broken;
	bool started;
	uint8_t layout;			/* enum virtqueue_layout */
	uint8_t type;			/* enum virtqueue_type */
	void *q;			/* struct virtnet_rx / virtnet_tx, same allocation */
	struct virtio_tx_region *hdr_va;	/* [size], Tx and control queue only */
	uint64_t hdr_addr;		/* device address of hdr_va */
	const struct rte_memzone *ring_mz;
	const struct rte_memzone *hdr_mz;
	uint64_t ring_addr;		/* device address of the ring */
	size_t ring_bytes;
};

/*
 * Create virtqueue 'index' of 'size' entries for hw, after feature
 * negotiation: the layout (split: a power of two <= 32768; packed
 * (VIRTIO_F_RING_PACKED): any size in [1, 32768]) and the in-order mode
 * follow hw->guest_features.  The type follows the
 * index: even below 2 * hw->max_queue_pairs is Rx, odd is Tx, 2 *
 * max_queue_pairs is the control queue.  Ring memory comes from memzone
 * "vu<port>_vq<index>" (and "..._hdr" for the Tx/control header region) on
 * socket_id.  The ring is in its just-reset state, not running.  Returns 0 and
 * *out, or a negative errno (logged).
 */
int virtqueue_create(struct virtio_hw *hw, uint16_t index, uint16_t size, int socket_id,
		     struct virtqueue **out);

/* Free the ring, the header region, held mbufs and vq itself.  NULL-safe. */
void virtqueue_destroy(struct virtqueue *vq);

/* Addresses to hand to the transport: VA when hw->use_va, IOVA otherwise. */
void virtqueue_get_layout(const struct virtqueue *vq, struct virtio_vq_layout *out);

/*
 * Back to the just-created state: ring zeroed, all descriptors free, indexes 0,
 * not running, not broken; mbufs still held are freed.  Only while the device
 * does not access the ring (before start / after the backend stopped).
 */
void virtqueue_reset(struct virtqueue *vq);

uint16_t virtqueue_index(const struct virtqueue *vq);
bool virtqueue_is_broken(const struct virtqueue *vq);

/*
 * Record a device protocol violation: logs one ERR line naming port, queue
 * and 'fmt', marks the queue broken (running = 0).  Later calls are silent.
 */
void virtqueue_mark_broken(struct virtqueue *vq, const char *fmt, ...)
	__rte_cold __rte_format_printf(2, 3);

/*
 * Slow-path buffer API (control queue): one chain per call, no mbufs.
 * 'addr' is a device address (VA when hw->use_va, else IOVA).
 */
struct virtqueue_buf {
	uint64_t addr;
	uint32_t len;
};

/*
 * Post one chain of n_out device-readable then n_in device-writable buffers,
 * tagged with 'cookie' (non-NULL), and publish it; does not kick.  Returns 0,
 * -EINVAL (bad arguments), -ENOSPC (not enough free descriptors) or -EIO
 * (queue broken).
 */
int virtqueue_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
			uint16_t n_out, uint16_t n_in, void *cookie);

/*
 * Take one completed chain: returns its cookie and the bytes the device says
 * it wrote (*len, UNTRUSTED: callers bound it by their writable size), or
 * NULL when nothing is used yet or the queue is (or just became) broken.
 */
void *virtqueue_get_used(struct virtqueue *vq, uint32_t *len);

/* Kick the device if it asked for notifications. */
void virtqueue_kick(struct virtqueue *vq);

/*
 * The per-slot header region of a Tx or control queue (size *
 * sizeof(struct virtio_tx_region) bytes), free for the control queue's owner
 * to carry command headers, data and status.  NULL for Rx queues.
 */
void *virtqueue_hdr_mem(const struct virtqueue *vq, uint64_t *dev_addr, size_t *len);

/* virtqueue_resume_base(): virtqueue_resume.h (included above). */

/* Split-layout internals (virtqueue_split.c), used by virtqueue.c only. */
size_t virtqueue_split_ring_size(uint16_t size);
void virtqueue_split_init(struct virtqueue *vq, void *ring);
void virtqueue_split_reset(struct virtqueue *vq);
void virtqueue_split_layout(const struct virtqueue *vq, struct virtio_vq_layout *out);
int virtqueue_split_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
			      uint16_t n_out, uint16_t n_in, void *cookie);
void *virtqueue_split_get_used(struct virtqueue *vq, uint32_t *len);
int virtqueue_split_resume_base(const struct virtqueue *vq, uint32_t *base);

/* Packed-layout internals (virtqueue_packed.c), used by virtqueue.c only. */
size_t virtqueue_packed_ring_size(uint16_t size);
void virtqueue_packed_init(struct virtqueue *vq, void *ring);
void virtqueue_packed_reset(struct virtqueue *vq);
void virtqueue_packed_layout(const struct virtqueue *vq, struct virtio_vq_layout *out);
int virtqueue_packed_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
			       uint16_t n_out, uint16_t n_in, void *cookie);
void *virtqueue_packed_get_used(struct virtqueue *vq, uint32_t *len);
int virtqueue_packed_resume_base(struct virtqueue *vq, uint32_t *base);

/* ---- memory ordering (split ring) ---- */

/*
 * Do SMP barriers order our ring accesses against the device's (weak
 * barriers: no VIRTIO_F_ORDER_PLATFORM), or are I/O barriers needed?  On x86
 * rte_io_rmb/rte_io_wmb are compiler barriers and acquire loads / release
 * stores are plain moves, so both flavours of the per-descriptor helpers
 * below are the same code: the test is folded away.  The full fences of the
 * kick checks still follow vq->weak_barriers.
 */
static __rte_always_inline bool
virtqueue_weak(const struct virtqueue *vq)
{
#ifdef RTE_ARCH_X86
	RTE_SET_USED(vq);
	return true;
#else
	return vq->weak_barriers;
#endif
}

/*
 * avail->ring[slot] = id, stored only when it differs: in steady state a
 * slot gets the same head lap after lap (always in order, mostly out of
 * order), and an unwritten line stays shared with the device's core instead
 * of bouncing between the two caches every lap.
 */
static __rte_always_inline void
virtqueue_split_avail_put(uint16_t *ring, uint16_t slot, uint16_t id)
{
	if (unlikely(ring[slot] != id))
		ring[slot] = id;
}

/* Prefetch one line with write intent (PREFETCHW: check virtio_cpu_prefetchw). */
static __rte_always_inline void
virtqueue_prefetchw_line(const uint8_t *p)
{
#ifdef RTE_ARCH_X86
	asm volatile("prefetchw %0" : : "m"(*p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/* Prefetch with write intent every cache line that [from, to) touches. */
static __rte_always_inline void
virtqueue_prefetchw_range(const uint8_t *from, const uint8_t *to)
{
	const uint8_t *p;

	for (p = RTE_PTR_ALIGN_FLOOR(from, RTE_CACHE_LINE_SIZE); p < to; p += RTE_CACHE_LINE_SIZE)
		virtqueue_prefetchw_line(p);
}

/*
 * Ask for the cache lines of ring entries [pos, pos + n) (esize bytes each,
 * a ring of size entries, n <= size) with write intent before a burst
 * stores to all of them.  The device's core read those lines last: stores
 * that each wait for their line would drain one cross-core trip at a time;
 * asked for together up front, the trips overlap.
 */
static __rte_always_inline void
virtqueue_prefetch_w(const void *ring, uint16_t pos, uint16_t n, uint16_t size, size_t esize)
{
	const uint8_t *base = ring;

	virtqueue_prefetchw_range(base + (size_t)pos * esize,
				  base + (size_t)RTE_MIN(pos + n, size) * esize);
	if (pos + n > size)
		virtqueue_prefetchw_range(base, base + (size_t)(pos + n - size) * esize);
}

/*
 * Publish avail->idx after the descriptors and avail->ring entries it covers.
 * Release pairs with the device's acquire load of avail->idx (vhost reads it
 * with __ATOMIC_ACQUIRE before reading avail->ring and the descriptors).
 */
static __rte_always_inline void
virtqueue_split_avail_publish(struct virtqueue *vq)
{
	if (likely(virtqueue_weak(vq))) {
		__atomic_store_n(&vq->split.avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	} else {
		rte_io_wmb();
		vq->split.avail->idx = vq->avail_idx;
	}
}

/*
 * Entries the device has put in the used ring and we have not consumed.
 * Acquire pairs with the device's release store of used->idx (vhost:
 * __atomic_add_fetch(&used->idx, n, __ATOMIC_RELEASE) after writing the used
 * elements), so the elements read after this load are the ones it wrote.
 * The result is UNTRUSTED: callers check it against the ring size.
 */
static __rte_always_inline uint16_t
virtqueue_split_used_pending(const struct virtqueue *vq)
{
	uint16_t idx;

	if (likely(virtqueue_weak(vq))) {
		idx = __atomic_load_n(&vq->split.used->idx, __ATOMIC_ACQUIRE);
	} else {
		idx = *(volatile uint16_t *)&vq->split.used->idx;
		rte_io_rmb();
	}
	return (uint16_t)(idx - vq->used_cons_idx);
}

/*
 * Does the device want a kick after we published avail->idx?  The full
 * fence orders our avail->idx store before the used->flags load; it pairs
 * with the device's fence between clearing VRING_USED_F_NO_NOTIFY and
 * re-reading avail->idx, so either it sees our buffers or we see the flag.
 */
static __rte_always_inline bool
virtqueue_split_kick_needed(const struct virtqueue *vq)
{
	if (likely(vq->weak_barriers))
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		rte_mb();
	return !(*(volatile uint16_t *)&vq->split.used->flags & VRING_USED_F_NO_NOTIFY);
}

/* ---- memory ordering and lap arithmetic (packed ring) ---- */

#define VRING_PACKED_DESC_F_AVAIL_USED	(VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED)

/*
 * Has the device marked the descriptor used, in the lap whose AVAIL/USED
 * bits are used_bits (both set in lap 1, both clear in lap 0; 2.8.1; other
 * flag bits are ignored, the device may leave them)?  The acquire load
 * pairs with the device's release store of the flags after id and len
 * (vhost: __atomic_store_n(..flags.., __ATOMIC_RELEASE), or a release fence
 * before a batch of flag stores), so id and len read after a true result are
 * the ones the device wrote.  'weak' is virtqueue_weak(), read once per burst.
 */
static __rte_always_inline bool
virtqueue_packed_desc_used_as(const struct vring_packed_desc *d, uint16_t used_bits, bool weak)
{
	uint16_t flags;

	if (likely(weak)) {
		flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	} else {
		flags = *(const volatile uint16_t *)&d->flags;
		rte_io_rmb();
	}
	return (flags & VRING_PACKED_DESC_F_AVAIL_USED) == used_bits;
}

/* AVAIL/USED bits of a descriptor the device used in lap 'wrap' (0/1). */
static __rte_always_inline uint16_t
virtqueue_packed_used_bits(uint8_t wrap)
{
	return wrap ? VRING_PACKED_DESC_F_AVAIL_USED : 0;
}

/* Has the device marked the descriptor used in lap 'wrap'? */
static __rte_always_inline bool
virtqueue_packed_desc_is_used(const struct virtqueue *vq, const struct vring_packed_desc *d,
			      uint8_t wrap)
{
	return virtqueue_packed_desc_used_as(d, virtqueue_packed_used_bits(wrap),
					     virtqueue_weak(vq));
}

/*
 * Make the descriptor at a chain's (or batch's) head available: the release
 * store orders every descriptor written before it (the rest of the chain,
 * later chains of the batch) before the flags the device polls.  Pairs with
 * the device's acquire load of the head flags (vhost: desc_is_avail after
 * __atomic_load_n(..., __ATOMIC_ACQUIRE)).
 */
static __rte_always_inline void
virtqueue_packed_head_publish(struct virtqueue *vq, uint16_t pos, uint16_t flags)
{
	if (likely(virtqueue_weak(vq))) {
		__atomic_store_n(&vq->packed.desc[pos].flags, flags, __ATOMIC_RELEASE);
	} else {
		rte_io_wmb();
		vq->packed.desc[pos].flags = flags;
	}
}

/* Advance the driver position by n <= size descriptors, flipping the lap. */
static __rte_always_inline void
virtqueue_packed_avail_advance(struct virtqueue *vq, uint16_t n)
{
	uint16_t pos = vq->avail_idx + n;

	if (pos >= vq->size) {
		pos -= vq->size;
		vq->avail_flags ^= VRING_PACKED_DESC_F_AVAIL_USED;
	}
	vq->avail_idx = pos;
}

/* Advance the used position by n <= size descriptors, flipping the lap. */
static __rte_always_inline void
virtqueue_packed_used_advance(struct virtqueue *vq, uint16_t n)
{
	uint16_t pos = vq->used_cons_idx + n;

	if (pos >= vq->size) {
		pos -= vq->size;
		vq->used_wrap ^= 1;
	}
	vq->used_cons_idx = pos;
}

/*
 * Does the device want a kick after we published descriptors?  The full
 * fence orders our flag stores before the device event area load; it pairs
 * with the device's fence between enabling notifications and re-checking the
 * ring.  Only RING_EVENT_FLAGS_DISABLE means no: EVENT_IDX is not negotiated,
 * so RING_EVENT_FLAGS_DESC (or anything else) is treated as enable.
 */
static __rte_always_inline bool
virtqueue_packed_kick_needed(const struct virtqueue *vq)
{
	if (likely(vq->weak_barriers))
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		rte_mb();
	return *(const volatile uint16_t *)&vq->packed.device->desc_event_flags !=
	       RING_EVENT_FLAGS_DISABLE;
}

/* buf_addr or buf_iova of an mbuf, as chosen once per queue by vq->mbuf_addr_off. */
static __rte_always_inline uint64_t
virtqueue_mbuf_addr(const struct virtqueue *vq, const void *mbuf)
{
	return *(const uint64_t *)((const uint8_t *)mbuf + vq->mbuf_addr_off);
}

static __rte_always_inline void
virtqueue_notify(struct virtqueue *vq)
{
	vq->hw->ops->notify_queue(vq->hw, vq->index);
}

#endif /* VIRTQUEUE_H */
