/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-user device model: a virtio-net device whose hardware is a vhost
 * backend.  Feature offer, status sequence, vring hand-over order, eventfds
 * and memory-table updates live here; the protocol steps are backend ops.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "../virtio_logs.h"
#include "virtio_user_dev.h"	/* struct vring_used via vhost.h or ../virtio_ring.h */

/* Everything the device model and our datapath know how to drive. */
#define VIRTIO_USER_SUPPORTED_FEATURES ( \
	VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | \
	VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MAC) | \
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) | \
	VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) | \
	VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) | VIRTIO_BIT(VIRTIO_NET_F_MQ) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
	VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_VERSION_1) | \
	VIRTIO_BIT(VIRTIO_F_RING_PACKED) | VIRTIO_BIT(VIRTIO_F_IN_ORDER) | \
	VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM) | VIRTIO_BIT(VIRTIO_F_IOMMU_PLATFORM))

#define VIRTIO_USER_CVQ_FEATURES ( \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | \
	VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR))

static const struct virtio_user_backend_ops *
virtio_user_backend_ops_get(enum virtio_user_backend_type type)
{
	switch (type) {
	case VIRTIO_USER_BACKEND_VHOST_USER:
		return &virtio_ops_user;
	case VIRTIO_USER_BACKEND_VHOST_KERNEL:
		return &virtio_ops_kernel;
	case VIRTIO_USER_BACKEND_VHOST_VDPA:
		return &virtio_ops_vdpa;
	default:
		return NULL;
	}
}

/*
 * SET_VRING_BASE for vring i: the next avail entry the device reads.  Fresh
 * rings (never given to a backend since the driver started the device) start
 * at 0; a packed ring also carries its wrap counter in bit 15 (set: the ring
 * starts wrapped).  A ring an earlier backend had resumes where that backend
 * stopped (virtio_user_conn_vring_base).
 */
static int
virtio_user_vring_base(struct virtio_user_dev *dev, uint16_t i, bool resume, uint32_t *base)
{
	if (!resume || !dev->vrings_handed) {
		*base = dev->vrings[i].packed ? (1u << 15) : 0;
		return 0;
	}
	return virtio_user_conn_vring_base(dev, i, base);
}

/* Vring hand-over for one vring, in the order the vhost protocol expects. */
static int
virtio_user_vring_start(struct virtio_user_dev *dev, uint16_t i, uint32_t base)
{
	const struct virtio_vq_layout *l = &dev->vrings[i];
	struct vhost_vring_file file = { .index = i };
	struct vhost_vring_state state = { .index = i };
	struct vhost_vring_addr addr = {
		.index = i,
		.desc_user_addr = l->desc_addr,
		.avail_user_addr = l->avail_addr,
		.used_user_addr = l->used_addr,
		.log_guest_addr = 0,
		.flags = 0,
	};
	int ret;

	/*
	 * CALL first: a backend may allocate the vring on its first message
	 * and must know where to signal before it can run it.
	 */
	file.fd = dev->callfds[i];
	ret = dev->ops->set_vring_call(dev, &file);
	if (ret < 0)
		return ret;
	state.num = l->size;
	ret = dev->ops->set_vring_num(dev, &state);
	if (ret < 0)
		return ret;
	state.num = base;	/* see virtio_user_vring_base */
	ret = dev->ops->set_vring_base(dev, &state);
	if (ret < 0)
		return ret;
	ret = dev->ops->set_vring_addr(dev, &addr);
	if (ret < 0)
		return ret;
	/* KICK last: the backend may start processing as soon as it has it. */
	file.fd = dev->kickfds[i];
	return dev->ops->set_vring_kick(dev, &file);
}

static bool
virtio_user_vring_is_backend(const struct virtio_user_dev *dev, uint16_t i)
{
	return i < 2 * dev->max_queue_pairs && dev->vring_ready[i];
}

static int
virtio_user_qps_apply(struct virtio_user_dev *dev)
{
	uint16_t i;
	int ret;

	for (i = 0; i < dev->max_queue_pairs; i++) {
		if (!dev->vring_ready[VIRTIO_RXQ_VQ(i)] || !dev->vring_ready[VIRTIO_TXQ_VQ(i)])
			continue;
		ret = dev->ops->enable_qp(dev, i, i < dev->queue_pairs);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Called with the memory hotplug read lock and dev->mutex held.  'resume':
 * the rings are not fresh if an earlier backend had them (a reconnect);
 * -ENOTSUP before any message when one of them cannot be resumed in place.
 */
int
virtio_user_dev_backend_start(struct virtio_user_dev *dev, bool resume)
{
	uint64_t features = dev->features;
	uint32_t base[2 * VIRTIO_MAX_QUEUE_PAIRS + 1];
	uint16_t i;
	int ret;

	for (i = 0; i < dev->nb_vrings; i++) {
		if (!virtio_user_vring_is_backend(dev, i))
			continue;
		ret = virtio_user_vring_base(dev, i, resume, &base[i]);
		if (ret < 0)
			return ret;
	}
	features &= ~dev->emulated_features;
	ret = dev->ops->set_features(dev, features);
	if (ret < 0)
		return ret;
	ret = dev->ops->set_memory_table(dev);
	if (ret < 0)
		return ret;
	for (i = 0; i < dev->nb_vrings; i++) {
		if (!virtio_user_vring_is_backend(dev, i))
			continue;
		ret = virtio_user_vring_start(dev, i, base[i]);
		if (ret < 0)
			return ret;
	}
	ret = virtio_user_qps_apply(dev);
	if (ret < 0)
		return ret;
	dev->vrings_handed = true;
	PMD_DRV_LOG(INFO, "%s: %s, %u queue pair(s), features 0x%" PRIx64, dev->name,
		    resume ? "vrings resumed" : "started", dev->queue_pairs, dev->features);
	return 0;
}

/*
 * DRIVER_OK, with the locks held.  Without a connection the device is
 * started all the same: the rings are the device's, a reconnect hands them
 * over.  In NEEDS_RESET the driver has reset its rings, so they go fresh.
 */
static int
virtio_user_start_locked(struct virtio_user_dev *dev)
{
	int ret = 0;

	dev->vrings_handed = false;
	if (dev->conn_state == VIRTIO_USER_CONN_RUNNING ||
	    dev->conn_state == VIRTIO_USER_CONN_NEEDS_RESET) {
		ret = virtio_user_dev_backend_start(dev, false);
		if (ret < 0)
			return ret;
		dev->conn_state = VIRTIO_USER_CONN_RUNNING;
	}
	virtio_user_dev_cvq_start(dev);
	dev->started = true;
	return 0;
}

int
virtio_user_dev_start(struct virtio_user_dev *dev)
{
	int ret;

	/*
	 * Lock order, shared with the memory event callback (which EAL calls
	 * with the hotplug lock held for writing): hotplug lock, then mutex.
	 */
	rte_mcfg_mem_read_lock();
	pthread_mutex_lock(&dev->mutex);
	ret = dev->started ? 0 : virtio_user_start_locked(dev);
	pthread_mutex_unlock(&dev->mutex);
	rte_mcfg_mem_read_unlock();
	if (ret < 0)
		PMD_INIT_LOG(ERR, "%s: cannot start the device on %s: %s",
			     dev->name, dev->cfg.path, strerror(-ret));
	return ret;
}

/*
 * Stop the backend: disable every pair, then GET_VRING_BASE on every vring
 * it was given, which tells a vhost backend to stop processing it.  Goes on
 * after an error, so a dead backend still leaves the device stopped.
 */
int
virtio_user_dev_stop(struct virtio_user_dev *dev)
{
	struct vhost_vring_state state;
	int ret = 0, r;
	uint16_t i;

	pthread_mutex_lock(&dev->mutex);
	if (!dev->started)
		goto out;
	dev->started = false;
	if (dev->conn_state != VIRTIO_USER_CONN_RUNNING || !dev->vrings_handed)
		goto out;	/* no backend has the vrings */
	for (i = 0; i < dev->max_queue_pairs; i++) {
		if (!dev->vring_ready[VIRTIO_RXQ_VQ(i)] || !dev->vring_ready[VIRTIO_TXQ_VQ(i)])
			continue;
		r = dev->ops->enable_qp(dev, i, 0);
		ret = ret ? ret : r;
	}
	for (i = 0; i < dev->nb_vrings; i++) {
		if (!virtio_user_vring_is_backend(dev, i))
			continue;
		state.index = i;
		state.num = 0;
		r = dev->ops->get_vring_base(dev, &state);
		ret = ret ? ret : r;
	}
	dev->vrings_handed = false;
out:
	pthread_mutex_unlock(&dev->mutex);
	return ret;
}

int
virtio_user_dev_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	if (features & ~dev->device_features) {
		PMD_INIT_LOG(ERR, "%s: driver asked for features 0x%" PRIx64
			     " that the device does not offer (0x%" PRIx64 ")",
			     dev->name, features, dev->device_features);
		return -EINVAL;
	}
	dev->features = features;
	return 0;
}

/*
 * A vDPA device takes SET_FEATURES only before FEATURES_OK: the features go
 * with that status change (virtio 1.2, 3.1.1), not later at DRIVER_OK.
 */
static int
virtio_user_status_send(struct virtio_user_dev *dev, uint8_t old, uint8_t status)
{
	int ret;

	if (dev->cfg.backend == VIRTIO_USER_BACKEND_VHOST_VDPA &&
	    (status & VIRTIO_CONFIG_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_STATUS_FEATURES_OK)) {
		ret = dev->ops->set_features(dev, dev->features & ~dev->emulated_features);
		if (ret < 0)
			return ret;
	}
	return dev->ops->set_status(dev, status);
}

int
virtio_user_dev_set_status(struct virtio_user_dev *dev, uint8_t status)
{
	uint8_t old = dev->status;
	int ret = 0, r;

	if (status == VIRTIO_CONFIG_STATUS_RESET) {
		ret = virtio_user_dev_stop(dev);
		virtio_user_dev_cvq_reset(dev);
	} else if ((status & VIRTIO_CONFIG_STATUS_DRIVER_OK) &&
		   !(old & VIRTIO_CONFIG_STATUS_DRIVER_OK)) {
		ret = virtio_user_dev_start(dev);
		if (ret < 0)
			status |= VIRTIO_CONFIG_STATUS_FAILED;
	}
	pthread_mutex_lock(&dev->mutex);
	dev->status = status;
	if (dev->ops->set_status != NULL && dev->conn_state == VIRTIO_USER_CONN_RUNNING &&
	    dev->started == !!(status & VIRTIO_CONFIG_STATUS_DRIVER_OK)) {
		r = virtio_user_status_send(dev, old, status);
		/* A vDPA device's status is its own; for vhost it is advisory (logged). */
		if (r < 0 && ret == 0 && dev->cfg.backend == VIRTIO_USER_BACKEND_VHOST_VDPA) {
			dev->status |= VIRTIO_CONFIG_STATUS_FAILED;
			ret = r;
		}
	}
	pthread_mutex_unlock(&dev->mutex);
	return ret;
}

int
virtio_user_dev_set_queue_pairs(struct virtio_user_dev *dev, uint16_t pairs)
{
	int ret = 0;

	if (pairs == 0 || pairs > dev->max_queue_pairs) {
		PMD_DRV_LOG(ERR, "%s: %u queue pairs asked, the device offers 1 to %u",
			    dev->name, pairs, dev->max_queue_pairs);
		return -EINVAL;
	}
	pthread_mutex_lock(&dev->mutex);
	dev->queue_pairs = pairs;
	/* Otherwise the next start or reconnect applies it. */
	if (dev->started && dev->vrings_handed && dev->conn_state == VIRTIO_USER_CONN_RUNNING)
		ret = virtio_user_qps_apply(dev);
	pthread_mutex_unlock(&dev->mutex);
	return ret;
}

int
virtio_user_dev_update_link_state(struct virtio_user_dev *dev)
{
	bool running;
	int ret = 0;

	/*
	 * While the interrupt thread works on the connection, its state alone
	 * answers (the thread reports the outcome with an LSC); otherwise the
	 * backend is asked too.
	 */
	if (pthread_mutex_trylock(&dev->mutex) != 0) {
		running = __atomic_load_n(&dev->conn_state, __ATOMIC_RELAXED) ==
			  VIRTIO_USER_CONN_RUNNING;
		if (running)
			dev->net_status |= VIRTIO_NET_S_LINK_UP;
		else
			dev->net_status &= ~VIRTIO_NET_S_LINK_UP;
		return 0;
	}
	if (dev->conn_state != VIRTIO_USER_CONN_RUNNING)
		dev->net_status &= ~VIRTIO_NET_S_LINK_UP;
	else if (dev->ops->update_link_state == NULL)
		dev->net_status |= VIRTIO_NET_S_LINK_UP;
	else
		ret = dev->ops->update_link_state(dev);
	pthread_mutex_unlock(&dev->mutex);
	return ret;
}

/*
 * DPDK memory changed: the backend must learn the new table before it sees a
 * buffer in the new memory.  Pause the pairs, re-send, resume.  EAL calls this
 * with the hotplug lock held for writing (see virtio_user_dev_start).
 */
static void
virtio_user_mem_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct virtio_user_dev *dev = arg;
	uint16_t saved;
	int ret;

	RTE_SET_USED(type);
	RTE_SET_USED(addr);
	RTE_SET_USED(len);
	pthread_mutex_lock(&dev->mutex);
	/* Without a backend, the next start or reconnect sends the whole table. */
	if (!dev->started || !dev->vrings_handed || dev->conn_state != VIRTIO_USER_CONN_RUNNING)
		goto out;
	saved = dev->queue_pairs;
	dev->queue_pairs = 0;
	ret = virtio_user_qps_apply(dev);
	if (ret == 0)
		ret = dev->ops->set_memory_table(dev);
	dev->queue_pairs = saved;
	if (ret == 0)
		ret = virtio_user_qps_apply(dev);
	if (ret < 0)
		PMD_DRV_LOG(ERR, "%s: memory %s: cannot update the backend's memory table: %s",
			    dev->name, type == RTE_MEM_EVENT_ALLOC ? "added" : "removed",
			    strerror(-ret));
out:
	pthread_mutex_unlock(&dev->mutex);
}

static void
virtio_user_fds_close(struct virtio_user_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->nb_vrings; i++) {
		if (dev->callfds != NULL && dev->callfds[i] >= 0)
			close(dev->callfds[i]);
		if (dev->kickfds != NULL && dev->kickfds[i] >= 0)
			close(dev->kickfds[i]);
	}
	free(dev->callfds);
	free(dev->kickfds);
	free(dev->vrings);
	free(dev->vring_ready);
	dev->callfds = NULL;
	dev->kickfds = NULL;
	dev->vrings = NULL;
	dev->vring_ready = NULL;
}

static int
virtio_user_fds_open(struct virtio_user_dev *dev)
{
	uint16_t i, n = dev->nb_vrings;

	dev->callfds = malloc(n * sizeof(int));
	dev->kickfds = malloc(n * sizeof(int));
	dev->vrings = calloc(n, sizeof(*dev->vrings));
	dev->vring_ready = calloc(n, sizeof(bool));
	if (!dev->callfds || !dev->kickfds || !dev->vrings || !dev->vring_ready)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		dev->callfds[i] = dev->kickfds[i] = -1;
	for (i = 0; i < n; i++) {
		dev->callfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		dev->kickfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->callfds[i] < 0 || dev->kickfds[i] < 0) {
			int err = errno;

			PMD_INIT_LOG(ERR, "%s: eventfd for vring %u: %s", dev->name, i,
				     strerror(err));
			return -err;
		}
	}
	return 0;
}

static void
virtio_user_mac_init(struct virtio_user_dev *dev)
{
	uint8_t *mac = dev->hw.mac_addr.addr_bytes;

	/* A device with its own MAC (vDPA) is told mac=, then asked which it uses. */
	if (dev->ops->get_config != NULL &&
	    (dev->device_features & VIRTIO_BIT(VIRTIO_NET_F_MAC))) {
		if (dev->cfg.has_mac && dev->ops->set_config != NULL)
			(void)dev->ops->set_config(dev, dev->cfg.mac, VIRTIO_NET_CFG_MAC,
						   RTE_ETHER_ADDR_LEN);
		if (dev->ops->get_config(dev, mac, VIRTIO_NET_CFG_MAC, RTE_ETHER_ADDR_LEN) == 0) {
			if (dev->cfg.has_mac && memcmp(mac, dev->cfg.mac, RTE_ETHER_ADDR_LEN))
				PMD_INIT_LOG(WARNING, "%s: %s keeps its own MAC address, not mac=",
					     dev->name, dev->cfg.path);
			return;
		}
	}
	if (dev->cfg.has_mac) {
		memcpy(mac, dev->cfg.mac, RTE_ETHER_ADDR_LEN);
		return;
	}
	rte_eth_random_addr(mac);
}

/*
 * Offer = what the backend offers, what we drive, minus what devargs turn
 * off.  Run again on every reconnect, on the new backend's offer.
 */
int
virtio_user_dev_features_init(struct virtio_user_dev *dev)
{
	uint64_t backend_bits = 0, offered, off = 0;
	int ret;

	ret = dev->ops->get_backend_features(&backend_bits);
	if (ret < 0)
		return ret;
	ret = dev->ops->get_features(dev, &offered);
	if (ret < 0)
		return ret;
	offered &= ~backend_bits;
	if (!dev->cfg.mrg_rxbuf)
		off |= VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	if (!dev->cfg.in_order)
		off |= VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	if (!dev->cfg.packed_vq)
		off |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	else if (!(offered & VIRTIO_BIT(VIRTIO_F_RING_PACKED)))
		PMD_INIT_LOG(WARNING, "%s: packed_vq=1 but the backend on %s offers no packed"
			     " ring; using the split ring", dev->name, dev->cfg.path);
	if (dev->cfg.backend != VIRTIO_USER_BACKEND_VHOST_VDPA) {
		/*
		 * MAC, link status and the control queue come from the device
		 * model: offered to the driver, never sent to a vhost-user or
		 * vhost-kernel backend, which knows nothing of them.
		 */
		dev->emulated_features = VIRTIO_BIT(VIRTIO_NET_F_MAC) |
					 VIRTIO_BIT(VIRTIO_NET_F_STATUS);
		if (dev->cfg.cq) {
			dev->emulated_features |= VIRTIO_USER_CVQ_FEATURES;
			dev->cq_emulated = true;
		}
		offered |= dev->emulated_features;
	}
	if (!dev->cfg.cq)
		off |= VIRTIO_USER_CVQ_FEATURES | VIRTIO_BIT(VIRTIO_NET_F_MQ);
	dev->device_features = offered & VIRTIO_USER_SUPPORTED_FEATURES & ~off;
	PMD_INIT_LOG(INFO, "%s: device features 0x%" PRIx64, dev->name, dev->device_features);
	return 0;
}

static int
virtio_user_queues_init(struct virtio_user_dev *dev)
{
	uint16_t max = 1;
	int ret;

	if (dev->ops->get_max_queue_pairs != NULL &&
	    (dev->device_features & VIRTIO_BIT(VIRTIO_NET_F_MQ) || dev->cfg.queues > 1)) {
		ret = dev->ops->get_max_queue_pairs(dev, &max);
		if (ret < 0)
			return ret;
	}
	if (dev->cfg.queues > max) {
		PMD_INIT_LOG(ERR, "%s: queues=%u but the backend on %s serves at most %u"
			     " queue pairs", dev->name, dev->cfg.queues, dev->cfg.path, max);
		return -EINVAL;
	}
	/* The device exposes what the user asked for, within the backend's limit. */
	max = dev->cfg.queues;
	dev->max_queue_pairs = max;
	dev->queue_pairs = 1;
	dev->nb_vrings = 2 * max + (dev->cfg.cq ? 1 : 0);
	dev->hw.max_queue_pairs = max;
	return 0;
}

int
virtio_user_dev_init(struct virtio_user_dev *dev, const char *name,
		     const struct virtio_user_config *cfg)
{
	int ret;

	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->cfg = *cfg;
	dev->epoll_fd = -1;
	dev->timer_fd = -1;
	dev->watched_fd = -1;
	dev->conn_state = VIRTIO_USER_CONN_DISCONNECTED;
	pthread_mutex_init(&dev->mutex, NULL);
	dev->ops = virtio_user_backend_ops_get(cfg->backend);
	if (dev->ops == NULL) {
		PMD_INIT_LOG(ERR, "%s: no backend for %s", name, cfg->path);
		return -ENOTSUP;
	}
	ret = dev->ops->setup(dev);
	if (ret < 0)
		goto err;
	dev->conn_state = VIRTIO_USER_CONN_NEGOTIATING;
	ret = dev->ops->set_owner(dev);
	if (ret < 0)
		goto err;
	ret = virtio_user_dev_features_init(dev);
	if (ret < 0)
		goto err;
	ret = virtio_user_queues_init(dev);
	if (ret < 0)
		goto err;
	ret = virtio_user_fds_open(dev);
	if (ret < 0)
		goto err;
	virtio_user_mac_init(dev);
	dev->net_status = VIRTIO_NET_S_LINK_UP;
	dev->conn_state = VIRTIO_USER_CONN_RUNNING;
	ret = virtio_user_conn_init(dev);
	if (ret < 0)
		goto err;
	ret = rte_mem_event_callback_register(dev->name, virtio_user_mem_event_cb, dev);
	if (ret < 0 && rte_errno != ENOTSUP) {
		ret = -rte_errno;
		PMD_INIT_LOG(ERR, "%s: cannot register the memory event callback: %s",
			     name, strerror(-ret));
		goto err;
	}
	dev->mem_cb_registered = ret == 0;
	return 0;
err:
	virtio_user_dev_uninit(dev);
	return ret;
}

void
virtio_user_dev_uninit(struct virtio_user_dev *dev)
{
	if (dev->ops == NULL)
		return;
	if (dev->mem_cb_registered)
		rte_mem_event_callback_unregister(dev->name, dev);
	dev->mem_cb_registered = false;
	(void)virtio_user_dev_stop(dev);
	virtio_user_conn_uninit(dev);
	virtio_user_fds_close(dev);
	(void)dev->ops->destroy(dev);
	dev->ops = NULL;
	pthread_mutex_destroy(&dev->mutex);
}
