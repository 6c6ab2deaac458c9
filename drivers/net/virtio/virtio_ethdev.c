/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio-net ethdev: port lifecycle, feature negotiation, device info,
 * link, statistics.  Transport-neutral: the device is reached through
 * hw->ops only; the rings and bursts live in virtqueue.c / virtio_rxtx*.c.
 *
 * Lifecycle: configure chooses the features from the device's offer and the
 * requested offloads and lays out the virtqueues; every start runs the whole
 * status sequence from reset (ACK, DRIVER, FEATURES_OK, queues, DRIVER_OK),
 * and every stop resets the device and reclaims every mbuf.  So a restart, a
 * reconfiguration and (later) a reconnect all replay the same ordered init.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "virtio_cvq.h"
#include "virtio_ethdev.h"
#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

/* Features the driver asks for whatever the application does. */
#define VIRTIO_DRIVER_BASE_FEATURES ( \
	VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | \
	VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_MTU) | \
	VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_VERSION_1) | \
	VIRTIO_BIT(VIRTIO_F_IN_ORDER) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) | \
	VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM) | VIRTIO_BIT(VIRTIO_F_IOMMU_PLATFORM) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
	VIRTIO_BIT(VIRTIO_NET_F_MQ))

#define VIRTIO_RX_CKSUM_OFFLOADS \
	(RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define VIRTIO_TX_CKSUM_OFFLOADS \
	(RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)

struct virtio_xstat_name {
	const char *name;
	size_t offset;
};

/* The stock driver's per-queue xstats names, prefixed "rx_q<n>_"/"tx_q<n>_". */
static const struct virtio_xstat_name virtio_xstats_q[] = {
	{ "good_packets", offsetof(struct virtnet_stats, packets) },
	{ "good_bytes", offsetof(struct virtnet_stats, bytes) },
	{ "errors", offsetof(struct virtnet_stats, errors) },
	{ "multicast_packets", offsetof(struct virtnet_stats, multicast) },
	{ "broadcast_packets", offsetof(struct virtnet_stats, broadcast) },
	{ "undersize_packets", offsetof(struct virtnet_stats, size_bins[0]) },
	{ "size_64_packets", offsetof(struct virtnet_stats, size_bins[1]) },
	{ "size_65_127_packets", offsetof(struct virtnet_stats, size_bins[2]) },
	{ "size_128_255_packets", offsetof(struct virtnet_stats, size_bins[3]) },
	{ "size_256_511_packets", offsetof(struct virtnet_stats, size_bins[4]) },
	{ "size_512_1023_packets", offsetof(struct virtnet_stats, size_bins[5]) },
	{ "size_1024_1518_packets", offsetof(struct virtnet_stats, size_bins[6]) },
	{ "size_1519_max_packets", offsetof(struct virtnet_stats, size_bins[7]) },
};
#define VIRTIO_NB_XSTATS_Q RTE_DIM(virtio_xstats_q)

static inline struct virtio_hw *
virtio_hw_get(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

static uint16_t
virtio_nb_pairs(const struct rte_eth_dev *dev)
{
	return RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
}

static uint16_t
virtio_hdr_size(uint64_t features)
{
	/* virtio 1.x and mergeable buffers carry num_buffers: 12 bytes. */
	if (features & (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)))
		return 12;
	return 10;
}

static uint16_t
virtio_max_mtu(struct virtio_hw *hw)
{
	uint16_t mtu = 0;

	if (virtio_with_feature(hw, VIRTIO_NET_F_MTU))
		hw->ops->read_dev_cfg(hw, VIRTIO_NET_CFG_MTU, &mtu, sizeof(mtu));
	if (mtu == 0)
		mtu = VIRTIO_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN -
		      virtio_hdr_size(hw->guest_features);
	return mtu;
}

/* The features to negotiate for the offloads the application asked for. */
static uint64_t
virtio_features_for(const struct virtio_hw *hw, uint64_t offered,
		    uint64_t rx_offloads, uint64_t tx_offloads)
{
	uint64_t want = VIRTIO_DRIVER_BASE_FEATURES;

	RTE_SET_USED(hw);
	if (rx_offloads & VIRTIO_RX_CKSUM_OFFLOADS)
		want |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
	if (rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		want |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6);
	if (tx_offloads & (VIRTIO_TX_CKSUM_OFFLOADS | RTE_ETH_TX_OFFLOAD_TCP_TSO))
		want |= VIRTIO_BIT(VIRTIO_NET_F_CSUM);
	if (tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		want |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6);
	return offered & want;
}

static void
virtio_queues_destroy(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queues[i] = NULL;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queues[i] = NULL;
	for (i = 0; i < hw->nb_vqs; i++) {
		virtqueue_destroy(hw->vqs[i]);
		hw->vqs[i] = NULL;
	}
}

static int
virtio_queue_create(struct rte_eth_dev *dev, uint16_t index)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	uint16_t size = hw->ops->get_queue_size(hw, index);
	int ret;

	ret = virtqueue_create(hw, index, size, dev->device->numa_node, &hw->vqs[index]);
	if (ret < 0)
		PMD_INIT_LOG(ERR, "%s: cannot create virtqueue %u (%u entries): %s",
			     dev->data->name, index, size, strerror(-ret));
	return ret;
}

/* Lay out one virtqueue per Rx and Tx queue (in pairs) for 'features'. */
static int
virtio_queues_create(struct rte_eth_dev *dev, uint16_t nb_pairs)
{
	uint16_t i;
	int ret;

	for (i = 0; i < nb_pairs; i++) {
		ret = virtio_queue_create(dev, VIRTIO_RXQ_VQ(i));
		if (ret == 0)
			ret = virtio_queue_create(dev, VIRTIO_TXQ_VQ(i));
		if (ret < 0) {
			virtio_queues_destroy(dev);
			return ret;
		}
	}
	/* The control queue follows the last pair the device offers. */
	if (virtio_with_feature(virtio_hw_get(dev), VIRTIO_NET_F_CTRL_VQ)) {
		ret = virtio_queue_create(dev, 2 * virtio_hw_get(dev)->max_queue_pairs);
		if (ret < 0) {
			virtio_queues_destroy(dev);
			return ret;
		}
	}
	return 0;
}

static int
virtio_dev_configure(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint16_t nb_pairs = virtio_nb_pairs(dev);
	uint64_t features;

	if (nb_pairs > hw->max_queue_pairs) {
		PMD_INIT_LOG(ERR, "%s: %u queue pairs asked, the device serves at most %u",
			     dev->data->name, nb_pairs, hw->max_queue_pairs);
		return -EINVAL;
	}
	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		PMD_INIT_LOG(ERR, "%s: Rx multi-queue mode %d is not supported",
			     dev->data->name, conf->rxmode.mq_mode);
		return -ENOTSUP;
	}
	if (conf->txmode.mq_mode != RTE_ETH_MQ_TX_NONE) {
		PMD_INIT_LOG(ERR, "%s: Tx multi-queue mode %d is not supported",
			     dev->data->name, conf->txmode.mq_mode);
		return -ENOTSUP;
	}
	features = virtio_features_for(hw, hw->ops->get_features(hw),
				       conf->rxmode.offloads, conf->txmode.offloads);
	/* Rings follow the features: lay them out again when those change. */
	if (features != hw->guest_features || hw->vqs[VIRTIO_RXQ_VQ(nb_pairs - 1)] == NULL ||
	    (nb_pairs < hw->max_queue_pairs && hw->vqs[VIRTIO_RXQ_VQ(nb_pairs)] != NULL)) {
		virtio_queues_destroy(dev);
		hw->guest_features = features;
		hw->vtnet_hdr_size = virtio_hdr_size(features);
		hw->weak_barriers = !virtio_with_feature(hw, VIRTIO_F_ORDER_PLATFORM);
		if (virtio_queues_create(dev, nb_pairs) < 0)
			return -ENOMEM;
	}
	hw->rx_offloads = conf->rxmode.offloads;
	hw->tx_offloads = conf->txmode.offloads;
	hw->max_rx_pkt_len = dev->data->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	hw->max_mtu = virtio_max_mtu(hw);
	PMD_INIT_LOG(DEBUG, "%s: configured %u pair(s), features 0x%" PRIx64,
		     dev->data->name, nb_pairs, features);
	return 0;
}

/* Status sequence from reset to FEATURES_OK (virtio 1.2, 3.1.1). */
static int
virtio_negotiate(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	int ret;

	ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_RESET);
	if (ret == 0)
		ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_ACK);
	if (ret == 0)
		ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_ACK |
					  VIRTIO_CONFIG_STATUS_DRIVER);
	if (ret == 0)
		ret = hw->ops->set_features(hw, hw->guest_features);
	if (ret == 0)
		ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_ACK |
					  VIRTIO_CONFIG_STATUS_DRIVER |
					  VIRTIO_CONFIG_STATUS_FEATURES_OK);
	if (ret == 0 && !(hw->ops->get_status(hw) & VIRTIO_CONFIG_STATUS_FEATURES_OK)) {
		PMD_INIT_LOG(ERR, "%s: device refused features 0x%" PRIx64,
			     dev->data->name, hw->guest_features);
		ret = -EIO;
	}
	return ret;
}

static void
virtio_queues_hand_over(struct rte_eth_dev *dev, bool attach)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	struct virtio_vq_layout layout;
	uint16_t i;

	for (i = 0; i < hw->nb_vqs; i++) {
		if (hw->vqs[i] == NULL)
			continue;
		if (attach) {
			virtqueue_get_layout(hw->vqs[i], &layout);
			hw->ops->setup_queue(hw, &layout);
		} else {
			hw->ops->del_queue(hw, i);
		}
	}
}

static int virtio_dev_link_update(struct rte_eth_dev *dev, int wait_to_complete);

static int
virtio_dev_start(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	uint16_t i;
	int ret;

	ret = virtio_negotiate(dev);
	if (ret < 0)
		goto err;
	virtio_cvq_reset(hw);
	virtio_queues_hand_over(dev, true);
	ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_ACK | VIRTIO_CONFIG_STATUS_DRIVER |
				  VIRTIO_CONFIG_STATUS_FEATURES_OK |
				  VIRTIO_CONFIG_STATUS_DRIVER_OK);
	if (ret < 0)
		goto err_queues;
	ret = virtio_dev_rxtx_start(dev);
	if (ret < 0)
		goto err_reset;
	/* Queue pairs and VLAN filters, after DRIVER_OK as a virtio driver does. */
	ret = virtio_cvq_start(dev);
	if (ret < 0)
		goto err_reset;
	virtio_dev_set_rxtx_funcs(dev);
	hw->started = true;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	/*
	 * With intr_conf.lsc, rte_eth_link_get() returns the stored status,
	 * which LSC interrupts maintain from here on: store the first one.
	 */
	(void)virtio_dev_link_update(dev, 0);
	return 0;
err_reset:
	(void)hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_RESET);
	virtio_dev_rxtx_stop(dev);
err_queues:
	virtio_queues_hand_over(dev, false);
err:
	PMD_INIT_LOG(ERR, "%s: start failed: %s", dev->data->name, strerror(-ret));
	return ret;
}

static int
virtio_dev_stop(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	struct rte_eth_link link = { .link_status = RTE_ETH_LINK_DOWN };
	uint16_t i;
	int ret;

	if (!hw->started)
		return 0;
	hw->started = false;
	/* The device stops touching the rings before their mbufs are reclaimed. */
	ret = hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_RESET);
	virtio_dev_rxtx_stop(dev);
	virtio_queues_hand_over(dev, false);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	rte_eth_linkstatus_set(dev, &link);
	if (ret < 0)
		PMD_DRV_LOG(WARNING, "%s: the backend did not stop cleanly: %s",
			    dev->data->name, strerror(-ret));
	return 0;
}

static int
virtio_dev_close(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	virtio_dev_stop(dev);
	virtio_queues_destroy(dev);
	rte_free(hw->vqs);
	hw->vqs = NULL;
	hw->nb_vqs = 0;
	hw->ops->dev_close(hw);
	return 0;
}

static int
virtio_dev_reset(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = virtio_hw_get(dev);

	virtio_dev_stop(dev);
	virtio_queues_destroy(dev);
	hw->guest_features = 0;
	return hw->ops->set_status(hw, VIRTIO_CONFIG_STATUS_RESET);
}

static int
virtio_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	uint64_t offered = hw->ops->get_features(hw);
	uint16_t ring = hw->ops->get_queue_size(hw, 0);

	info->max_rx_queues = hw->max_queue_pairs;
	info->max_tx_queues = hw->max_queue_pairs;
	info->min_rx_bufsize = VIRTIO_MIN_RX_BUFSIZE;
	info->max_rx_pktlen = VIRTIO_MAX_RX_PKTLEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = virtio_max_mtu(hw);
	info->max_mac_addrs = VIRTIO_CVQ_MAX_MAC_ADDRS;
	info->rx_desc_lim.nb_max = ring;
	info->rx_desc_lim.nb_min = 1;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = ring;
	info->default_txportconf.ring_size = ring;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	info->rx_offload_capa = 0;
	if (offered & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN))
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
	if (offered & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF))
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (offered & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM))
		info->rx_offload_capa |= VIRTIO_RX_CKSUM_OFFLOADS;
	if (offered & (VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6)))
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (offered & VIRTIO_BIT(VIRTIO_NET_F_CSUM))
		info->tx_offload_capa |= VIRTIO_TX_CKSUM_OFFLOADS;
	if (offered & (VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6)))
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	return 0;
}

static int
virtio_dev_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	struct rte_eth_link link = {
		.link_speed = hw->speed,
		.link_duplex = hw->duplex,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_DOWN,
	};
	uint16_t status = 0;

	RTE_SET_USED(wait_to_complete);
	if (hw->started) {
		hw->ops->read_dev_cfg(hw, VIRTIO_NET_CFG_STATUS, &status, sizeof(status));
		if (status & VIRTIO_NET_S_LINK_UP)
			link.link_status = RTE_ETH_LINK_UP;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static int
virtio_dev_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
{
	const struct virtnet_stats *s;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		if (dev->data->rx_queues[i] == NULL)
			continue;
		s = virtio_rxq_stats(dev->data->rx_queues[i]);
		stats->ipackets += s->packets;
		stats->ibytes += s->bytes;
		stats->ierrors += s->errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_ipackets[i] = s->packets;
			stats->q_ibytes[i] = s->bytes;
			stats->q_errors[i] = s->errors;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		if (dev->data->tx_queues[i] == NULL)
			continue;
		s = virtio_txq_stats(dev->data->tx_queues[i]);
		stats->opackets += s->packets;
		stats->obytes += s->bytes;
		stats->oerrors += s->errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_opackets[i] = s->packets;
			stats->q_obytes[i] = s->bytes;
		}
	}
	stats->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

static int
virtio_dev_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] != NULL)
			memset(virtio_rxq_stats(dev->data->rx_queues[i]), 0,
			       sizeof(struct virtnet_stats));
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] != NULL)
			memset(virtio_txq_stats(dev->data->tx_queues[i]), 0,
			       sizeof(struct virtnet_stats));
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

/*
 * The device's own xstats (e.g. the control queue's record), through the
 * transport.  None in a secondary process: hw->ops are the primary's
 * function addresses there (see the secondary section below).
 */
static unsigned int
virtio_dev_xstats_names(struct virtio_hw *hw, struct rte_eth_xstat_name *names)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	return hw->ops->dev_xstats_names(hw, names);
}

static unsigned int
virtio_dev_xstats_values(struct virtio_hw *hw, struct rte_eth_xstat *xstats, unsigned int first)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	return hw->ops->dev_xstats_get(hw, xstats, first);
}

/* Per-queue entries, then the device's own. */
static unsigned int
virtio_xstats_count(const struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = dev->data->dev_private;

	return (dev->data->nb_rx_queues + dev->data->nb_tx_queues) * VIRTIO_NB_XSTATS_Q +
	       virtio_dev_xstats_names(hw, NULL);
}

static int
virtio_dev_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			    unsigned int limit)
{
	unsigned int n = virtio_xstats_count(dev), k = 0, j;
	uint16_t q;

	virtio_dst_stats_arm(dev);
	if (names == NULL || limit < n)
		return n;
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		for (j = 0; j < VIRTIO_NB_XSTATS_Q; j++)
			snprintf(names[k++].name, sizeof(names[0].name), "rx_q%u_%s", q,
				 virtio_xstats_q[j].name);
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		for (j = 0; j < VIRTIO_NB_XSTATS_Q; j++)
			snprintf(names[k++].name, sizeof(names[0].name), "tx_q%u_%s", q,
				 virtio_xstats_q[j].name);
	virtio_dev_xstats_names(virtio_hw_get(dev), &names[k]);
	return n;
}

static unsigned int
virtio_xstats_fill(const struct virtnet_stats *s, struct rte_eth_xstat *xstats,
		   unsigned int k)
{
	unsigned int j;

	for (j = 0; j < VIRTIO_NB_XSTATS_Q; j++, k++) {
		xstats[k].id = k;
		xstats[k].value = s == NULL ? 0 :
			*(const uint64_t *)((const char *)s + virtio_xstats_q[j].offset);
	}
	return k;
}

static int
virtio_dev_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n)
{
	unsigned int count = virtio_xstats_count(dev), k = 0;
	uint16_t q;
	void *qp;

	virtio_dst_stats_arm(dev);
	if (xstats == NULL || n < count)
		return count;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		qp = dev->data->rx_queues[q];
		k = virtio_xstats_fill(qp ? virtio_rxq_stats(qp) : NULL, xstats, k);
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		qp = dev->data->tx_queues[q];
		k = virtio_xstats_fill(qp ? virtio_txq_stats(qp) : NULL, xstats, k);
	}
	virtio_dev_xstats_values(virtio_hw_get(dev), &xstats[k], k);
	return count;
}

static int
virtio_dev_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct virtio_hw *hw = virtio_hw_get(dev);
	uint16_t max = virtio_max_mtu(hw);

	if (mtu < RTE_ETHER_MIN_MTU || mtu > max) {
		PMD_DRV_LOG(ERR, "%s: MTU %u out of range: %u to %u accepted",
			    dev->data->name, mtu, RTE_ETHER_MIN_MTU, max);
		return -EINVAL;
	}
	hw->max_rx_pkt_len = mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	return 0;
}

static const struct eth_dev_ops virtio_eth_dev_ops = {
	.dev_configure = virtio_dev_configure,
	.dev_start = virtio_dev_start,
	.dev_stop = virtio_dev_stop,
	.dev_close = virtio_dev_close,
	.dev_reset = virtio_dev_reset,
	.dev_infos_get = virtio_dev_infos_get,
	.link_update = virtio_dev_link_update,
	.stats_get = virtio_dev_stats_get,
	.stats_reset = virtio_dev_stats_reset,
	.xstats_get = virtio_dev_xstats_get,
	.xstats_get_names = virtio_dev_xstats_get_names,
	.xstats_reset = virtio_dev_stats_reset,
	.mac_addr_set = virtio_cvq_mac_addr_set,
	.mac_addr_add = virtio_cvq_mac_addr_add,
	.mac_addr_remove = virtio_cvq_mac_addr_remove,
	.promiscuous_enable = virtio_cvq_promiscuous_enable,
	.promiscuous_disable = virtio_cvq_promiscuous_disable,
	.allmulticast_enable = virtio_cvq_allmulticast_enable,
	.allmulticast_disable = virtio_cvq_allmulticast_disable,
	.vlan_filter_set = virtio_cvq_vlan_filter_set,
	.vlan_offload_set = virtio_cvq_vlan_offload_set,
	.mtu_set = virtio_dev_mtu_set,
	.rx_queue_setup = virtio_dev_rx_queue_setup,
	.rx_queue_release = virtio_dev_rx_queue_release,
	.tx_queue_setup = virtio_dev_tx_queue_setup,
	.tx_queue_release = virtio_dev_tx_queue_release,
};

int
virtio_ethdev_init(struct rte_eth_dev *eth_dev)
{
	struct virtio_hw *hw = virtio_hw_get(eth_dev);
	struct rte_eth_dev_data *data = eth_dev->data;

	hw->port_id = data->port_id;
	hw->nb_vqs = 2 * hw->max_queue_pairs + 1;
	hw->vqs = rte_zmalloc_socket("virtio_vqs", hw->nb_vqs * sizeof(hw->vqs[0]),
				     RTE_CACHE_LINE_SIZE, eth_dev->device->numa_node);
	data->mac_addrs = rte_zmalloc("virtio_mac", RTE_ETHER_ADDR_LEN * VIRTIO_CVQ_MAX_MAC_ADDRS,
				      0);
	if (hw->vqs == NULL || data->mac_addrs == NULL) {
		PMD_INIT_LOG(ERR, "%s: out of memory", data->name);
		rte_free(hw->vqs);
		hw->vqs = NULL;
		return -ENOMEM;
	}
	if (hw->ops->get_features(hw) & VIRTIO_BIT(VIRTIO_NET_F_MAC))
		hw->ops->read_dev_cfg(hw, VIRTIO_NET_CFG_MAC, &hw->mac_addr, RTE_ETHER_ADDR_LEN);
	else
		rte_eth_random_addr(hw->mac_addr.addr_bytes);
	rte_ether_addr_copy(&hw->mac_addr, data->mac_addrs);
	rte_spinlock_init(&hw->state_lock);
	eth_dev->dev_ops = &virtio_eth_dev_ops;
	return 0;
}

/*
 * ---- secondary processes ----
 *
 * A secondary process shares the port's data and dev_private (hw, queues,
 * counters) but not the primary's function addresses nor its fds: hw->ops
 * point into the primary's copy of this driver, and a kick is a write to an
 * eventfd that only the primary holds.  So a secondary gets the read-only
 * ops below, and its bursts return 0 with rte_errno ENOTSUP: running a queue
 * there would need per-process transport ops and the kick/call eventfds
 * passed over rte_mp, and would race the primary's bursts on the same queue.
 */

static int
virtio_dev_infos_get_secondary(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	const struct virtio_hw *hw = virtio_hw_get(dev);

	info->max_rx_queues = hw->max_queue_pairs;
	info->max_tx_queues = hw->max_queue_pairs;
	info->min_rx_bufsize = VIRTIO_MIN_RX_BUFSIZE;
	info->max_rx_pktlen = VIRTIO_MAX_RX_PKTLEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = hw->max_mtu;
	info->max_mac_addrs = 1;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	/* The offloads in use: the device's offer is only known to the primary. */
	info->rx_offload_capa = hw->rx_offloads;
	info->tx_offload_capa = hw->tx_offloads;
	return 0;
}

/* The primary keeps data->dev_link current; ethdev reads it after this. */
static int
virtio_dev_link_update_secondary(struct rte_eth_dev *dev, int wait_to_complete)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(wait_to_complete);
	return 0;
}

static uint16_t
virtio_burst_secondary(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	rte_errno = ENOTSUP;
	return 0;
}

static const struct eth_dev_ops virtio_eth_dev_ops_secondary = {
	.dev_close = virtio_dev_close,
	.dev_infos_get = virtio_dev_infos_get_secondary,
	.link_update = virtio_dev_link_update_secondary,
	.stats_get = virtio_dev_stats_get,
	.stats_reset = virtio_dev_stats_reset,
	.xstats_get = virtio_dev_xstats_get,
	.xstats_get_names = virtio_dev_xstats_get_names,
	.xstats_reset = virtio_dev_stats_reset,
};

void
virtio_ethdev_init_secondary(struct rte_eth_dev *eth_dev)
{
	eth_dev->dev_ops = &virtio_eth_dev_ops_secondary;
	eth_dev->rx_pkt_burst = virtio_burst_secondary;
	eth_dev->tx_pkt_burst = virtio_burst_secondary;
	eth_dev->tx_pkt_prepare = NULL;
}
