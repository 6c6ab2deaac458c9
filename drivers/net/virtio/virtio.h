/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_H
#define VIRTIO_H

/*
 * Transport-neutral virtio-net device: feature bits, status bits, the device
 * state shared by the ethdev layer and the datapath (struct virtio_hw), and
 * the transport operations (struct virtio_ops) that a transport -- here only
 * virtio-user -- implements.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_spinlock.h>

/* Device feature bits (virtio 1.2, 5.1.3). */
#ifndef VIRTIO_NET_F_CSUM
#define VIRTIO_NET_F_CSUM		0
#endif
#ifndef VIRTIO_NET_F_GUEST_CSUM
#define VIRTIO_NET_F_GUEST_CSUM		1
#endif
#ifndef VIRTIO_NET_F_MTU
#define VIRTIO_NET_F_MTU		3
#endif
#ifndef VIRTIO_NET_F_MAC
#define VIRTIO_NET_F_MAC		5
#endif
#ifndef VIRTIO_NET_F_GUEST_TSO4
#define VIRTIO_NET_F_GUEST_TSO4		7
#endif
#ifndef VIRTIO_NET_F_GUEST_TSO6
#define VIRTIO_NET_F_GUEST_TSO6		8
#endif
#ifndef VIRTIO_NET_F_GUEST_ECN
#define VIRTIO_NET_F_GUEST_ECN		9
#endif
#ifndef VIRTIO_NET_F_GUEST_UFO
#define VIRTIO_NET_F_GUEST_UFO		10
#endif
#ifndef VIRTIO_NET_F_HOST_TSO4
#define VIRTIO_NET_F_HOST_TSO4		11
#endif
#ifndef VIRTIO_NET_F_HOST_TSO6
#define VIRTIO_NET_F_HOST_TSO6		12
#endif
#ifndef VIRTIO_NET_F_HOST_ECN
#define VIRTIO_NET_F_HOST_ECN		13
#endif
#ifndef VIRTIO_NET_F_HOST_UFO
#define VIRTIO_NET_F_HOST_UFO		14
#endif
#ifndef VIRTIO_NET_F_MRG_RXBUF
#define VIRTIO_NET_F_MRG_RXBUF		15
#endif
#ifndef VIRTIO_NET_F_STATUS
#define VIRTIO_NET_F_STATUS		16
#endif
#ifndef VIRTIO_NET_F_CTRL_VQ
#define VIRTIO_NET_F_CTRL_VQ		17
#endif
#ifndef VIRTIO_NET_F_CTRL_RX
#define VIRTIO_NET_F_CTRL_RX		18
#endif
#ifndef VIRTIO_NET_F_CTRL_VLAN
#define VIRTIO_NET_F_CTRL_VLAN		19
#endif
#ifndef VIRTIO_NET_F_CTRL_RX_EXTRA
#define VIRTIO_NET_F_CTRL_RX_EXTRA	20
#endif
#ifndef VIRTIO_NET_F_GUEST_ANNOUNCE
#define VIRTIO_NET_F_GUEST_ANNOUNCE	21
#endif
#ifndef VIRTIO_NET_F_MQ
#define VIRTIO_NET_F_MQ			22
#endif
#ifndef VIRTIO_NET_F_CTRL_MAC_ADDR
#define VIRTIO_NET_F_CTRL_MAC_ADDR	23
#endif
#ifndef VIRTIO_NET_F_SPEED_DUPLEX
#define VIRTIO_NET_F_SPEED_DUPLEX	63
#endif

/* Reserved (transport) feature bits. */
#ifndef VIRTIO_F_NOTIFY_ON_EMPTY
#define VIRTIO_F_NOTIFY_ON_EMPTY	24
#endif
#ifndef VIRTIO_F_ANY_LAYOUT
#define VIRTIO_F_ANY_LAYOUT		27
#endif
#ifndef VIRTIO_RING_F_INDIRECT_DESC
#define VIRTIO_RING_F_INDIRECT_DESC	28
#endif
#ifndef VIRTIO_RING_F_EVENT_IDX
#define VIRTIO_RING_F_EVENT_IDX		29
#endif
#ifndef VIRTIO_F_VERSION_1
#define VIRTIO_F_VERSION_1		32
#endif
#ifndef VIRTIO_F_IOMMU_PLATFORM
#define VIRTIO_F_IOMMU_PLATFORM		33
#endif
#ifndef VIRTIO_F_RING_PACKED
#define VIRTIO_F_RING_PACKED		34
#endif
#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER		35
#endif
#ifndef VIRTIO_F_ORDER_PLATFORM
#define VIRTIO_F_ORDER_PLATFORM		36
#endif

#define VIRTIO_BIT(b) (UINT64_C(1) << (b))

/* Device status (virtio 1.2, 2.1). */
#define VIRTIO_CONFIG_STATUS_RESET		0x00
#define VIRTIO_CONFIG_STATUS_ACK		0x01
#define VIRTIO_CONFIG_STATUS_DRIVER		0x02
#define VIRTIO_CONFIG_STATUS_DRIVER_OK		0x04
#define VIRTIO_CONFIG_STATUS_FEATURES_OK	0x08
#define VIRTIO_CONFIG_STATUS_DEV_NEED_RESET	0x40
#define VIRTIO_CONFIG_STATUS_FAILED		0x80

/* virtio_net_config.status */
#define VIRTIO_NET_S_LINK_UP	1
#define VIRTIO_NET_S_ANNOUNCE	2

/*
 * Layout of struct virtio_net_config (virtio 1.2, 5.1.4); offsets used with
 * virtio_ops.read_dev_cfg.
 */
#define VIRTIO_NET_CFG_MAC		0	/* u8[6] */
#define VIRTIO_NET_CFG_STATUS		6	/* le16 */
#define VIRTIO_NET_CFG_MAX_VQ_PAIRS	8	/* le16 */
#define VIRTIO_NET_CFG_MTU		10	/* le16 */
#define VIRTIO_NET_CFG_SPEED		12	/* le32 */
#define VIRTIO_NET_CFG_DUPLEX		16	/* u8 */

#define VIRTIO_ID_NETWORK	1

/*
 * Virtqueue numbering: Rx queue i is virtqueue 2i, Tx queue i is 2i + 1, and
 * the control queue (if any) follows the last pair the device offers.
 */
#define VIRTIO_RXQ_VQ(i)	((uint16_t)(2 * (i)))
#define VIRTIO_TXQ_VQ(i)	((uint16_t)(2 * (i) + 1))

/* Most queue pairs the driver will drive; the device may offer fewer. */
#define VIRTIO_MAX_QUEUE_PAIRS	128

struct virtio_hw;
struct virtqueue;
struct rte_eth_xstat;
struct rte_eth_xstat_name;

/*
 * Where a virtqueue lives, as the transport tells it to the device.  Addresses
 * are what the device must use: virtual addresses when hw->use_va, IOVA
 * otherwise.
 */
struct virtio_vq_layout {
	uint16_t index;		/* virtqueue number */
	uint16_t size;		/* entries */
	bool packed;
	uint64_t desc_addr;
	uint64_t avail_addr;	/* split: avail ring; packed: driver event area */
	uint64_t used_addr;	/* split: used ring; packed: device event area */
};

/*
 * Transport operations.  Every op is mandatory for a transport; callers never
 * test for NULL.  Ops returning int return 0 or a negative errno.
 */
struct virtio_ops {
	void (*read_dev_cfg)(struct virtio_hw *hw, size_t offset, void *dst, int len);
	void (*write_dev_cfg)(struct virtio_hw *hw, size_t offset, const void *src, int len);
	uint8_t (*get_status)(struct virtio_hw *hw);
	int (*set_status)(struct virtio_hw *hw, uint8_t status);
	uint64_t (*get_features)(struct virtio_hw *hw);
	int (*set_features)(struct virtio_hw *hw, uint64_t features);
	/* Device-side limit on a virtqueue's size. */
	uint16_t (*get_queue_size)(struct virtio_hw *hw, uint16_t index);
	int (*setup_queue)(struct virtio_hw *hw, const struct virtio_vq_layout *layout);
	void (*del_queue)(struct virtio_hw *hw, uint16_t index);
	/* Kick: the driver made buffers available on virtqueue 'index'. */
	void (*notify_queue)(struct virtio_hw *hw, uint16_t index);
	/* Release the transport's device (last op called on this hw). */
	void (*dev_close)(struct virtio_hw *hw);
	/*
	 * Device-side statistics appended to the port's xstats (e.g. the
	 * state an emulated control queue recorded): the number of entries,
	 * writing names / values when the array is not NULL.  0 when none.
	 */
	unsigned int (*dev_xstats_names)(struct virtio_hw *hw, struct rte_eth_xstat_name *names);
	unsigned int (*dev_xstats_get)(struct virtio_hw *hw, struct rte_eth_xstat *xstats,
				       unsigned int first_id);
};

/*
 * Device state shared by the ethdev layer and the datapath.  Embedded first
 * in the transport's own device structure (struct virtio_user_dev).
 */
struct virtio_hw {
	const struct virtio_ops *ops;
	/* [nb_vqs]: Rx/Tx pairs as VIRTIO_RXQ_VQ/VIRTIO_TXQ_VQ, then the cvq. */
	struct virtqueue **vqs;
	uint16_t nb_vqs;
	uint64_t guest_features;	/* negotiated */
	uint16_t vtnet_hdr_size;	/* 10 or 12 bytes, from negotiation */
	uint16_t max_queue_pairs;	/* offered by the device */
	uint16_t max_mtu;
	uint16_t port_id;
	bool use_va;			/* descriptors carry virtual addresses */
	bool started;
	bool weak_barriers;		/* !VIRTIO_F_ORDER_PLATFORM */
	bool use_vec_rx;		/* vectorized devarg */
	bool use_vec_tx;
	bool dst_stats;			/* xstats read once: queues count multicast/broadcast */
	uint32_t speed;			/* RTE_ETH_SPEED_NUM_* */
	uint8_t duplex;
	struct rte_ether_addr mac_addr;
	uint32_t max_rx_pkt_len;	/* from dev_configure / mtu_set */
	uint64_t rx_offloads;		/* RTE_ETH_RX_OFFLOAD_* in use */
	uint64_t tx_offloads;		/* RTE_ETH_TX_OFFLOAD_* in use */
	rte_spinlock_t state_lock;
};

static inline bool
virtio_with_feature(const struct virtio_hw *hw, unsigned int bit)
{
	return (hw->guest_features & VIRTIO_BIT(bit)) != 0;
}

static inline bool
virtio_with_packed_queue(const struct virtio_hw *hw)
{
	return virtio_with_feature(hw, VIRTIO_F_RING_PACKED);
}

#endif /* VIRTIO_H */
