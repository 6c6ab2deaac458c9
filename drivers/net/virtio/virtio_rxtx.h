/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_RXTX_H
#define VIRTIO_RXTX_H

/*
 * ethdev queue operations and the Rx/Tx queue objects.  The lead's ethdev
 * layer plugs the *_queue_setup/_release functions into eth_dev_ops and calls
 * virtio_dev_rxtx_start/stop from dev_start/dev_stop.
 *
 * Lifetime: the virtqueues (hw->vqs[]) are created by the ethdev layer after
 * feature negotiation (dev_configure) and destroyed by it; each Rx/Tx queue
 * object below is allocated together with its virtqueue and lives exactly as
 * long.  dev->data->rx_queues[qid] / tx_queues[qid] point at these objects
 * between *_queue_setup and *_queue_release.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <ethdev_driver.h>

#include "virtio_logs.h"
#include "virtio_ring.h"
#include "virtqueue.h"

/*
 * Per-queue counters, updated by the bursts only.  size_bins follow RFC 2819:
 * [0] < 64 (undersize), [1] 64, [2] 65-127, [3] 128-255, [4] 256-511,
 * [5] 512-1023, [6] 1024-1518, [7] >= 1519.  Rx 'errors': packets the device
 * delivered that were dropped (bad length, malformed merge chain, bad
 * offload header).  Tx 'errors': packets dropped as unsendable (more segments
 * than the ring can hold).
 */
struct virtnet_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;
	uint64_t multicast;
	uint64_t broadcast;
	uint64_t size_bins[8];
};

struct virtnet_rx {
	struct virtqueue *vq;
	struct rte_mempool *mp;		/* NULL until rx_queue_setup */
	uint64_t mbuf_initializer;	/* rearm_data: data_off, refcnt 1, 1 seg, port */
	uint64_t *alloc_failed;		/* &dev->data->rx_mbuf_alloc_failed */
	uint32_t buf_len;		/* bytes the device may write per buffer, hdr included */
	uint16_t hdr_size;		/* hw->vtnet_hdr_size */
	uint16_t free_thresh;		/* refill when at least this many are free */
	uint16_t port_id;
	uint16_t queue_id;
	uint8_t offload;		/* GUEST_CSUM/GUEST_TSO negotiated: parse the header */
	uint8_t vlan_strip;		/* RTE_ETH_RX_OFFLOAD_VLAN_STRIP */
	uint8_t finish_slow;		/* vlan_strip || offload: virtio_rx_finish_slow */
	uint8_t dst_stats;		/* count multicast/broadcast (hw->dst_stats) */
	struct virtnet_stats stats;
};

struct virtnet_tx {
	struct virtqueue *vq;
	/* rearm_data & push_mask == push_want: refcnt 1 and one segment, see
	 * virtio_tx_pushable; push_want has nb_segs 0 when !can_push. */
	uint64_t push_mask;
	uint64_t push_want;
	struct virtio_tx_region *hdr_va;	/* [ring size], indexed by head descriptor */
	uint64_t hdr_addr;		/* its device address */
	uint16_t hdr_size;
	uint16_t free_thresh;		/* reclaim when fewer descriptors are free */
	uint16_t port_id;
	uint16_t queue_id;
	uint8_t offload;		/* CSUM/HOST_TSO negotiated: fill the header */
	uint8_t can_push;		/* VERSION_1 or ANY_LAYOUT: hdr may share a desc */
	uint8_t prefetch_w;		/* CPU has PREFETCHW: virtqueue_prefetch_w */
	uint8_t indirect;		/* VIRTIO_RING_F_INDIRECT_DESC */
	bool configured;		/* between tx_queue_setup and release */
	uint8_t dst_stats;		/* count multicast/broadcast (hw->dst_stats) */
	struct virtnet_stats stats;
};

/*
 * Bind queue 'qid' of dev to its existing virtqueue hw->vqs[VIRTIO_RXQ_VQ(qid)]
 * (created by dev_configure) and to mempool mp.  nb_desc 0 or above the ring
 * size means the ring size; a smaller value caps the buffers posted.
 * rx_free_thresh 0 means 1 (see VIRTIO_RX_FREE_THRESH_DEFAULT).  Rejects deferred start, a
 * pool whose buffers cannot hold hw->max_rx_pkt_len without Rx scatter, and a
 * missing virtqueue.  Sets dev->data->rx_queues[qid].  0 or -errno (logged).
 */
int virtio_dev_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_rxconf *conf,
			      struct rte_mempool *mp);

/* Same for Tx: tx_free_thresh 0 means min(nb_desc / 4, 32). */
int virtio_dev_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_txconf *conf);

/* Unbind (port stopped).  The virtqueue stays; safe on a never-set-up queue. */
void virtio_dev_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
void virtio_dev_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid);

/*
 * dev_start, after DRIVER_OK: fill every configured Rx ring from its pool
 * (-ENOMEM naming the pool on failure; rings are reset again), kick, mark all
 * configured queues running and select the bursts (virtio_dev_set_rxtx_funcs).
 * -EINVAL if a configured queue was never set up.
 */
int virtio_dev_rxtx_start(struct rte_eth_dev *dev);

/*
 * dev_stop, after the backend stopped: stop every queue, free every mbuf held
 * by any ring (pools are full again) and reset the rings for a later start.
 */
void virtio_dev_rxtx_stop(struct rte_eth_dev *dev);

/*
 * Set dev->rx_pkt_burst, tx_pkt_burst and tx_pkt_prepare from the negotiated
 * features (split or packed, mergeable, in order).  Idempotent.
 */
void virtio_dev_set_rxtx_funcs(struct rte_eth_dev *dev);

/*
 * Start counting multicast/broadcast packets on every Rx and Tx queue of
 * dev, now and for queues set up later.  Telling them apart means reading
 * each packet's destination MAC; on Rx (and on Tx of a forwarded packet)
 * that line was just written by the device's core: a cache miss the burst
 * waits for, about a fifth of a packet's cost when the two cores are far
 * apart.  So the bursts look only once the counters have a reader: the
 * first xstats query arms it.  Safe from a secondary process (shared
 * memory).
 */
void virtio_dst_stats_arm(struct rte_eth_dev *dev);

/* Counters of an Rx/Tx queue object (dev->data->rx_queues[i] / tx_queues[i]). */
struct virtnet_stats *virtio_rxq_stats(void *rxq);
struct virtnet_stats *virtio_txq_stats(void *txq);

/* ---- internal to the datapath files ---- */

/*
 * Default refill/reclaim thresholds.  Rx: every burst re-posts the buffers it
 * consumed, as the stock driver's scalar bursts do, so once the application
 * has its packets the device sees the whole ring again; a device that drops
 * what finds no buffer (vdpa_sim_net, a NIC) would otherwise lose packets
 * the ring has room for.  An application's rx_free_thresh batches refills.
 * Tx: reclaim once fewer than min(nb_desc / 4, 32) descriptors are free.
 */
#define VIRTIO_RX_FREE_THRESH_DEFAULT	1
#define VIRTIO_TX_FREE_THRESH_DEFAULT	32

/* Split-ring bursts (virtio_rxtx_split.c). */
uint16_t virtio_split_recv(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_recv_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_recv_mrg(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_recv_mrg_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_xmit(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_xmit_inorder(void *txq, struct rte_mbuf **pkts, uint16_t n);
/* Post up to vq->free_cnt fresh buffers; 0 or -ENOMEM (pool empty). */
int virtio_split_rx_refill(struct virtnet_rx *rxq);

/* Split-ring vector Rx (virtio_rxtx_split_vec.c): single buffer, no offloads. */
uint16_t virtio_split_recv_vec(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_split_recv_vec_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n);
/* Is the vector Rx compiled in (x86 with SSE4.1), not the scalar stand-in? */
bool virtio_rx_vec_built(void);

/* Packed-ring bursts (virtio_rxtx_packed.c). */
uint16_t virtio_packed_recv(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_packed_recv_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_packed_recv_mrg(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_packed_recv_mrg_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_packed_xmit(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_packed_xmit_inorder(void *txq, struct rte_mbuf **pkts, uint16_t n);
/* Post up to vq->free_cnt fresh buffers; 0 or -ENOMEM (pool empty). */
int virtio_packed_rx_refill(struct virtnet_rx *rxq);

/* Shared helpers (virtio_rxtx.c). */
uint16_t virtio_xmit_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n);
int virtio_rx_offload_apply(struct rte_mbuf *m, const struct virtio_net_hdr *hdr);
void virtio_tx_offload_fill(struct virtio_net_hdr *hdr, const struct rte_mbuf *m);
/* VLAN strip and header offloads of a received packet; < 0: drop it. */
int virtio_rx_finish_slow(const struct virtnet_rx *rxq, struct rte_mbuf *m) __rte_cold;

/* ---- per-packet helpers shared by the split and packed bursts ---- */

_Static_assert(sizeof(void *) == sizeof(uint64_t), "mbuf address read as 64 bits");
_Static_assert(RTE_PKTMBUF_HEADROOM >= sizeof(struct virtio_net_hdr_mrg_rxbuf),
	       "the Rx header lives in the mbuf headroom");
_Static_assert(offsetof(struct rte_mbuf, pkt_len) ==
	       offsetof(struct rte_mbuf, packet_type) + 4 &&
	       offsetof(struct rte_mbuf, vlan_tci) == offsetof(struct rte_mbuf, data_len) + 2,
	       "Rx rearm stores packet_type/pkt_len and data_len/vlan_tci as pairs");

/*
 * Size bin of a packet of len bytes (see struct virtnet_stats): 64 and the
 * power-of-two bins 65..1518 (floor(log2(len)) - 4) take one branch each.
 */
static __rte_always_inline unsigned int
virtnet_size_bin(uint32_t len)
{
	if (len == RTE_ETHER_MIN_LEN)
		return 1;
	if (likely(len - (RTE_ETHER_MIN_LEN + 1) < RTE_ETHER_MAX_LEN - RTE_ETHER_MIN_LEN))
		return 27 - __builtin_clz(len);
	return len < RTE_ETHER_MIN_LEN ? 0 : 7;
}

/*
 * Per-packet counters of a packet of len bytes whose data starts at dst;
 * multicast/broadcast only when dst_stats (see virtio_dst_stats_arm).
 */
static __rte_always_inline void
virtnet_stats_pkt(struct virtnet_stats *st, uint32_t len, const uint8_t *dst, bool dst_stats)
{
	st->size_bins[virtnet_size_bin(len)]++;
	/* Group bit of the destination MAC: multicast, all-ones: broadcast. */
	if (unlikely(dst_stats) && unlikely(dst[0] & 1)) {
		if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst))
			st->broadcast++;
		else
			st->multicast++;
	}
}

/* Per-burst counters: packets and bytes are summed in registers by the bursts. */
static __rte_always_inline void
virtnet_stats_burst(struct virtnet_stats *st, uint16_t pkts, uint64_t bytes)
{
	st->packets += pkts;
	st->bytes += bytes;
}

/*
 * What the Rx helpers read per packet, copied from the queue once per burst
 * so that it stays in registers (stores into mbufs would otherwise force
 * reloads through rxq).
 */
struct virtio_rx_burst {
	uint64_t mbuf_init;	/* rxq->mbuf_initializer */
	uint64_t bytes;		/* bytes delivered by this burst */
	uint32_t min_len;	/* shortest first buffer: header + Ethernet header */
	uint32_t len_span;	/* buf_len - min_len */
	uint32_t buf_len;
	uint16_t hdr_size;
	bool finish_slow;
	bool dst_stats;
};

static __rte_always_inline void
virtio_rx_burst_init(struct virtio_rx_burst *b, const struct virtnet_rx *rxq)
{
	b->mbuf_init = rxq->mbuf_initializer;
	b->bytes = 0;
	b->hdr_size = rxq->hdr_size;
	b->buf_len = rxq->buf_len;
	b->min_len = b->hdr_size + RTE_ETHER_HDR_LEN;
	b->len_span = b->buf_len - b->min_len;
	b->finish_slow = rxq->finish_slow;
	b->dst_stats = rxq->dst_stats;
}

/*
 * Set every mbuf field a received segment exposes; data at the headroom.
 * Three stores: rearm_data + ol_flags, packet_type + pkt_len, data_len +
 * vlan_tci (the hash is left alone: no RSS flag is set).
 */
static __rte_always_inline void
virtio_rx_rearm(const struct virtio_rx_burst *b, struct rte_mbuf *m, uint32_t len)
{
	struct { uint32_t packet_type, pkt_len; } w1 = { 0, len };
	struct { uint16_t data_len, vlan_tci; } w2 = { (uint16_t)len, 0 };

	*(uint64_t *)((uint8_t *)m + offsetof(struct rte_mbuf, rearm_data)) = b->mbuf_init;
	m->ol_flags = 0;
	memcpy(&m->packet_type, &w1, sizeof(w1));
	memcpy(&m->data_len, &w2, sizeof(w2));
}

/*
 * n raw mbufs for an Rx refill.  When the lcore's mempool cache holds n,
 * they are taken off its top and read in place (no copy; the caller posts
 * them before anything else on this lcore touches the cache, as i40e's
 * vector refill does); else rte_mempool_generic_get copies them into buf.
 * Returns the array to read, or NULL when the pool is short.
 */
static __rte_always_inline void **
virtio_rx_mbufs_get(struct rte_mempool *mp, void **buf, unsigned int n)
{
	struct rte_mempool_cache *cache = rte_mempool_default_cache(mp, rte_lcore_id());

	if (likely(cache != NULL && cache->len >= n)) {
		cache->len -= n;
		RTE_MEMPOOL_CACHE_STAT_ADD(cache, get_success_bulk, 1);
		RTE_MEMPOOL_CACHE_STAT_ADD(cache, get_success_objs, n);
		RTE_MEMPOOL_CHECK_COOKIES(mp, &cache->objs[cache->len], n, 1);
		return &cache->objs[cache->len];
	}
	return rte_mempool_generic_get(mp, buf, n, cache) == 0 ? buf : NULL;
}

/* The virtio-net header the device wrote in front of an Rx buffer's data. */
static __rte_always_inline const struct virtio_net_hdr *
virtio_rx_hdr(const struct virtnet_rx *rxq, const struct rte_mbuf *m)
{
	return (const struct virtio_net_hdr *)((const uint8_t *)m->buf_addr +
					       RTE_PKTMBUF_HEADROOM - rxq->hdr_size);
}

/*
 * Mergeable Rx: is the first buffer m of a packet, used for len bytes
 * (UNTRUSTED), the whole packet?  The device fills every buffer of a
 * packet but the last up to its full length (virtio 1.x 5.1.6.4.1), so a
 * first buffer used short of buf_len (and for at least a header and an
 * Ethernet header: the same compare) holds all of it, and num_buffers need
 * not be waited for: its line is one the device has just written.  It is
 * only prefetched: a packet sent back out gets num_buffers zeroed there
 * (virtio_tx_hdr_push), and fetched now with the rest of the burst's it is
 * no miss then.  False: the caller reads num_buffers.
 */
static __rte_always_inline bool
virtio_rx_mrg_short(const struct virtio_rx_burst *b, const struct rte_mbuf *m, uint32_t len)
{
	if (unlikely(len - b->min_len >= b->len_span))
		return false;
	rte_prefetch0((const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - b->hdr_size);
	return true;
}

/* num_buffers of a mergeable packet's header: device data, UNTRUSTED. */
static __rte_always_inline uint16_t
virtio_rx_num_buffers(const struct virtio_rx_burst *b, const struct rte_mbuf *m)
{
	return ((const volatile struct virtio_net_hdr_mrg_rxbuf *)
		((const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - b->hdr_size))->num_buffers;
}

/*
 * Is len (UNTRUSTED, header included) a possible first buffer of a packet:
 * header plus an Ethernet header, at most the buffer?  One compare.
 */
static __rte_always_inline bool
virtio_rx_len_ok(const struct virtio_rx_burst *b, uint32_t len)
{
	return len - b->min_len <= b->len_span;
}

/* Drop a buffer the device filled badly (raw: not rearmed, one segment). */
static __rte_always_inline void
virtio_rx_drop_raw(struct virtnet_rx *rxq, struct rte_mbuf *m)
{
	rte_mbuf_raw_free(m);
	rxq->stats.errors++;
}

/*
 * First buffer of a packet, used length len (UNTRUSTED): rearm it for
 * len - header bytes, or drop it (false) when len is out of bounds.
 */
static __rte_always_inline bool
virtio_rx_first(struct virtnet_rx *rxq, const struct virtio_rx_burst *b, struct rte_mbuf *m,
		uint32_t len)
{
	if (unlikely(!virtio_rx_len_ok(b, len))) {
		PMD_RX_LOG(ERR, "port %u rxq %u: bad used len %u",
			   rxq->port_id, rxq->queue_id, len);
		virtio_rx_drop_raw(rxq, m);
		return false;
	}
	virtio_rx_rearm(b, m, len - b->hdr_size);
	return true;
}

/*
 * Append continuation buffer seg (used length len, UNTRUSTED: 0 or beyond
 * the buffer makes it empty and the packet bad) to the packet at head whose
 * last segment is *prev.  Returns 1 for a bad length, else 0.
 */
static __rte_always_inline int
virtio_rx_mrg_append(const struct virtio_rx_burst *b, struct rte_mbuf *head,
		     struct rte_mbuf **prev, struct rte_mbuf *seg, uint32_t len)
{
	int bad = 0;

	if (unlikely(len == 0 || len > b->buf_len)) {
		bad = 1;
		len = 0;
	}
	virtio_rx_rearm(b, seg, len);
	seg->data_off = RTE_PKTMBUF_HEADROOM - b->hdr_size;	/* no header here */
	(*prev)->next = seg;
	*prev = seg;
	head->pkt_len += len;
	head->nb_segs++;
	return bad;
}

/*
 * Last step of every received packet (pkt_len len, data at the headroom as
 * rearmed): VLAN strip and header offloads when configured, then the
 * counters.  Returns true when m goes to the caller; false when it was
 * dropped (freed, counted as an error).
 */
static __rte_always_inline bool
virtio_rx_deliver(struct virtnet_rx *rxq, struct virtio_rx_burst *b, struct rte_mbuf *m,
		  uint32_t len)
{
	const uint8_t *data = (const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;

	if (unlikely(b->finish_slow)) {
		if (virtio_rx_finish_slow(rxq, m) < 0) {
			rte_pktmbuf_free(m);
			rxq->stats.errors++;
			return false;
		}
		len = m->pkt_len;
		data = rte_pktmbuf_mtod(m, const uint8_t *);
	}
	b->bytes += len;
	virtnet_stats_pkt(&rxq->stats, len, data, b->dst_stats);
	return true;
}

/*
 * Ring walking steps a layout file passes to the shared Rx skeletons below.
 * They are __rte_always_inline functions passed as constants, so each
 * skeleton compiles to one straight burst per layout (no indirect call).
 * 'cursor' is the layout's consumer state for the burst.
 *   ready: is there a used buffer at the cursor?
 *   pop:   consume it (id and len UNTRUSTED, checked by pop): its mbuf and
 *          *len, or NULL with the queue marked broken.
 *   post:  write n raw mbufs as device-writable descriptors; the refill's
 *          first descriptor is held back for the caller to publish.
 */
typedef bool virtio_rx_ready_t(const void *cursor);
typedef struct rte_mbuf *virtio_rx_pop_t(struct virtqueue *vq, void *cursor, uint32_t *len,
					 bool in_order);
typedef void virtio_rx_post_t(struct virtnet_rx *rxq, struct rte_mbuf **mbufs, uint16_t n,
			      bool first, bool in_order);

/* Fresh Rx buffers are taken from the pool this many at a time. */
#define VIRTIO_RX_REFILL_CHUNK	64

/*
 * Fill the free descriptors from the pool, chunk by chunk.  Returns the
 * number posted (not yet published), or -ENOMEM (counted in
 * rx_mbuf_alloc_failed) when the pool could not provide the first chunk;
 * what was posted before a failure stays posted.
 */
static __rte_always_inline int
virtio_rx_fill(struct virtnet_rx *rxq, virtio_rx_post_t *post, const bool in_order)
{
	void *buf[VIRTIO_RX_REFILL_CHUNK], **got;
	struct virtqueue *vq = rxq->vq;
	int posted = 0;
	uint16_t n;

	while (vq->free_cnt > 0) {
		n = RTE_MIN(vq->free_cnt, VIRTIO_RX_REFILL_CHUNK);
		got = virtio_rx_mbufs_get(rxq->mp, buf, n);
		if (unlikely(got == NULL)) {
			*rxq->alloc_failed += n;
			return posted > 0 ? posted : -ENOMEM;
		}
		post(rxq, (struct rte_mbuf **)got, n, posted == 0, in_order);
		posted += n;
	}
	return posted;
}

/*
 * Rx refill, split around the burst.  At its start, the buffers earlier
 * bursts consumed are posted again (when at least free_thresh are free)
 * and published; at its end, the device is kicked if it asks.  The two
 * halves keep the order the notification protocol needs (publish, full
 * fence, read the device's flags) while the burst runs in between: the
 * publishing stores drain while the used buffers are read, and the
 * device's flags sit in a line the burst just read (split: next to
 * used->idx), so the fence and the read after it cost little.  Measured
 * with the two cores far apart: split rxonly 116 -> 78 cycles a packet.
 *
 * Between bursts the device so lacks what the last burst took; when that
 * is more than half the ring (small rings, large bursts) the burst refills
 * at its end as well, so a device that drops what finds no buffer is never
 * left short.
 */
typedef int virtio_rx_refill_t(struct virtnet_rx *rxq, bool in_order);
typedef bool virtio_kick_needed_t(const struct virtqueue *vq);

/* Burst start: true when buffers were published (kick check due). */
static __rte_always_inline bool
virtio_rx_replenish(struct virtnet_rx *rxq, virtio_rx_refill_t *refill, const bool in_order)
{
	return rxq->vq->free_cnt >= rxq->free_thresh && refill(rxq, in_order) > 0;
}

/* Burst end: refill if the device is left short, kick if it asks. */
static __rte_always_inline void
virtio_rx_burst_end(struct virtnet_rx *rxq, bool published, virtio_rx_refill_t *refill,
		    virtio_kick_needed_t *kick_needed, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;

	if (unlikely(vq->free_cnt * 2u > vq->limit) && likely(vq->running))
		published |= refill(rxq, in_order) > 0;
	if (published && unlikely(kick_needed(vq)))
		virtqueue_notify(vq);
}

/* Start-time fill of every free descriptor: 0, or -ENOMEM (pool short). */
static __rte_always_inline int
virtio_rx_refill_all(struct virtnet_rx *rxq, virtio_rx_refill_t *refill)
{
	int ret = refill(rxq, rxq->vq->in_order);

	return rxq->vq->free_cnt == 0 ? 0 : (ret < 0 ? ret : -ENOMEM);
}

/*
 * Single-buffer Rx: deliver the used buffers at the cursor into out, up to
 * end.  Returns the new end of what was delivered.
 */
static __rte_always_inline struct rte_mbuf **
virtio_rx_single(struct virtnet_rx *rxq, struct virtqueue *vq, void *cursor,
		 struct virtio_rx_burst *b, struct rte_mbuf **out, struct rte_mbuf **end,
		 virtio_rx_ready_t *ready, virtio_rx_pop_t *pop, const bool in_order)
{
	struct rte_mbuf *m;
	uint32_t len;

	while (out != end && ready(cursor)) {
		m = pop(vq, cursor, &len, in_order);
		if (unlikely(m == NULL))
			break;
		if (virtio_rx_first(rxq, b, m, len) &&
		    virtio_rx_deliver(rxq, b, m, len - b->hdr_size))
			*out++ = m;
	}
	return out;
}

/*
 * Mergeable Rx, after the layout consumed the first buffer m (used length
 * len, checked) of a packet of nbufs buffers (checked against what is
 * used): rearm it, chain the nbufs - 1 continuation buffers popped from the
 * cursor (a bad length there drops the packet), deliver into **out.
 * Returns -1 when the queue broke, else 0.
 */
static __rte_always_inline int
virtio_rx_mrg_packet(struct virtnet_rx *rxq, struct virtqueue *vq, void *cursor,
		     struct virtio_rx_burst *b, struct rte_mbuf *m, uint32_t len, uint16_t nbufs,
		     struct rte_mbuf ***out, virtio_rx_pop_t *pop, const bool in_order)
{
	struct rte_mbuf *prev = m, *seg;
	int bad = 0;

	virtio_rx_rearm(b, m, len - b->hdr_size);
	if (likely(nbufs == 1)) {
		if (virtio_rx_deliver(rxq, b, m, len - b->hdr_size))
			*(*out)++ = m;
		return 0;
	}
	while (--nbufs > 0) {
		seg = pop(vq, cursor, &len, in_order);
		if (unlikely(seg == NULL)) {
			rte_pktmbuf_free(m);
			return -1;
		}
		bad |= virtio_rx_mrg_append(b, m, &prev, seg, len);
	}
	if (unlikely(bad)) {
		rte_pktmbuf_free(m);
		rxq->stats.errors++;
		return 0;
	}
	if (virtio_rx_deliver(rxq, b, m, m->pkt_len))
		*(*out)++ = m;
	return 0;
}

/* How a Tx packet is laid out on the ring (both layouts). */
enum virtio_tx_mode {
	VIRTIO_TX_PUSH,		/* header in the headroom, one descriptor */
	VIRTIO_TX_INDIRECT,	/* one descriptor -> per-slot indirect table */
	VIRTIO_TX_CHAIN,	/* per-slot header descriptor + one per segment */
};

static __rte_always_inline void
virtio_tx_hdr_fill(const struct virtnet_tx *txq, struct virtio_net_hdr_mrg_rxbuf *hdr,
		   const struct rte_mbuf *m)
{
	if (txq->offload) {
		virtio_tx_offload_fill(&hdr->hdr, m);
	} else {
		hdr->hdr.flags = 0;
		hdr->hdr.gso_type = 0;
		hdr->hdr.hdr_len = 0;
		hdr->hdr.gso_size = 0;
		hdr->hdr.csum_start = 0;
		hdr->hdr.csum_offset = 0;
	}
	if (txq->hdr_size == sizeof(*hdr))
		hdr->num_buffers = 0;
}

/* What the Tx fast path reads per packet, copied once per burst. */
struct virtio_tx_burst {
	uint64_t push_mask;
	uint64_t push_want;
	uint64_t bytes;		/* bytes sent by this burst */
	uint16_t hdr_size;
	bool offload;
	bool dst_stats;
};

static __rte_always_inline void
virtio_tx_burst_init(struct virtio_tx_burst *b, const struct virtnet_tx *txq)
{
	b->push_mask = txq->push_mask;
	b->push_want = txq->push_want;
	b->bytes = 0;
	b->hdr_size = txq->hdr_size;
	b->offload = txq->offload;
	b->dst_stats = txq->dst_stats;
}

/*
 * Can m carry its virtio-net header in its own headroom (one descriptor)?
 * It must be ours alone and plain: refcnt 1, one segment (both tested in
 * one masked compare of rearm_data; push_want never matches when neither
 * VERSION_1 nor ANY_LAYOUT allows a shared descriptor), direct, with
 * hdr_size bytes of headroom.  The header is written with unaligned-safe
 * stores, so the data start may be at any address.  *data_off: m->data_off.
 */
static __rte_always_inline bool
virtio_tx_pushable(const struct virtio_tx_burst *b, const struct rte_mbuf *m,
		   uint16_t *data_off)
{
	uint64_t rearm;

	memcpy(&rearm, (const uint8_t *)m + offsetof(struct rte_mbuf, rearm_data), sizeof(rearm));
	/* data_off out of the same load. */
	memcpy(data_off, (const uint8_t *)&rearm + offsetof(struct rte_mbuf, data_off) -
	       offsetof(struct rte_mbuf, rearm_data), sizeof(*data_off));
	return (rearm & b->push_mask) == b->push_want && *data_off >= b->hdr_size &&
	       !(m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL));
}

/*
 * Write the header of a pushable m in front of its data.  Without offloads
 * it is all zeros: an 8-byte and a 4-byte word cover the 10- and the
 * 12-byte header alike (they overlap for 10).  They are stored only when
 * not zero already: a recycled mbuf's headroom usually still holds the
 * header it carried last time, and the device's core reads that line too
 * (it prefetches the descriptor's start on transmit, compares the header
 * before writing it on receive): left unwritten, the line stays shared
 * instead of being pulled back here and then fetched again by the device.
 */
static __rte_always_inline void
virtio_tx_hdr_push(const struct virtnet_tx *txq, const struct virtio_tx_burst *b,
		   struct rte_mbuf *m, uint8_t *data)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint64_t w8;
	uint32_t w4;

	if (unlikely(b->offload)) {
		virtio_tx_hdr_fill(txq, &hdr, m);
		memcpy(data - b->hdr_size, &hdr, b->hdr_size);
		return;
	}
	memcpy(&w8, data - b->hdr_size, sizeof(w8));
	memcpy(&w4, data - sizeof(w4), sizeof(w4));
	if (unlikely((w8 | w4) != 0)) {
		w8 = 0;
		w4 = 0;
		memcpy(data - b->hdr_size, &w8, sizeof(w8));
		memcpy(data - sizeof(w4), &w4, sizeof(w4));
	}
}

/* Counters of a packet the burst sent (len bytes from data). */
static __rte_always_inline void
virtio_tx_count(struct virtnet_tx *txq, struct virtio_tx_burst *b, uint32_t len,
		const uint8_t *data)
{
	b->bytes += len;
	virtnet_stats_pkt(&txq->stats, len, data, b->dst_stats);
}

/*
 * Ring layout of a packet the push test refused: an indirect table when
 * negotiated and the segments fit, else a chain of a header descriptor and
 * one per segment.  *slots: ring descriptors it takes.
 */
static __rte_always_inline enum virtio_tx_mode
virtio_tx_mode_slow(const struct virtnet_tx *txq, const struct rte_mbuf *m, uint16_t *slots)
{
	if (txq->indirect && m->nb_segs < VIRTQUEUE_TX_INDIRECT_MAX) {
		*slots = 1;
		return VIRTIO_TX_INDIRECT;
	}
	*slots = m->nb_segs + 1;
	return VIRTIO_TX_CHAIN;
}

/* Layout step for the Tx skeleton: reclaim what the device used. */
typedef void virtio_tx_reclaim_t(struct virtqueue *vq, bool in_order);

/*
 * Slow-path admission of one Tx packet: its ring layout (*mode, *slots,
 * *data_off when pushed) and room for it, reclaiming when short.  Returns
 * 1 to enqueue it, 0 when it was dropped (more descriptors than the ring
 * has: counted, rather than stalling the queue), -1 to end the burst (no
 * room, or the queue broke).
 */
static __rte_always_inline int
virtio_tx_admit(struct virtnet_tx *txq, const struct virtio_tx_burst *b, struct rte_mbuf *m,
		enum virtio_tx_mode *mode, uint16_t *slots, uint16_t *data_off,
		virtio_tx_reclaim_t *reclaim, const bool in_order)
{
	struct virtqueue *vq = txq->vq;

	*slots = 1;
	*mode = virtio_tx_pushable(b, m, data_off) ? VIRTIO_TX_PUSH :
		virtio_tx_mode_slow(txq, m, slots);
	if (likely(*slots <= vq->free_cnt))
		return 1;
	if (unlikely(*slots > vq->limit)) {
		rte_pktmbuf_free(m);
		txq->stats.errors++;
		return 0;
	}
	reclaim(vq, in_order);
	return likely(*slots <= vq->free_cnt && vq->running) ? 1 : -1;
}

/*
 * Tx mbufs going back to their pools once the device used them.  Pushed
 * mbufs (descx 'raw': refcnt 1, direct, one segment when sent, ours since)
 * skip rte_pktmbuf_free: they are gathered per pool and put in bulk into
 * the lcore's mempool cache, looked up once per run of one pool (no
 * per-packet TLS access).  Anything else goes through rte_pktmbuf_free.
 */
#define VIRTIO_TX_FREE_BATCH	64

struct virtio_tx_free {
	struct rte_mempool *mp;
	struct rte_mempool_cache *cache;
	unsigned int n;
	void *objs[VIRTIO_TX_FREE_BATCH];
};

/* Put what is gathered, start gathering for mp (out of line, virtio_rxtx.c). */
void virtio_tx_free_switch(struct virtio_tx_free *f, struct rte_mempool *mp);

static __rte_always_inline void
virtio_tx_free_init(struct virtio_tx_free *f)
{
	f->mp = NULL;
	f->cache = NULL;
	f->n = 0;
}

static __rte_always_inline void
virtio_tx_free_add(struct virtio_tx_free *f, struct rte_mbuf *m, bool raw)
{
	if (unlikely(!raw)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(m->pool != f->mp || f->n == VIRTIO_TX_FREE_BATCH))
		virtio_tx_free_switch(f, m->pool);
	f->objs[f->n++] = m;
}

static __rte_always_inline void
virtio_tx_free_flush(struct virtio_tx_free *f)
{
	if (f->n > 0)
		rte_mempool_generic_put(f->mp, f->objs, f->n, f->cache);
	f->n = 0;
}

#endif /* VIRTIO_RXTX_H */
