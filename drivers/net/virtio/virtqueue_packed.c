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
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "virtio_logs.h"
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

/*
 * ---- Resuming after the device is gone (virtqueue_resume_base) ----
 *
 * A packed ring has no used index: the device's position is where it would
 * write its next used descriptor, and a new vhost backend takes one value,
 * SET_VRING_BASE, as both its next avail and its next used position.  That
 * value is the position the driver reaches once it has consumed every
 * descriptor the dead device marked used.  The scan finds it without
 * consuming: from the driver's used position, a used descriptor covers its
 * chain (out of order: descx[id].ndescs; in order: every chain up to and
 * including the one headed at id, a batch; Rx: one descriptor per buffer);
 * the first descriptor not marked used ends the run.  Chains from there on
 * are offered to the new device again (a Tx packet may be sent twice, an Rx
 * buffer is filled by the new device).
 *
 * Holes.  DPDK vhost marks the first chain of a dequeue burst used only at
 * the end of the burst, after the later ones (a shadowed head), and the first
 * buffer of an enqueue flush after the others.  Killed in between, it leaves
 * one chain not marked used followed by used ones.  The new device would
 * stop at those used descriptors and the driver would wait for the hole for
 * ever, so the scan completes such a chain on the dead device's behalf,
 * with length 0, as the dead device was about to: a Tx packet it had already
 * taken is counted sent; for Rx, the hole and every buffer completed after it
 * get length 0, so the bursts drop them (counted as errors) rather than
 * deliver a packet whose head buffer was never written.  A hole is one chain
 * the driver has in flight, followed by a used descriptor; anything else
 * marked used beyond the run is an inconsistency.
 *
 * Concurrency.  The dead device writes nothing, and the new one does not
 * have the ring yet, but the bursts may run on other lcores: Rx consumes
 * the used run and refills, Tx posts and reclaims.  The driver writes a
 * descriptor only at its avail position, into slots it has consumed (refill)
 * -- never into the run ahead of its used position, nor with both AVAIL and
 * USED at the slot's lap -- and changes descx[id] only for ids it consumed.
 * So a scan during which the used position did not move read a frozen run,
 * and the result does not depend on how far the driver consumed before it.
 * The used position is read before and after the scan; a scan it moved
 * across is done again (the run is finite and frozen: the bursts stop
 * consuming at its end).  The bursts store the position with plain stores,
 * possibly only at the end of a burst: the value in memory may lag the
 * descx cookies a burst already cleared, which the scan sees as a used id
 * not in flight -- so a scan that finds an inconsistency with the position
 * unchanged is retried, 1 ms apart, before the queue is marked broken.  This
 * relies on a burst storing its position before it reuses a consumed slot or
 * id (program order, which x86 makes visible in order); on weakly ordered
 * CPUs the re-read makes a wrong result unlikely, not impossible.  The
 * completions are written after the scan, the first hole's flags last with
 * release (pairing with the bursts' acquire load of the flags): the bursts
 * cannot pass the first hole before then, and refills only reach slots
 * behind the used position.
 */

/* Chains the scan completes for the dead device, at most (vhost leaves one). */
#define PACKED_RESUME_HOLES_MAX		4
/*
 * Scans while the bursts move the used position (each move consumes part of
 * a finite run), and scans, 1 ms apart, that find an inconsistency with the
 * position still: a burst keeps the position in a register until it ends, so
 * the one in memory may lag the cookies it already cleared.  100 ms bounds a
 * descheduled lcore; a ring still inconsistent after that is.
 */
#define PACKED_RESUME_MOVED_TRIES	1000
#define PACKED_RESUME_BAD_TRIES		100
#define PACKED_RESUME_BAD_PAUSE_US	1000

struct packed_resume_hole {
	uint16_t pos;
	uint16_t id;
	uint8_t wrap;
};

struct packed_resume_scan {
	uint16_t pos;		/* the run's end: the base */
	uint8_t wrap;
	uint16_t run;		/* descriptors from the driver's used position to pos */
	uint16_t nholes;
	struct packed_resume_hole holes[PACKED_RESUME_HOLES_MAX];
	char why[128];		/* the inconsistency found */
};

static void
packed_resume_step(const struct virtqueue *vq, uint16_t *pos, uint8_t *wrap, uint16_t n)
{
	uint32_t p = (uint32_t)*pos + n;

	if (p >= vq->size) {
		p -= vq->size;
		*wrap ^= 1;
	}
	*pos = (uint16_t)p;
}

static uint16_t
packed_resume_read_id(const struct virtqueue *vq, uint16_t pos)
{
	return ((const volatile struct vring_packed_desc *)vq->packed.desc)[pos].id;
}

/*
 * Descriptors covered by the used descriptor at pos carrying 'id' (at most
 * 'room'), or 0 when id is not a chain the driver has in flight there.
 */
static uint16_t
packed_resume_used_span(const struct virtqueue *vq, uint16_t pos, uint16_t id, uint16_t room)
{
	const struct vq_desc_extra *dx;
	uint32_t span = 0;

	if (id >= vq->size)
		return 0;
	if (vq->type == VIRTQUEUE_TYPE_RX)	/* the Rx bursts do not keep ndescs */
		return (vq->in_order && id != pos) || vq->descx[id].cookie == NULL ? 0 : 1;
	if (!vq->in_order) {
		dx = &vq->descx[id];
		return dx->cookie == NULL || dx->ndescs == 0 || dx->ndescs > room ? 0 : dx->ndescs;
	}
	/* In order: whole chains from pos; each step adds >= 1, bounded by room. */
	for (;;) {
		dx = &vq->descx[pos];
		if (dx->cookie == NULL || dx->ndescs == 0 || dx->ndescs > room - span)
			return 0;
		span += dx->ndescs;
		if (pos == id)
			return (uint16_t)span;
		pos = (uint16_t)((pos + dx->ndescs) % vq->size);
	}
}

/* Length of the in-flight chain headed at pos (not marked used) and its id; 0 if none. */
static uint16_t
packed_resume_pending_span(const struct virtqueue *vq, uint16_t pos, uint16_t room, uint16_t *id)
{
	const struct vq_desc_extra *dx;
	uint16_t nd;

	*id = vq->in_order ? pos : packed_resume_read_id(vq, pos);
	if (*id >= vq->size)
		return 0;
	dx = &vq->descx[*id];
	nd = vq->type == VIRTQUEUE_TYPE_RX ? 1 : dx->ndescs;
	return dx->cookie == NULL || nd == 0 || nd > room ? 0 : nd;
}

static int
packed_resume_bad(struct packed_resume_scan *s, const char *what, uint16_t pos, uint16_t id)
{
	snprintf(s->why, sizeof(s->why), "%s (position %u, id %u)", what, pos, id);
	return -EPROTO;
}

/* Nothing beyond the run may be marked used at its lap: the new device would stop there. */
static int
packed_resume_check_rest(const struct virtqueue *vq, struct packed_resume_scan *s,
			 uint32_t walked)
{
	uint16_t pos = s->pos;
	uint8_t wrap = s->wrap;

	for (; walked < vq->size; walked++) {
		if (virtqueue_packed_desc_is_used(vq, &vq->packed.desc[pos], wrap))
			return packed_resume_bad(s, "used descriptor beyond the dead device's run",
						 pos, packed_resume_read_id(vq, pos));
		packed_resume_step(vq, &pos, &wrap, 1);
	}
	return 0;
}

/* One read-only scan from the used position (pos, wrap); see above. */
static int
packed_resume_scan(const struct virtqueue *vq, uint16_t pos, uint8_t wrap,
		   struct packed_resume_scan *s)
{
	uint32_t walked = 0;
	uint16_t nd, id, q, room;
	uint8_t qw;

	s->nholes = 0;
	while (walked < vq->size) {
		room = (uint16_t)(vq->size - walked);
		if (virtqueue_packed_desc_is_used(vq, &vq->packed.desc[pos], wrap)) {
			id = packed_resume_read_id(vq, pos);
			nd = packed_resume_used_span(vq, pos, id, room);
			if (nd == 0)
				return packed_resume_bad(s, "used id is not a chain in flight",
							 pos, id);
		} else {
			nd = packed_resume_pending_span(vq, pos, room, &id);
			if (nd == 0 || nd == room)
				break;
			q = pos;
			qw = wrap;
			packed_resume_step(vq, &q, &qw, nd);
			if (!virtqueue_packed_desc_is_used(vq, &vq->packed.desc[q], qw))
				break;
			if (s->nholes == PACKED_RESUME_HOLES_MAX)
				return packed_resume_bad(s, "too many chains left incomplete before"
							 " used ones", pos, id);
			s->holes[s->nholes++] = (struct packed_resume_hole){ pos, id, wrap };
		}
		walked += nd;
		packed_resume_step(vq, &pos, &wrap, nd);
	}
	s->pos = pos;
	s->wrap = wrap;
	s->run = (uint16_t)walked;
	/* The run is in flight: no longer than what the driver has posted. */
	if (walked > (uint32_t)(vq->limit - __atomic_load_n(&vq->free_cnt, __ATOMIC_RELAXED)))
		return packed_resume_bad(s, "used run longer than what is in flight", pos, 0);
	return packed_resume_check_rest(vq, s, walked);
}

static void
packed_resume_flags_store(struct virtqueue *vq, uint16_t pos, uint16_t flags)
{
	if (vq->weak_barriers) {
		__atomic_store_n(&vq->packed.desc[pos].flags, flags, __ATOMIC_RELEASE);
	} else {
		rte_io_wmb();
		*(volatile uint16_t *)&vq->packed.desc[pos].flags = flags;
	}
}

/* Complete the holes for the dead device (length 0), the first one last. */
static void
packed_resume_fill_holes(struct virtqueue *vq, const struct packed_resume_scan *s)
{
	volatile struct vring_packed_desc *desc = vq->packed.desc;
	const struct packed_resume_hole *h;
	uint16_t pos, i, n;
	uint8_t wrap;

	if (s->nholes == 0)
		return;
	if (vq->type == VIRTQUEUE_TYPE_RX) {
		pos = s->holes[0].pos;
		wrap = s->holes[0].wrap;
		for (n = 0; n < vq->size && (pos != s->pos || wrap != s->wrap); n++) {
			if (virtqueue_packed_desc_is_used(vq, &vq->packed.desc[pos], wrap))
				desc[pos].len = 0;
			packed_resume_step(vq, &pos, &wrap, 1);
		}
	}
	for (i = s->nholes; i-- > 0;) {
		h = &s->holes[i];
		desc[h->pos].id = h->id;
		desc[h->pos].len = 0;
		packed_resume_flags_store(vq, h->pos, h->wrap ? VRING_PACKED_DESC_F_AVAIL_USED : 0);
	}
}

/*
 * Scan until one ran with the used position still (read before and after,
 * both halves; a position out of range is a burst mid-wrap).  0, -EPROTO or
 * -EBUSY, s->why set on failure.
 */
static int
packed_resume_scan_stable(const struct virtqueue *vq, struct packed_resume_scan *s)
{
	unsigned int moved = 0, bad = 0;
	uint16_t pos;
	uint8_t wrap;
	int ret;

	while (moved < PACKED_RESUME_MOVED_TRIES) {
		pos = __atomic_load_n(&vq->used_cons_idx, __ATOMIC_ACQUIRE);
		wrap = __atomic_load_n(&vq->used_wrap, __ATOMIC_ACQUIRE);
		ret = pos < vq->size ? packed_resume_scan(vq, pos, wrap & 1, s) : -EAGAIN;
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (ret == -EAGAIN ||
		    pos != __atomic_load_n(&vq->used_cons_idx, __ATOMIC_ACQUIRE) ||
		    wrap != __atomic_load_n(&vq->used_wrap, __ATOMIC_ACQUIRE)) {
			moved++;
			rte_pause();
			continue;
		}
		if (ret == 0 || ++bad == PACKED_RESUME_BAD_TRIES)
			return ret;
		rte_delay_us_sleep(PACKED_RESUME_BAD_PAUSE_US);
	}
	snprintf(s->why, sizeof(s->why), "the bursts kept moving the used position over %u"
		 " scans", moved);
	return -EBUSY;
}

int
virtqueue_packed_resume_base(struct virtqueue *vq, uint32_t *base)
{
	struct packed_resume_scan s;
	int ret;

	ret = packed_resume_scan_stable(vq, &s);
	if (ret == -EPROTO) {
		virtqueue_mark_broken(vq, "cannot resume the ring for a new device: %s", s.why);
		return ret;
	}
	if (ret < 0) {
		PMD_DRV_LOG(ERR, "port %u vq %u: cannot resume the ring for a new device: %s",
			    vq->hw->port_id, vq->index, s.why);
		return ret;
	}
	packed_resume_fill_holes(vq, &s);
	*base = s.pos | (uint32_t)s.wrap << 15;
	rte_log(s.nholes > 0 ? RTE_LOG_INFO : RTE_LOG_DEBUG, virtio_logtype_driver,
		"%s(): port %u vq %u: resuming at position %u lap %u after a used run of %u"
		" descriptors; %u chain(s) left incomplete completed with length 0\n", __func__,
		vq->hw->port_id, vq->index, s.pos, s.wrap, s.run, s.nholes);
	return 0;
}
