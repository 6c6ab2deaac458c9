/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vdev shim: net_virtio_user probe/remove, and the virtio transport ops
 * (struct virtio_ops) mapped onto a virtio_user_dev.  The config space the
 * driver reads (MAC, link status, queue pairs, speed) is emulated here from
 * the device model's state.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#include "virtio_ethdev.h"
#include "virtio_logs.h"
#include "virtio_user/virtio_user_args.h"
#include "virtio_user/virtio_user_dev.h"

#define VIRTIO_USER_PMD_NAME "virtio-user-pmd"
#define VIRTIO_USER_PMD_VERSION "0.1.0"

RTE_LOG_REGISTER(virtio_logtype_init, pmd.net.virtio.init, NOTICE);
RTE_LOG_REGISTER(virtio_logtype_driver, pmd.net.virtio.driver, NOTICE);

static inline struct virtio_user_dev *
vu_dev(struct virtio_hw *hw)
{
	return virtio_user_dev_from_hw(hw);
}

static void
virtio_user_read_dev_cfg(struct virtio_hw *hw, size_t offset, void *dst, int len)
{
	struct virtio_user_dev *dev = vu_dev(hw);
	uint16_t u16;
	uint32_t u32;

	switch (offset) {
	case VIRTIO_NET_CFG_MAC:
		memcpy(dst, dev->hw.mac_addr.addr_bytes, RTE_MIN(len, RTE_ETHER_ADDR_LEN));
		return;
	case VIRTIO_NET_CFG_STATUS:
		(void)virtio_user_dev_update_link_state(dev);
		u16 = dev->net_status;
		memcpy(dst, &u16, RTE_MIN(len, (int)sizeof(u16)));
		return;
	case VIRTIO_NET_CFG_MAX_VQ_PAIRS:
		u16 = dev->max_queue_pairs;
		memcpy(dst, &u16, RTE_MIN(len, (int)sizeof(u16)));
		return;
	case VIRTIO_NET_CFG_SPEED:
		u32 = dev->cfg.has_speed ? dev->cfg.speed : 0;
		memcpy(dst, &u32, RTE_MIN(len, (int)sizeof(u32)));
		return;
	default:
		/* Fields the device model does not emulate read as zero. */
		memset(dst, 0, len);
	}
}

static void
virtio_user_write_dev_cfg(struct virtio_hw *hw, size_t offset, const void *src, int len)
{
	if (offset == VIRTIO_NET_CFG_MAC && len == RTE_ETHER_ADDR_LEN)
		memcpy(hw->mac_addr.addr_bytes, src, RTE_ETHER_ADDR_LEN);
}

static uint8_t
virtio_user_get_status(struct virtio_hw *hw)
{
	return vu_dev(hw)->status;
}

static int
virtio_user_set_status(struct virtio_hw *hw, uint8_t status)
{
	return virtio_user_dev_set_status(vu_dev(hw), status);
}

static uint64_t
virtio_user_get_features(struct virtio_hw *hw)
{
	return vu_dev(hw)->device_features;
}

static int
virtio_user_set_features(struct virtio_hw *hw, uint64_t features)
{
	return virtio_user_dev_set_features(vu_dev(hw), features);
}

static uint16_t
virtio_user_get_queue_size(struct virtio_hw *hw, uint16_t index)
{
	RTE_SET_USED(index);
	return (uint16_t)vu_dev(hw)->cfg.queue_size;
}

static int
virtio_user_setup_queue(struct virtio_hw *hw, const struct virtio_vq_layout *layout)
{
	struct virtio_user_dev *dev = vu_dev(hw);

	if (layout->index >= dev->nb_vrings)
		return -EINVAL;
	dev->vrings[layout->index] = *layout;
	dev->vring_ready[layout->index] = true;
	return 0;
}

static void
virtio_user_del_queue(struct virtio_hw *hw, uint16_t index)
{
	struct virtio_user_dev *dev = vu_dev(hw);

	if (index < dev->nb_vrings)
		dev->vring_ready[index] = false;
}

static void
virtio_user_notify_queue(struct virtio_hw *hw, uint16_t index)
{
	struct virtio_user_dev *dev = vu_dev(hw);
	uint64_t one = 1;

	if (index >= dev->nb_vrings)
		return;
	/* EAGAIN means the counter is saturated: the backend is notified anyway. */
	if (write(dev->kickfds[index], &one, sizeof(one)) < 0 && errno != EAGAIN)
		PMD_DRV_LOG(ERR, "%s: kick vring %u: %s", dev->name, index, strerror(errno));
}

static void
virtio_user_dev_close(struct virtio_hw *hw)
{
	virtio_user_dev_uninit(vu_dev(hw));
}

const struct virtio_ops virtio_user_ops = {
	.read_dev_cfg = virtio_user_read_dev_cfg,
	.write_dev_cfg = virtio_user_write_dev_cfg,
	.get_status = virtio_user_get_status,
	.set_status = virtio_user_set_status,
	.get_features = virtio_user_get_features,
	.set_features = virtio_user_set_features,
	.get_queue_size = virtio_user_get_queue_size,
	.setup_queue = virtio_user_setup_queue,
	.del_queue = virtio_user_del_queue,
	.notify_queue = virtio_user_notify_queue,
	.dev_close = virtio_user_dev_close,
};

static void
virtio_user_hw_init(struct virtio_user_dev *dev, const struct virtio_user_config *cfg)
{
	struct virtio_hw *hw = &dev->hw;

	hw->ops = &virtio_user_ops;
	/*
	 * vhost-user and vhost-kernel translate virtual addresses; a vDPA
	 * device is given IOVAs, which are virtual addresses only in VA mode.
	 */
	hw->use_va = cfg->backend != VIRTIO_USER_BACKEND_VHOST_VDPA ||
		     rte_eal_iova_mode() == RTE_IOVA_VA;
	hw->use_vec_rx = cfg->vectorized;
	hw->use_vec_tx = cfg->vectorized;
	hw->speed = cfg->has_speed ? cfg->speed : RTE_ETH_SPEED_NUM_UNKNOWN;
	hw->duplex = RTE_ETH_LINK_FULL_DUPLEX;
}

static int
virtio_user_pmd_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct virtio_user_config cfg;
	struct rte_eth_dev *eth_dev;
	struct virtio_user_dev *dev;
	char err[512];
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PMD_INIT_LOG(ERR, "%s: secondary processes are not supported yet", name);
		return -ENOTSUP;
	}
	ret = virtio_user_args_parse(rte_vdev_device_args(vdev), &cfg, err, sizeof(err));
	if (ret < 0) {
		PMD_INIT_LOG(ERR, "%s: %s", name, err);
		return ret;
	}
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(struct virtio_user_dev));
	if (eth_dev == NULL) {
		PMD_INIT_LOG(ERR, "%s: cannot allocate an ethdev port", name);
		return -ENOMEM;
	}
	dev = eth_dev->data->dev_private;
	virtio_user_hw_init(dev, &cfg);
	ret = virtio_user_dev_init(dev, name, &cfg);
	if (ret < 0)
		goto err_port;
	ret = virtio_ethdev_init(eth_dev);
	if (ret < 0)
		goto err_dev;
	rte_eth_dev_probing_finish(eth_dev);
	PMD_INIT_LOG(NOTICE, "%s: %s %s: port %u on %s backend %s, up to %u queue pair(s)",
		     name, VIRTIO_USER_PMD_NAME, VIRTIO_USER_PMD_VERSION,
		     eth_dev->data->port_id, virtio_user_backend_name(cfg.backend),
		     cfg.path, dev->max_queue_pairs);
	return 0;
err_dev:
	virtio_user_dev_uninit(dev);
err_port:
	rte_eth_dev_release_port(eth_dev);
	return ret;
}

static int
virtio_user_pmd_remove(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(name);

	if (eth_dev == NULL)
		return 0;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return rte_eth_dev_release_port(eth_dev);
	/* Close runs dev_close (which releases the device) and frees the port. */
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static struct rte_vdev_driver virtio_user_driver = {
	.probe = virtio_user_pmd_probe,
	.remove = virtio_user_pmd_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_user, virtio_user_driver);
RTE_PMD_REGISTER_ALIAS(net_virtio_user, virtio_user);
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_user, VIRTIO_USER_PARAM_STRING);
