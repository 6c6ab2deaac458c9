/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_CVQ_H
#define VIRTIO_CVQ_H

/*
 * The virtio-net control queue (virtio 1.2, 5.1.6.5): the wire format shared
 * by the driver side (virtio_cvq.c) and the device model that emulates the
 * queue for vhost-user/vhost-kernel backends (virtio_user/virtio_user_cvq.c),
 * and the driver-side API.
 *
 * Every command goes through virtio_cvq_send(): one command in flight per
 * port, serialised by hw->state_lock, with a bounded wait for the device's
 * answer.  The ethdev ops below fail with -ENOTSUP when the feature they need
 * (CTRL_RX, CTRL_VLAN, ...) was not negotiated, as the stock driver does.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "virtio.h"

struct rte_eth_dev;

/* One command: header, then data, then one status byte the device writes. */
struct virtio_net_ctrl_hdr {
	uint8_t class;
	uint8_t cmd;
} __rte_packed;

#define VIRTIO_NET_OK	0
#define VIRTIO_NET_ERR	1

#define VIRTIO_NET_CTRL_RX		0
#define  VIRTIO_NET_CTRL_RX_PROMISC	0	/* u8 on/off */
#define  VIRTIO_NET_CTRL_RX_ALLMULTI	1	/* u8 on/off */
#define VIRTIO_NET_CTRL_MAC		1
#define  VIRTIO_NET_CTRL_MAC_TABLE_SET	0	/* le32 n + n macs, unicast then multicast */
#define  VIRTIO_NET_CTRL_MAC_ADDR_SET	1	/* mac */
#define VIRTIO_NET_CTRL_VLAN		2
#define  VIRTIO_NET_CTRL_VLAN_ADD	0	/* le16 vid */
#define  VIRTIO_NET_CTRL_VLAN_DEL	1	/* le16 vid */
#define VIRTIO_NET_CTRL_ANNOUNCE	3
#define  VIRTIO_NET_CTRL_ANNOUNCE_ACK	0	/* no data */
#define VIRTIO_NET_CTRL_MQ		4
#define  VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0	/* le16 pairs */

/* MAC table entries the driver manages (ethdev max_mac_addrs, as stock). */
#define VIRTIO_CVQ_MAX_MAC_ADDRS	64
/* Data buffers one command may carry. */
#define VIRTIO_CVQ_MAX_DATA		4
/* Default bound on the wait for the device's answer. */
#define VIRTIO_CVQ_TIMEOUT_MS		5000

struct virtio_cvq_cmd {
	uint8_t class;
	uint8_t cmd;
	uint8_t n_data;			/* <= VIRTIO_CVQ_MAX_DATA */
	struct {
		const void *buf;
		uint32_t len;
	} data[VIRTIO_CVQ_MAX_DATA];
};

/* The control virtqueue of hw, or NULL when CTRL_VQ is not negotiated. */
struct virtqueue *virtio_cvq_get(const struct virtio_hw *hw);

/*
 * Send one command and wait at most timeout_ms for the answer.  Returns 0
 * (VIRTIO_NET_OK), -EIO (the device answered VIRTIO_NET_ERR), -ENOTSUP (no
 * control queue), -ETIMEDOUT (no answer in time: the command stays posted
 * and later commands fail with -EBUSY until the device answers it or the
 * port is restarted), -EPROTO (the device wrote no or a bogus status),
 * -EINVAL/-ENOSPC (command too large for the queue) or -EIO (queue broken).
 * Logs once on failure, naming the port and the command.
 */
int virtio_cvq_send_timeout(struct virtio_hw *hw, const struct virtio_cvq_cmd *cmd,
			    unsigned int timeout_ms);
int virtio_cvq_send(struct virtio_hw *hw, const struct virtio_cvq_cmd *cmd);

/*
 * Ring state back to the just-reset one; call before the control queue is
 * handed to the device at start (the device restarts from index 0).
 */
void virtio_cvq_reset(struct virtio_hw *hw);

/*
 * After DRIVER_OK: VQ_PAIRS_SET to the configured pair count (when MQ is
 * negotiated) and the VLAN filter table replayed.  ethdev itself replays MAC
 * addresses, promiscuous and all-multicast right after dev_start through the
 * ops below.  0 without a control queue.
 */
int virtio_cvq_start(struct rte_eth_dev *dev);

/* Commands with a plain C interface. */
int virtio_cvq_queue_pairs_set(struct virtio_hw *hw, uint16_t pairs);
int virtio_cvq_announce_ack(struct virtio_hw *hw);

/* ethdev ops. */
int virtio_cvq_promiscuous_enable(struct rte_eth_dev *dev);
int virtio_cvq_promiscuous_disable(struct rte_eth_dev *dev);
int virtio_cvq_allmulticast_enable(struct rte_eth_dev *dev);
int virtio_cvq_allmulticast_disable(struct rte_eth_dev *dev);
int virtio_cvq_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr,
			    uint32_t index, uint32_t vmdq);
void virtio_cvq_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index);
int virtio_cvq_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr);
int virtio_cvq_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vid, int on);
int virtio_cvq_vlan_offload_set(struct rte_eth_dev *dev, int mask);

#endif /* VIRTIO_CVQ_H */
