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
#include <rte_interrupts.h>
#include <rte_malloc.h>
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

/* The feature that makes a config field valid (virtio 1.2, 5.1.4), or 0: none. */
static unsigned int
virtio_user_cfg_feature(size_t offset)
{
	switch (offset) {
	case VIRTIO_NET_CFG_MAC:
		return VIRTIO_NET_F_MAC;
	case VIRTIO_NET_CFG_STATUS:
		return VIRTIO_NET_F_STATUS;
	case VIRTIO_NET_CFG_MAX_VQ_PAIRS:
		return VIRTIO_NET_F_MQ;
	case VIRTIO_NET_CFG_MTU:
		return VIRTIO_NET_F_MTU;
	case VIRTIO_NET_CFG_SPEED:
	case VIRTIO_NET_CFG_DUPLEX:
		return VIRTIO_NET_F_SPEED_DUPLEX;
	default:
		return 0;
	}
}

static void
virtio_user_read_dev_cfg(struct virtio_hw *hw, size_t offset, void *dst, int len)
{
	struct virtio_user_dev *dev = vu_dev(hw);
	unsigned int bit = virtio_user_cfg_feature(offset);
	uint16_t u16;
	uint32_t u32;

	/* A device with a config space of its own (vDPA) answers for its valid fields. */
	if (dev->ops != NULL && dev->ops->get_config != NULL && bit != 0 &&
	    (dev->device_features & VIRTIO_BIT(bit)) && len > 0) {
		if (dev->ops->get_config(dev, dst, (uint32_t)offset, (uint32_t)len) == 0)
			return;
		memset(dst, 0, len);
		return;
	}
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
	struct virtio_user_dev *dev = vu_dev(hw);

	if (offset != VIRTIO_NET_CFG_MAC || len != RTE_ETHER_ADDR_LEN)
		return;
	memcpy(hw->mac_addr.addr_bytes, src, RTE_ETHER_ADDR_LEN);
	/* vDPA: the device filters on its own MAC; a refusal is logged by the backend. */
	if (dev->ops != NULL && dev->ops->set_config != NULL)
		(void)dev->ops->set_config(dev, src, (uint32_t)offset, (uint32_t)len);
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
	/* The emulated control queue is served here, before the kick returns. */
	if (dev->cq_emulated && index == 2 * dev->max_queue_pairs) {
		virtio_user_dev_cvq_notify(dev);
		return;
	}
	/* EAGAIN means the counter is saturated: the backend is notified anyway. */
	if (write(dev->kickfds[index], &one, sizeof(one)) < 0 && errno != EAGAIN)
		PMD_DRV_LOG(ERR, "%s: kick vring %u: %s", dev->name, index, strerror(errno));
}

/*
 * EAL's interrupt thread, woken by the device's interrupt fd: the device
 * model runs its connection state machine; a link change becomes an
 * RTE_ETH_EVENT_INTR_LSC when the stored status really changed and the
 * application asked for LSC interrupts, NEEDS_RESET an RTE_ETH_EVENT_INTR_RESET.
 * Nothing touches eth_dev after the application's callbacks return (one of
 * them may close the port).
 */
static void
virtio_user_intr_handler(void *arg)
{
	struct rte_eth_dev *eth_dev = arg;
	unsigned int ev = virtio_user_dev_intr_process(eth_dev->data->dev_private);
	bool lsc = false;

	if (ev & VIRTIO_USER_EV_LINK)
		lsc = eth_dev->dev_ops->link_update(eth_dev, 0) == 0 &&
		      eth_dev->data->dev_conf.intr_conf.lsc;
	if (lsc)
		rte_eth_dev_callback_process(eth_dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	if (ev & VIRTIO_USER_EV_RESET)
		rte_eth_dev_callback_process(eth_dev, RTE_ETH_EVENT_INTR_RESET, NULL);
}

/* Register the device's interrupt fd with EAL; a backend without one has no LSC. */
static int
virtio_user_intr_setup(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *dev = eth_dev->data->dev_private;
	int fd = virtio_user_dev_intr_fd(dev), ret = -ENOMEM;
	struct rte_intr_handle *h;

	if (fd < 0)
		return 0;
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h != NULL && rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) == 0 &&
	    rte_intr_fd_set(h, fd) == 0)
		ret = rte_intr_callback_register(h, virtio_user_intr_handler, eth_dev);
	if (ret < 0) {
		PMD_INIT_LOG(ERR, "%s: cannot register fd %d for backend events: %s",
			     eth_dev->data->name, fd, strerror(-ret));
		rte_intr_instance_free(h);
		return ret;
	}
	eth_dev->intr_handle = h;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	return 0;
}

/*
 * Before the device model closes the fd.  From the interrupt thread (an
 * application callback closing the port) the handler is running: EAL drops
 * it when it returns; elsewhere, wait for a running handler to finish.
 */
static void
virtio_user_intr_teardown(struct rte_eth_dev *eth_dev)
{
	struct rte_intr_handle *h = eth_dev->intr_handle;

	if (h == NULL)
		return;
	if (rte_thread_is_intr())
		(void)rte_intr_callback_unregister_pending(h, virtio_user_intr_handler, eth_dev,
							   NULL);
	else
		/*
		 * -EAGAIN while the handler runs: sleep instead of spinning
		 * as rte_intr_callback_unregister_sync does (it can starve
		 * the interrupt thread it waits for, e.g. under valgrind).
		 */
		while (rte_intr_callback_unregister(h, virtio_user_intr_handler,
						    eth_dev) == -EAGAIN)
			usleep(1000);
	rte_intr_instance_free(h);	/* EAL keeps its own copy until it drops it */
	eth_dev->intr_handle = NULL;
	eth_dev->data->dev_flags &= ~RTE_ETH_DEV_INTR_LSC;
}

static unsigned int
virtio_user_dev_xstats_names(struct virtio_hw *hw, struct rte_eth_xstat_name *names)
{
	return virtio_user_dev_cvq_xstats_names(vu_dev(hw), names);
}

static unsigned int
virtio_user_dev_xstats_get(struct virtio_hw *hw, struct rte_eth_xstat *xstats,
			   unsigned int first_id)
{
	return virtio_user_dev_cvq_xstats_get(vu_dev(hw), xstats, first_id);
}

static void
virtio_user_dev_close(struct virtio_hw *hw)
{
	virtio_user_intr_teardown(&rte_eth_devices[hw->port_id]);
	virtio_user_dev_uninit(vu_dev(hw));
}

static const struct virtio_ops virtio_user_ops = {
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
	.dev_xstats_names = virtio_user_dev_xstats_names,
	.dev_xstats_get = virtio_user_dev_xstats_get,
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

/*
 * A secondary process attaches to the port its primary probed: shared data,
 * its own read-only ops (virtio_ethdev_init_secondary says why).
 */
static int
virtio_user_secondary_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth_dev;

	eth_dev = rte_eth_dev_attach_secondary(name);
	if (eth_dev == NULL) {
		PMD_INIT_LOG(ERR, "%s: secondary process: the primary has no such port", name);
		return -ENODEV;
	}
	eth_dev->device = &vdev->device;
	virtio_ethdev_init_secondary(eth_dev);
	rte_eth_dev_probing_finish(eth_dev);
	PMD_INIT_LOG(INFO, "%s: secondary process attached to port %u (stats, xstats, infos,"
		     " link; no datapath)", name, eth_dev->data->port_id);
	return 0;
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

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return virtio_user_secondary_probe(vdev);
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
	ret = virtio_user_intr_setup(eth_dev);
	if (ret < 0)
		goto err_ethdev;
	rte_eth_dev_probing_finish(eth_dev);
	PMD_INIT_LOG(NOTICE, "%s: %s %s: port %u on %s backend %s, up to %u queue pair(s)",
		     name, VIRTIO_USER_PMD_NAME, VIRTIO_USER_PMD_VERSION,
		     eth_dev->data->port_id, virtio_user_backend_name(cfg.backend),
		     cfg.path, dev->max_queue_pairs);
	return 0;
err_ethdev:
	rte_free(dev->hw.vqs);
	dev->hw.vqs = NULL;
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

/*
 * rte_dev_dma_map()/rte_dev_dma_unmap() of external memory: only a vDPA
 * device needs it (an IOTLB entry); vhost-user and vhost-kernel see our
 * whole address space or get memory from the memory table.
 */
static int
virtio_user_pmd_dma(struct rte_vdev_device *vdev, void *addr, uint64_t iova, size_t len,
		    bool map)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	struct virtio_user_dev *dev;
	int ret = 0;

	if (eth_dev == NULL) {
		rte_errno = ENODEV;
		return -ENODEV;
	}
	dev = eth_dev->data->dev_private;
	pthread_mutex_lock(&dev->mutex);
	if (dev->ops != NULL && map && dev->ops->dma_map != NULL)
		ret = dev->ops->dma_map(dev, addr, iova, len);
	else if (dev->ops != NULL && !map && dev->ops->dma_unmap != NULL)
		ret = dev->ops->dma_unmap(dev, addr, iova, len);
	pthread_mutex_unlock(&dev->mutex);
	if (ret < 0)
		rte_errno = -ret;
	return ret;
}

static int
virtio_user_pmd_dma_map(struct rte_vdev_device *vdev, void *addr, uint64_t iova, size_t len)
{
	return virtio_user_pmd_dma(vdev, addr, iova, len, true);
}

static int
virtio_user_pmd_dma_unmap(struct rte_vdev_device *vdev, void *addr, uint64_t iova, size_t len)
{
	return virtio_user_pmd_dma(vdev, addr, iova, len, false);
}

static struct rte_vdev_driver virtio_user_driver = {
	.probe = virtio_user_pmd_probe,
	.remove = virtio_user_pmd_remove,
	.dma_map = virtio_user_pmd_dma_map,
	.dma_unmap = virtio_user_pmd_dma_unmap,
};

RTE_PMD_REGISTER_VDEV(net_virtio_user, virtio_user_driver);
RTE_PMD_REGISTER_ALIAS(net_virtio_user, virtio_user);
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_user, VIRTIO_USER_PARAM_STRING);
