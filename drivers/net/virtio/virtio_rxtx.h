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

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <ethdev_driver.h>

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
	struct virtnet_stats stats;
};

struct virtnet_tx {
	struct virtqueue *vq;
	struct virtio_tx_region *hdr_va;	/* [ring size], indexed by head descriptor */
	uint64_t hdr_addr;		/* its device address */
	uint16_t hdr_size;
	uint16_t free_thresh;		/* reclaim when fewer descriptors are free */
	uint16_t port_id;
	uint16_t queue_id;
	uint8_t offload;		/* CSUM/HOST_TSO negotiated: fill the header */
	uint8_t can_push;		/* VERSION_1 or ANY_LAYOUT: hdr may share a desc */
	uint8_t indirect;		/* VIRTIO_RING_F_INDIRECT_DESC */
	bool configured;		/* between tx_queue_setup and release */
	struct virtnet_stats stats;
};

/*
 * Bind queue 'qid' of dev to its existing virtqueue hw->vqs[VIRTIO_RXQ_VQ(qid)]
 * (created by dev_configure) and to mempool mp.  nb_desc 0 or above the ring
 * size means the ring size; a smaller value caps the buffers posted.
 * rx_free_thresh 0 means min(nb_desc / 4, 32).  Rejects deferred start, a
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

/* Counters of an Rx/Tx queue object (dev->data->rx_queues[i] / tx_queues[i]). */
struct virtnet_stats *virtio_rxq_stats(void *rxq);
struct virtnet_stats *virtio_txq_stats(void *txq);

/* ---- internal to the datapath files ---- */

/* Default reclaim/refill thresholds, as the stock driver. */
#define VIRTIO_RX_FREE_THRESH_DEFAULT	32
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

/* Set every mbuf field a received segment exposes; data at the headroom. */
static __rte_always_inline void
virtio_rx_rearm(const struct virtnet_rx *rxq, struct rte_mbuf *m, uint32_t len)
{
	*(uint64_t *)((uint8_t *)m + offsetof(struct rte_mbuf, rearm_data)) =
		rxq->mbuf_initializer;
	m->ol_flags = 0;
	m->packet_type = 0;
	m->vlan_tci = 0;
	m->pkt_len = len;
	m->data_len = (uint16_t)len;
}

/* The virtio-net header the device wrote in front of an Rx buffer's data. */
static __rte_always_inline const struct virtio_net_hdr *
virtio_rx_hdr(const struct virtnet_rx *rxq, const struct rte_mbuf *m)
{
	return (const struct virtio_net_hdr *)((const uint8_t *)m->buf_addr +
					       RTE_PKTMBUF_HEADROOM - rxq->hdr_size);
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

/*
 * Push the header into the headroom when the mbuf is ours alone and has
 * room; else an indirect table when negotiated and the segments fit; else a
 * chain of a header descriptor and one per segment.  *slots: ring descriptors.
 */
static __rte_always_inline enum virtio_tx_mode
virtio_tx_mode_of(const struct virtnet_tx *txq, struct rte_mbuf *m, uint16_t *slots)
{
	if (txq->can_push && m->nb_segs == 1 && RTE_MBUF_DIRECT(m) &&
	    rte_mbuf_refcnt_read(m) == 1 && rte_pktmbuf_headroom(m) >= txq->hdr_size &&
	    ((uintptr_t)rte_pktmbuf_mtod(m, char *) &
	     (__alignof__(struct virtio_net_hdr_mrg_rxbuf) - 1)) == 0) {
		*slots = 1;
		return VIRTIO_TX_PUSH;
	}
	if (txq->indirect && m->nb_segs < VIRTQUEUE_TX_INDIRECT_MAX) {
		*slots = 1;
		return VIRTIO_TX_INDIRECT;
	}
	*slots = m->nb_segs + 1;
	return VIRTIO_TX_CHAIN;
}

/* Count one packet of pkt_len bytes whose data starts at 'data'. */
static __rte_always_inline void
virtnet_stats_count(struct virtnet_stats *st, uint32_t len, const void *data)
{
	const uint8_t *dst = data;
	uint32_t bin;

	st->bytes += len;
	if (len == 64) {
		bin = 1;
	} else if (len > 64 && len < 1024) {
		/* 65..127 -> 2, 128..255 -> 3, ..., 512..1023 -> 5 */
		bin = 31 - __builtin_clz(len) - 4;
	} else {
		bin = len < 64 ? 0 : (len < 1519 ? 6 : 7);
	}
	st->size_bins[bin]++;
	/* Group bit of the destination MAC: multicast, all-ones: broadcast. */
	if (unlikely(dst[0] & 1)) {
		if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst))
			st->broadcast++;
		else
			st->multicast++;
	}
}

#endif /* VIRTIO_RXTX_H */
