/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver side of the virtio-net control queue (contract in virtio_cvq.h):
 * one send path with a bounded wait, the ethdev ops built on it, the replay
 * at start, and the device's recorded state as xstats.
 *
 * Buffers: a command is built in the control queue's header region (one
 * command at a time, under hw->state_lock): header at offset 0, status byte
 * at offset 2, data from offset 8.  The device writes only the status byte.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <ethdev_driver.h>

#include "virtio_cvq.h"
#include "virtio_logs.h"
#include "virtqueue.h"
#include "virtio_user/virtio_user_cvq.h"

#define VIRTIO_CVQ_STATUS_OFF	2
#define VIRTIO_CVQ_DATA_OFF	8
/* Status value before the device answers: neither OK nor ERR. */
#define VIRTIO_CVQ_NO_STATUS	0xff
/* Busy-poll this many times before sleeping between polls. */
#define VIRTIO_CVQ_SPIN		64
#define VIRTIO_CVQ_SLEEP_US	100

static const struct {
	uint8_t class;
	uint8_t cmd;
	const char *name;
} virtio_cvq_cmd_names[] = {
	{ VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, "RX_PROMISC" },
	{ VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, "RX_ALLMULTI" },
	{ VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, "MAC_TABLE_SET" },
	{ VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, "MAC_ADDR_SET" },
	{ VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, "VLAN_ADD" },
	{ VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_DEL, "VLAN_DEL" },
	{ VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, "ANNOUNCE_ACK" },
	{ VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, "MQ_VQ_PAIRS_SET" },
};

static const char *
virtio_cvq_cmd_name(uint8_t class, uint8_t cmd)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(virtio_cvq_cmd_names); i++)
		if (virtio_cvq_cmd_names[i].class == class && virtio_cvq_cmd_names[i].cmd == cmd)
			return virtio_cvq_cmd_names[i].name;
	return "unknown";
}

struct virtqueue *
virtio_cvq_get(const struct virtio_hw *hw)
{
	uint16_t i = (uint16_t)(2 * hw->max_queue_pairs);

	if (hw->vqs == NULL || i >= hw->nb_vqs)
		return NULL;
	return hw->vqs[i];
}

void
virtio_cvq_reset(struct virtio_hw *hw)
{
	struct virtqueue *vq = virtio_cvq_get(hw);

	if (vq != NULL)
		virtqueue_reset(vq);
}

/* Build the command in the header region and post it; *status is its answer. */
static int
virtio_cvq_post(struct virtqueue *vq, const struct virtio_cvq_cmd *cmd,
		volatile uint8_t **status)
{
	struct virtqueue_buf bufs[VIRTIO_CVQ_MAX_DATA + 2];
	uint16_t n = 0, i;
	uint64_t base;
	size_t cap, off = VIRTIO_CVQ_DATA_OFF;
	uint8_t *mem = virtqueue_hdr_mem(vq, &base, &cap);
	uint32_t len;

	/* Completions of an earlier, timed-out command free its descriptors. */
	while (virtqueue_get_used(vq, &len) != NULL)
		;
	if (virtqueue_is_broken(vq))
		return -EIO;
	if (vq->free_cnt != vq->limit)
		return -EBUSY;
	if (mem == NULL || cmd->n_data > VIRTIO_CVQ_MAX_DATA)
		return -EINVAL;
	mem[0] = cmd->class;
	mem[1] = cmd->cmd;
	bufs[n++] = (struct virtqueue_buf){ base, sizeof(struct virtio_net_ctrl_hdr) };
	for (i = 0; i < cmd->n_data; i++) {
		len = cmd->data[i].len;
		if (len == 0)
			continue;
		if (len > cap - off)
			return -EINVAL;
		memcpy(mem + off, cmd->data[i].buf, len);
		bufs[n++] = (struct virtqueue_buf){ base + off, len };
		off += len;
	}
	*status = mem + VIRTIO_CVQ_STATUS_OFF;
	**status = VIRTIO_CVQ_NO_STATUS;
	bufs[n++] = (struct virtqueue_buf){ base + VIRTIO_CVQ_STATUS_OFF, 1 };
	/* The status byte address is the cookie: one command in flight. */
	return virtqueue_add_chain(vq, bufs, n - 1, 1, (void *)(uintptr_t)*status);
}

/*
 * Poll for the answer: an emulated device has answered before the kick
 * returned; a real one (vDPA) answers when it gets to it.
 */
static int
virtio_cvq_wait(struct virtqueue *vq, volatile uint8_t *status, unsigned int timeout_ms)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * timeout_ms / 1000;
	unsigned int polls = 0;
	uint32_t len;
	void *cookie;

	for (;;) {
		cookie = virtqueue_get_used(vq, &len);
		if (cookie == (void *)(uintptr_t)status)
			break;
		if (cookie != NULL)
			continue;
		if (virtqueue_is_broken(vq))
			return -EIO;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		if (++polls < VIRTIO_CVQ_SPIN)
			rte_pause();
		else
			rte_delay_us_sleep(VIRTIO_CVQ_SLEEP_US);
	}
	/* get_used's acquire orders this read after the device's status write. */
	switch (*status) {
	case VIRTIO_NET_OK:
		return 0;
	case VIRTIO_NET_ERR:
		return -EIO;
	default:
		return -EPROTO;
	}
}

static const char *
virtio_cvq_strerror(int ret)
{
	switch (ret) {
	case -EIO:
		return "the device answered VIRTIO_NET_ERR or the queue is broken";
	case -EPROTO:
		return "the device returned the chain without a valid status";
	case -ETIMEDOUT:
		return "no answer from the device in time";
	case -EBUSY:
		return "an earlier command is still pending on the device";
	default:
		return strerror(-ret);
	}
}

int
virtio_cvq_send_timeout(struct virtio_hw *hw, const struct virtio_cvq_cmd *cmd,
			unsigned int timeout_ms)
{
	struct virtqueue *vq = virtio_cvq_get(hw);
	volatile uint8_t *status = NULL;
	int ret;

	if (vq == NULL)
		return -ENOTSUP;
	rte_spinlock_lock(&hw->state_lock);
	ret = virtio_cvq_post(vq, cmd, &status);
	if (ret == 0) {
		virtqueue_kick(vq);
		ret = virtio_cvq_wait(vq, status, timeout_ms);
	}
	rte_spinlock_unlock(&hw->state_lock);
	if (ret < 0)
		PMD_DRV_LOG(ERR, "port %u: control command %s (class %u cmd %u) failed: %s",
			    hw->port_id, virtio_cvq_cmd_name(cmd->class, cmd->cmd), cmd->class,
			    cmd->cmd, virtio_cvq_strerror(ret));
	return ret;
}

int
virtio_cvq_send(struct virtio_hw *hw, const struct virtio_cvq_cmd *cmd)
{
	return virtio_cvq_send_timeout(hw, cmd, VIRTIO_CVQ_TIMEOUT_MS);
}

static int
virtio_cvq_send1(struct virtio_hw *hw, uint8_t class, uint8_t cmd, const void *buf,
		 uint32_t len)
{
	struct virtio_cvq_cmd c = {
		.class = class,
		.cmd = cmd,
		.n_data = len ? 1 : 0,
		.data = { { buf, len } },
	};

	return virtio_cvq_send(hw, &c);
}

int
virtio_cvq_queue_pairs_set(struct virtio_hw *hw, uint16_t pairs)
{
	return virtio_cvq_send1(hw, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				&pairs, sizeof(pairs));
}

int
virtio_cvq_announce_ack(struct virtio_hw *hw)
{
	return virtio_cvq_send1(hw, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK,
				NULL, 0);
}

/* ---- ethdev ops ---- */

/*
 * The feature an op needs: -ENOTSUP (logged) without it.  While the port is
 * stopped the device is in reset and the op only succeeds: ethdev keeps the
 * setting and it reaches the device at start (ethdev's restore, or
 * virtio_cvq_start for VLANs).  Returns 1 when the command must be sent.
 */
static int
virtio_cvq_op_check(struct rte_eth_dev *dev, unsigned int bit, const char *bit_name,
		    const char *op)
{
	struct virtio_hw *hw = dev->data->dev_private;

	if (!virtio_with_feature(hw, bit) || virtio_cvq_get(hw) == NULL) {
		PMD_DRV_LOG(NOTICE, "%s: %s: not supported without %s (needs cq=1)",
			    dev->data->name, op, bit_name);
		return -ENOTSUP;
	}
	return hw->started ? 1 : 0;
}

static int
virtio_cvq_rx_mode(struct rte_eth_dev *dev, uint8_t cmd, uint8_t on, const char *op)
{
	int ret = virtio_cvq_op_check(dev, VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX", op);

	if (ret <= 0)
		return ret;
	return virtio_cvq_send1(dev->data->dev_private, VIRTIO_NET_CTRL_RX, cmd, &on, 1);
}

int
virtio_cvq_promiscuous_enable(struct rte_eth_dev *dev)
{
	return virtio_cvq_rx_mode(dev, VIRTIO_NET_CTRL_RX_PROMISC, 1, "promiscuous on");
}

int
virtio_cvq_promiscuous_disable(struct rte_eth_dev *dev)
{
	return virtio_cvq_rx_mode(dev, VIRTIO_NET_CTRL_RX_PROMISC, 0, "promiscuous off");
}

int
virtio_cvq_allmulticast_enable(struct rte_eth_dev *dev)
{
	return virtio_cvq_rx_mode(dev, VIRTIO_NET_CTRL_RX_ALLMULTI, 1, "all-multicast on");
}

int
virtio_cvq_allmulticast_disable(struct rte_eth_dev *dev)
{
	return virtio_cvq_rx_mode(dev, VIRTIO_NET_CTRL_RX_ALLMULTI, 0, "all-multicast off");
}

/* One MAC_TABLE_SET half: le32 count, then the entries. */
struct virtio_cvq_mac_tbl {
	uint32_t n;
	struct rte_ether_addr e[VIRTIO_CVQ_MAX_MAC_ADDRS];
};
_Static_assert(offsetof(struct virtio_cvq_mac_tbl, e) == sizeof(uint32_t),
	       "MAC entries follow the count without padding");

/*
 * Send the secondary addresses (ethdev indexes 1..) as the device's MAC
 * table, with entry 'index' replaced by 'addr' (NULL: removed).  The primary
 * address is the device's own (MAC_ADDR_SET), not a table entry.
 */
static int
virtio_cvq_mac_table_send(struct rte_eth_dev *dev, uint32_t index,
			  const struct rte_ether_addr *addr)
{
	struct virtio_cvq_mac_tbl uc = { .n = 0 }, mc = { .n = 0 };
	const struct rte_ether_addr *a;
	struct virtio_cvq_cmd c = {
		.class = VIRTIO_NET_CTRL_MAC,
		.cmd = VIRTIO_NET_CTRL_MAC_TABLE_SET,
		.n_data = 2,
	};
	uint32_t i;

	for (i = 1; i < VIRTIO_CVQ_MAX_MAC_ADDRS; i++) {
		a = i == index ? addr : &dev->data->mac_addrs[i];
		if (a == NULL || rte_is_zero_ether_addr(a))
			continue;
		if (rte_is_multicast_ether_addr(a))
			rte_ether_addr_copy(a, &mc.e[mc.n++]);
		else
			rte_ether_addr_copy(a, &uc.e[uc.n++]);
	}
	c.data[0].buf = &uc;
	c.data[0].len = sizeof(uc.n) + uc.n * RTE_ETHER_ADDR_LEN;
	c.data[1].buf = &mc;
	c.data[1].len = sizeof(mc.n) + mc.n * RTE_ETHER_ADDR_LEN;
	return virtio_cvq_send(dev->data->dev_private, &c);
}

int
virtio_cvq_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr, uint32_t index,
			uint32_t vmdq)
{
	int ret;

	RTE_SET_USED(vmdq);
	if (index >= VIRTIO_CVQ_MAX_MAC_ADDRS) {
		PMD_DRV_LOG(ERR, "%s: MAC address index %u out of range (max %u)",
			    dev->data->name, index, VIRTIO_CVQ_MAX_MAC_ADDRS - 1);
		return -EINVAL;
	}
	ret = virtio_cvq_op_check(dev, VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX",
				  "MAC address add");
	if (ret <= 0 || index == 0)
		return ret < 0 ? ret : 0;
	return virtio_cvq_mac_table_send(dev, index, addr);
}

void
virtio_cvq_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index)
{
	if (index == 0 || index >= VIRTIO_CVQ_MAX_MAC_ADDRS)
		return;
	if (virtio_cvq_op_check(dev, VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX",
				"MAC address remove") <= 0)
		return;
	(void)virtio_cvq_mac_table_send(dev, index, NULL);
}

/*
 * The primary address: MAC_ADDR_SET when negotiated (and the port runs),
 * then the config-space copy the device model reports, as without a
 * control queue.
 */
int
virtio_cvq_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	struct virtio_hw *hw = dev->data->dev_private;
	int ret;

	if (!rte_is_valid_assigned_ether_addr(addr)) {
		PMD_DRV_LOG(ERR, "%s: MAC address " RTE_ETHER_ADDR_PRT_FMT
			    " is multicast or zero", dev->data->name, RTE_ETHER_ADDR_BYTES(addr));
		return -EINVAL;
	}
	if (hw->started && virtio_with_feature(hw, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
	    virtio_cvq_get(hw) != NULL) {
		ret = virtio_cvq_send1(hw, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET,
				       addr, RTE_ETHER_ADDR_LEN);
		if (ret < 0)
			return ret;
	}
	rte_ether_addr_copy(addr, &hw->mac_addr);
	hw->ops->write_dev_cfg(hw, VIRTIO_NET_CFG_MAC, addr, RTE_ETHER_ADDR_LEN);
	return 0;
}

int
virtio_cvq_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vid, int on)
{
	int ret = virtio_cvq_op_check(dev, VIRTIO_NET_F_CTRL_VLAN, "VIRTIO_NET_F_CTRL_VLAN",
				      on ? "VLAN filter add" : "VLAN filter remove");

	if (ret <= 0)
		return ret;
	return virtio_cvq_send1(dev->data->dev_private, VIRTIO_NET_CTRL_VLAN,
				on ? VIRTIO_NET_CTRL_VLAN_ADD : VIRTIO_NET_CTRL_VLAN_DEL,
				&vid, sizeof(vid));
}

/* Only VLAN filtering is switchable here; it needs the VLAN table. */
int
virtio_cvq_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	uint64_t offloads = dev->data->dev_conf.rxmode.offloads;

	if ((mask & RTE_ETH_VLAN_FILTER_MASK) && (offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER))
		return RTE_MIN(virtio_cvq_op_check(dev, VIRTIO_NET_F_CTRL_VLAN,
						   "VIRTIO_NET_F_CTRL_VLAN", "VLAN filter on"), 0);
	return 0;
}

/* ---- start ---- */

static int
virtio_cvq_vlans_replay(struct rte_eth_dev *dev)
{
	const struct rte_vlan_filter_conf *vfc = &dev->data->vlan_filter_conf;
	uint16_t vid;
	int ret;

	for (vid = 0; vid < RTE_DIM(vfc->ids) * 64; vid++) {
		if (!(vfc->ids[vid / 64] & (UINT64_C(1) << (vid % 64))))
			continue;
		ret = virtio_cvq_send1(dev->data->dev_private, VIRTIO_NET_CTRL_VLAN,
				       VIRTIO_NET_CTRL_VLAN_ADD, &vid, sizeof(vid));
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
virtio_cvq_start(struct rte_eth_dev *dev)
{
	struct virtio_hw *hw = dev->data->dev_private;
	uint16_t pairs = RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
	int ret;

	if (virtio_cvq_get(hw) == NULL)
		return 0;
	if (virtio_with_feature(hw, VIRTIO_NET_F_MQ)) {
		ret = virtio_cvq_queue_pairs_set(hw, pairs);
		if (ret < 0) {
			PMD_INIT_LOG(ERR, "%s: the device did not take %u queue pair(s)",
				     dev->data->name, pairs);
			return ret;
		}
	}
	if (virtio_with_feature(hw, VIRTIO_NET_F_CTRL_VLAN) &&
	    (dev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER))
		return virtio_cvq_vlans_replay(dev);
	return 0;
}
