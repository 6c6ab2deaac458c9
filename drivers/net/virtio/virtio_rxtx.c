/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev queue operations (setup, release, start, stop, burst selection) and
 * the layout-independent parts of the datapath: virtio-net header offloads
 * and tx_pkt_prepare.
 */

#ifdef RTE_ARCH_X86
#include <cpuid.h>
#endif
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_vect.h>
#include <ethdev_driver.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* dev_private starts with struct virtio_hw (see virtio.h). */
static struct virtio_hw *
virtio_rxtx_hw(const struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/* The virtqueue of an Rx/Tx queue number, or NULL if there is none (yet). */
static struct virtqueue *
virtio_rxtx_vq(const struct virtio_hw *hw, uint16_t vq_index)
{
	if (hw->vqs == NULL || vq_index >= hw->nb_vqs)
		return NULL;
	return hw->vqs[vq_index];
}

static uint16_t
virtio_rxtx_nb_desc(const struct virtqueue *vq, uint16_t nb_desc)
{
	return (nb_desc == 0 || nb_desc > vq->size) ? vq->size : nb_desc;
}

/* Threshold 0 means min(nb / 4, 32); it must leave room in the ring. */
static int
virtio_rxtx_thresh(const struct rte_eth_dev *dev, const char *what, uint16_t qid,
		   uint16_t nb, uint16_t thresh, uint16_t *out)
{
	if (thresh == 0)
		thresh = RTE_MAX(RTE_MIN(nb / 4, VIRTIO_TX_FREE_THRESH_DEFAULT), 1);
	if (thresh >= nb) {
		PMD_INIT_LOG(ERR, "%s: %s %u: free threshold %u must be below the %u descriptors",
			     dev->data->name, what, qid, thresh, nb);
		return -EINVAL;
	}
	*out = thresh;
	return 0;
}

static uint64_t
virtio_rx_mbuf_initializer(uint16_t port_id)
{
	struct rte_mbuf mb = {
		.data_off = RTE_PKTMBUF_HEADROOM,
		.nb_segs = 1,
		.port = port_id,
	};
	uint64_t v;

	rte_mbuf_refcnt_set(&mb, 1);
	memcpy(&v, &mb.rearm_data, sizeof(v));
	return v;
}

int
virtio_dev_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			  unsigned int socket_id, const struct rte_eth_rxconf *conf,
			  struct rte_mempool *mp)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtqueue *vq = virtio_rxtx_vq(hw, VIRTIO_RXQ_VQ(qid));
	uint16_t room, nb, thresh;
	struct virtnet_rx *rxq;
	int ret;

	RTE_SET_USED(socket_id);	/* the ring was placed by virtqueue_create */
	if (vq == NULL || vq->started) {
		PMD_INIT_LOG(ERR, "%s: rxq %u: %s", dev->data->name, qid,
			     vq == NULL ? "no virtqueue (configure the port first)" :
			     "queue is started");
		return vq == NULL ? -EINVAL : -EBUSY;
	}
	if (conf->rx_deferred_start) {
		PMD_INIT_LOG(ERR, "%s: rxq %u: deferred start is not supported",
			     dev->data->name, qid);
		return -EINVAL;
	}
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM) {
		PMD_INIT_LOG(ERR, "%s: rxq %u: mempool %s data room %u <= %u-byte headroom",
			     dev->data->name, qid, mp->name, room, RTE_PKTMBUF_HEADROOM);
		return -EINVAL;
	}
	room -= RTE_PKTMBUF_HEADROOM;
	if (!(hw->rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER) && hw->max_rx_pkt_len > room) {
		PMD_INIT_LOG(ERR,
			     "%s: rxq %u: pool %s buffers (%u B) < %u-byte frames, Rx scatter off",
			     dev->data->name, qid, mp->name, room, hw->max_rx_pkt_len);
		return -EINVAL;
	}
	nb = virtio_rxtx_nb_desc(vq, nb_desc);
	ret = virtio_rxtx_thresh(dev, "rxq", qid, nb, conf->rx_free_thresh != 0 ?
				 conf->rx_free_thresh : VIRTIO_RX_FREE_THRESH_DEFAULT, &thresh);
	if (ret < 0)
		return ret;

	rxq = vq->q;
	vq->limit = nb;
	vq->free_cnt = nb;
	rxq->mp = mp;
	rxq->buf_len = room;	/* + hdr_size, set at start with the negotiated size */
	rxq->free_thresh = thresh;
	rxq->alloc_failed = &dev->data->rx_mbuf_alloc_failed;
	rxq->mbuf_initializer = virtio_rx_mbuf_initializer(dev->data->port_id);
	rxq->port_id = dev->data->port_id;
	rxq->dst_stats = hw->dst_stats;
	dev->data->rx_queues[qid] = rxq;
	return 0;
}

void
virtio_dst_stats_arm(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtnet_rx *rxq;
	struct virtnet_tx *txq;
	uint16_t q;

	hw->dst_stats = true;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		rxq = dev->data->rx_queues[q];
		if (rxq != NULL)
			rxq->dst_stats = 1;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		txq = dev->data->tx_queues[q];
		if (txq != NULL)
			txq->dst_stats = 1;
	}
}

int
virtio_dev_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			  unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtqueue *vq = virtio_rxtx_vq(hw, VIRTIO_TXQ_VQ(qid));
	struct virtnet_tx *txq;
	uint16_t nb, thresh;
	int ret;

	RTE_SET_USED(socket_id);
	if (vq == NULL || vq->started) {
		PMD_INIT_LOG(ERR, "%s: txq %u: %s", dev->data->name, qid,
			     vq == NULL ? "no virtqueue (configure the port first)" :
			     "queue is started");
		return vq == NULL ? -EINVAL : -EBUSY;
	}
	if (conf->tx_deferred_start) {
		PMD_INIT_LOG(ERR, "%s: txq %u: deferred start is not supported",
			     dev->data->name, qid);
		return -EINVAL;
	}
	nb = virtio_rxtx_nb_desc(vq, nb_desc);
	ret = virtio_rxtx_thresh(dev, "txq", qid, nb, conf->tx_free_thresh, &thresh);
	if (ret < 0)
		return ret;

	txq = vq->q;
	vq->limit = nb;
	vq->free_cnt = nb;
	txq->free_thresh = thresh;
	txq->port_id = dev->data->port_id;
	txq->configured = true;
	txq->dst_stats = hw->dst_stats;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

void
virtio_dev_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtqueue *vq = virtio_rxtx_vq(virtio_rxtx_hw(dev), VIRTIO_RXQ_VQ(qid));

	if (vq != NULL && !vq->started)
		((struct virtnet_rx *)vq->q)->mp = NULL;
}

void
virtio_dev_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtqueue *vq = virtio_rxtx_vq(virtio_rxtx_hw(dev), VIRTIO_TXQ_VQ(qid));

	if (vq != NULL && !vq->started)
		((struct virtnet_tx *)vq->q)->configured = false;
}

/* Settings that follow the negotiated features, refreshed at every start. */
static void
virtio_rxq_arm(struct virtnet_rx *rxq, const struct virtio_hw *hw)
{
	uint16_t room = rte_pktmbuf_data_room_size(rxq->mp) - RTE_PKTMBUF_HEADROOM;

	rxq->hdr_size = hw->vtnet_hdr_size;
	rxq->buf_len = (uint32_t)room + hw->vtnet_hdr_size;
	rxq->offload = virtio_with_feature(hw, VIRTIO_NET_F_GUEST_CSUM) ||
		       virtio_with_feature(hw, VIRTIO_NET_F_GUEST_TSO4) ||
		       virtio_with_feature(hw, VIRTIO_NET_F_GUEST_TSO6);
	rxq->vlan_strip = !!(hw->rx_offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	rxq->finish_slow = rxq->vlan_strip || rxq->offload;
}

/* rearm_data with the given refcnt and nb_segs, every other field 0. */
static uint64_t
virtio_rearm_word(uint16_t refcnt, uint16_t nb_segs)
{
	struct rte_mbuf mb = { .nb_segs = nb_segs };
	uint64_t v;

	rte_mbuf_refcnt_set(&mb, refcnt);
	memcpy(&v, &mb.rearm_data, sizeof(v));
	return v;
}

/*
 * PREFETCHW is not in the baseline ISA the driver is built for (corei7):
 * AMD has it throughout, Intel from Broadwell on (CPUID 0x80000001, ECX
 * bit 8).
 */
static bool
virtio_cpu_prefetchw(void)
{
#ifdef RTE_ARCH_X86
	unsigned int eax, ebx, ecx, edx;

	return __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && (ecx & bit_PRFCHW) != 0;
#else
	return true;
#endif
}

static void
virtio_txq_arm(struct virtnet_tx *txq, const struct virtio_hw *hw)
{
	txq->prefetch_w = virtio_cpu_prefetchw();
	txq->hdr_size = hw->vtnet_hdr_size;
	txq->offload = virtio_with_feature(hw, VIRTIO_NET_F_CSUM) ||
		       virtio_with_feature(hw, VIRTIO_NET_F_HOST_TSO4) ||
		       virtio_with_feature(hw, VIRTIO_NET_F_HOST_TSO6);
	txq->can_push = virtio_with_feature(hw, VIRTIO_F_VERSION_1) ||
			virtio_with_feature(hw, VIRTIO_F_ANY_LAYOUT);
	txq->push_mask = virtio_rearm_word(UINT16_MAX, UINT16_MAX);
	txq->push_want = virtio_rearm_word(1, txq->can_push ? 1 : 0);
	/* A table may not be longer than the queue (2.7.5.3.1; vhost checks). */
	txq->indirect = virtio_with_feature(hw, VIRTIO_RING_F_INDIRECT_DESC) &&
			txq->vq->size > VIRTQUEUE_TX_INDIRECT_MAX;
}

static int
virtio_rxq_start(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtqueue *vq = virtio_rxtx_vq(hw, VIRTIO_RXQ_VQ(qid));
	struct virtnet_rx *rxq = vq != NULL ? vq->q : NULL;
	uint16_t want;
	int ret;

	if (rxq == NULL || rxq->mp == NULL) {
		PMD_INIT_LOG(ERR, "%s: rxq %u was not set up", dev->data->name, qid);
		return -EINVAL;
	}
	virtio_rxq_arm(rxq, hw);
	vq->in_order = virtio_with_feature(hw, VIRTIO_F_IN_ORDER);
	vq->weak_barriers = hw->weak_barriers;
	vq->started = true;
	want = vq->free_cnt;
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		ret = virtio_split_rx_refill(rxq);
		break;
	case VIRTQUEUE_LAYOUT_PACKED:
		ret = virtio_packed_rx_refill(rxq);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret < 0) {
		PMD_INIT_LOG(ERR, "%s: rxq %u: mempool %s supplied %u of %u mbufs (%u left in it)",
			     dev->data->name, qid, rxq->mp->name, want - vq->free_cnt, want,
			     rte_mempool_avail_count(rxq->mp));
		return -ENOMEM;
	}
	vq->running = 1;
	/* The device may already wait on this queue: one unconditional kick. */
	virtqueue_notify(vq);
	return 0;
}

static int
virtio_txq_start(struct rte_eth_dev *dev, uint16_t qid)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtqueue *vq = virtio_rxtx_vq(hw, VIRTIO_TXQ_VQ(qid));
	struct virtnet_tx *txq = vq != NULL ? vq->q : NULL;

	if (txq == NULL || !txq->configured) {
		PMD_INIT_LOG(ERR, "%s: txq %u was not set up", dev->data->name, qid);
		return -EINVAL;
	}
	virtio_txq_arm(txq, hw);
	vq->in_order = virtio_with_feature(hw, VIRTIO_F_IN_ORDER);
	vq->weak_barriers = hw->weak_barriers;
	vq->started = true;
	vq->running = 1;
	return 0;
}

int
virtio_dev_rxtx_start(struct rte_eth_dev *dev)
{
	uint16_t i;
	int ret = 0;

	for (i = 0; i < dev->data->nb_rx_queues && ret == 0; i++)
		ret = virtio_rxq_start(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues && ret == 0; i++)
		ret = virtio_txq_start(dev, i);
	if (ret < 0) {
		virtio_dev_rxtx_stop(dev);
		return ret;
	}
	virtio_dev_set_rxtx_funcs(dev);
	return 0;
}

void
virtio_dev_rxtx_stop(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	struct virtqueue *vq;
	uint16_t i;

	for (i = 0; hw->vqs != NULL && i < hw->nb_vqs; i++) {
		vq = hw->vqs[i];
		if (vq == NULL || vq->type == VIRTQUEUE_TYPE_CTRL)
			continue;
		virtqueue_reset(vq);
	}
}

/* Bursts by [packed][in order]; Rx also by [mergeable]. */
static const eth_rx_burst_t virtio_rx_bursts[2][2][2] = {
	[0][0][0] = virtio_split_recv,
	[0][1][0] = virtio_split_recv_inorder,
	[0][0][1] = virtio_split_recv_mrg,
	[0][1][1] = virtio_split_recv_mrg_inorder,
	[1][0][0] = virtio_packed_recv,
	[1][1][0] = virtio_packed_recv_inorder,
	[1][0][1] = virtio_packed_recv_mrg,
	[1][1][1] = virtio_packed_recv_mrg_inorder,
};

/* Split single-buffer Rx, vectorized, by [in order]. */
static const eth_rx_burst_t virtio_rx_bursts_vec[2] = {
	[0] = virtio_split_recv_vec,
	[1] = virtio_split_recv_vec_inorder,
};

static const eth_tx_burst_t virtio_tx_bursts[2][2] = {
	[0][0] = virtio_split_xmit,
	[0][1] = virtio_split_xmit_inorder,
	[1][0] = virtio_packed_xmit,
	[1][1] = virtio_packed_xmit_inorder,
};

/*
 * Why the vector Rx cannot serve dev, or NULL when it can (vectorized=1
 * asks for it; the scalar bursts serve what it does not cover).
 */
static const char *
virtio_rx_vec_unusable(const struct rte_eth_dev *dev, bool packed, bool mrg)
{
	const struct virtnet_rx *rxq;
	uint16_t q;

	if (!virtio_rx_vec_built())
		return "not built for this CPU (needs x86 SSE4.1)";
	if (rte_vect_get_max_simd_bitwidth() < RTE_VECT_SIMD_128)
		return "EAL's max SIMD bitwidth is below 128";
	if (packed)
		return "packed ring (the vector Rx is split-ring only)";
	if (mrg)
		return "mergeable Rx buffers negotiated (mrg_rxbuf=0 allows it)";
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		rxq = dev->data->rx_queues[q];
		if (rxq != NULL && rxq->finish_slow)
			return "Rx offloads configured (VLAN strip, checksum, LRO)";
	}
	return NULL;
}

void
virtio_dev_set_rxtx_funcs(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_rxtx_hw(dev);
	bool mrg = virtio_with_feature(hw, VIRTIO_NET_F_MRG_RXBUF);
	bool in_order = virtio_with_feature(hw, VIRTIO_F_IN_ORDER);
	bool packed = virtio_with_packed_queue(hw);

	const char *novec = hw->use_vec_rx ? virtio_rx_vec_unusable(dev, packed, mrg) : NULL;
	bool vec = hw->use_vec_rx && novec == NULL;

	dev->rx_pkt_burst = vec ? virtio_rx_bursts_vec[in_order] :
				  virtio_rx_bursts[packed][in_order][mrg];
	dev->tx_pkt_burst = virtio_tx_bursts[packed][in_order];
	dev->tx_pkt_prepare = virtio_xmit_prepare;
	if (novec != NULL)
		PMD_DRV_LOG(INFO, "%s: vectorized Rx not used: %s", dev->data->name, novec);
	PMD_DRV_LOG(INFO, "%s: %s ring, Rx %s%s%s, Tx%s", dev->data->name,
		    packed ? "packed" : "split", mrg ? "mergeable" : "single-buffer",
		    in_order ? " in order" : "", vec ? " vectorized" : "",
		    in_order ? " in order" : "");
}

struct virtnet_stats *
virtio_rxq_stats(void *rxq)
{
	return rxq == NULL ? NULL : &((struct virtnet_rx *)rxq)->stats;
}

struct virtnet_stats *
virtio_txq_stats(void *txq)
{
	return txq == NULL ? NULL : &((struct virtnet_tx *)txq)->stats;
}

void
virtio_tx_free_switch(struct virtio_tx_free *f, struct rte_mempool *mp)
{
	virtio_tx_free_flush(f);
	if (f->mp != mp) {
		f->mp = mp;
		f->cache = rte_mempool_default_cache(mp, rte_lcore_id());
	}
}

/* ---- offloads ---- */

int
virtio_rx_finish_slow(const struct virtnet_rx *rxq, struct rte_mbuf *m)
{
	if (rxq->vlan_strip)
		rte_vlan_strip(m);
	if (rxq->offload)
		return virtio_rx_offload_apply(m, virtio_rx_hdr(rxq, m));
	return 0;
}

/*
 * NEEDS_CSUM on a packet whose L4 header we cannot recognise: finish the
 * checksum in software.  csum_start/csum_offset are device data: bounded.
 */
static int
virtio_rx_csum_finish(struct rte_mbuf *m, uint16_t start, uint16_t offset)
{
	uint32_t pos = (uint32_t)start + offset;
	uint16_t csum = 0;

	if (start >= m->pkt_len ||
	    rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &csum) < 0)
		return -EINVAL;
	if (likely(csum != 0xffff))
		csum = ~csum;
	if (pos + sizeof(csum) <= m->data_len)
		*rte_pktmbuf_mtod_offset(m, unaligned_uint16_t *, pos) = csum;
	return 0;
}

int
virtio_rx_offload_apply(struct rte_mbuf *m, const struct virtio_net_hdr *hdr_shared)
{
	struct virtio_net_hdr hdr = *(const volatile struct virtio_net_hdr *)hdr_shared;
	struct rte_net_hdr_lens lens;
	uint32_t ptype, l4;
	bool l4_known;

	if (hdr.flags == 0 && hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	ptype = rte_net_get_ptype(m, &lens, RTE_PTYPE_ALL_MASK);
	m->packet_type = ptype;
	l4 = ptype & RTE_PTYPE_L4_MASK;
	l4_known = l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP || l4 == RTE_PTYPE_L4_SCTP;

	if (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (l4_known && hdr.csum_start <= lens.l2_len + lens.l3_len + lens.l4_len)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		else if (virtio_rx_csum_finish(m, hdr.csum_start, hdr.csum_offset) < 0)
			return -EINVAL;
	} else if ((hdr.flags & VIRTIO_NET_HDR_F_DATA_VALID) && l4_known) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}

	if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		if (hdr.gso_size == 0 ||
		    (hdr.gso_type != VIRTIO_NET_HDR_GSO_TCPV4 &&
		     hdr.gso_type != VIRTIO_NET_HDR_GSO_TCPV6))
			return -EINVAL;
		m->tso_segsz = hdr.gso_size;
		m->ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	}
	return 0;
}

void
virtio_tx_offload_fill(struct virtio_net_hdr *hdr, const struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	uint16_t outer = (ol & RTE_MBUF_F_TX_TUNNEL_MASK) ? m->outer_l2_len + m->outer_l3_len : 0;
	uint16_t l4_off = outer + m->l2_len + m->l3_len;

	if (ol & RTE_MBUF_F_TX_TCP_SEG)
		l4 = RTE_MBUF_F_TX_TCP_CKSUM;
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->csum_start = l4_off;
	switch (l4) {
	case RTE_MBUF_F_TX_UDP_CKSUM:
		hdr->csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
		break;
	case RTE_MBUF_F_TX_TCP_CKSUM:
		hdr->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
		break;
	default:
		hdr->flags = 0;
		hdr->csum_start = 0;
		hdr->csum_offset = 0;
		break;
	}
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		hdr->gso_type = (ol & RTE_MBUF_F_TX_IPV6) ? VIRTIO_NET_HDR_GSO_TCPV6 :
							   VIRTIO_NET_HDR_GSO_TCPV4;
		hdr->gso_size = m->tso_segsz;
		hdr->hdr_len = l4_off + m->l4_len;
	} else {
		hdr->gso_type = VIRTIO_NET_HDR_GSO_NONE;
		hdr->gso_size = 0;
		hdr->hdr_len = 0;
	}
}

/*
 * TSO: the device expects the TCP checksum field to hold the pseudo-header
 * sum including the L4 length (as Linux leaves it for a GSO packet), while
 * rte_net_intel_cksum_prepare leaves it without the length.  Add it, and
 * refresh the IPv4 header checksum for the device's later edits.
 */
static void
virtio_tso_phdr_fix(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip4;
	struct rte_tcp_hdr *tcp;
	uint32_t paylen, sum;

	if (rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + m->l4_len)
		return;
	ip4 = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	tcp = RTE_PTR_ADD(ip4, m->l3_len);
	if ((ip4->version_ihl >> 4) == 4) {
		ip4->hdr_checksum = 0;
		ip4->hdr_checksum = rte_ipv4_cksum(ip4);
	}
	paylen = rte_cpu_to_be_32(rte_pktmbuf_pkt_len(m) - m->l2_len - m->l3_len);
	sum = (uint32_t)tcp->cksum + (paylen & 0xffff) + (paylen >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	tcp->cksum = (uint16_t)sum;
}

uint16_t
virtio_xmit_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *m;
	uint16_t i;
	int ret;

	RTE_SET_USED(txq);
	for (i = 0; i < n; i++) {
		m = pkts[i];
#ifdef RTE_LIBRTE_ETHDEV_DEBUG
		ret = rte_validate_tx_offload(m);
		if (unlikely(ret != 0)) {
			rte_errno = -ret;
			break;
		}
#endif
		if (unlikely(m->ol_flags & RTE_MBUF_F_TX_VLAN)) {
			ret = rte_vlan_insert(&pkts[i]);	/* may replace the mbuf */
			m = pkts[i];
			if (unlikely(ret != 0)) {
				rte_errno = -ret;
				break;
			}
		}
		ret = rte_net_intel_cksum_prepare(m);
		if (unlikely(ret != 0)) {
			rte_errno = -ret;
			break;
		}
		if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
			virtio_tso_phdr_fix(m);
	}
	return i;
}
