/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-vdpa backend (path=/dev/vhost-vdpa-N): a vDPA network device driven
 * through the kernel's vhost-vdpa bus driver.  Unlike vhost-user and
 * vhost-kernel, the device is a real virtio device: its status, config space
 * (MAC, MTU, queue pairs) and control queue are its own, and it reaches our
 * memory through an IOMMU-like table of IOVA -> process address mappings
 * that we maintain with IOTLB messages written to the fd.
 *
 * Addresses: descriptors and ring addresses carry IOVAs (hw->use_va is false
 * unless EAL runs IOVA-as-VA), so memory is mapped by IOVA: each run of
 * memsegs contiguous in both VA and IOVA is one IOTLB entry.  Memory the
 * application maps for DMA with rte_dev_dma_map() is kept in a list and
 * re-mapped whenever the table is rebuilt.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

/* virtio_user_dev.h first: its virtio.h must precede <linux/virtio_config.h>. */
#include "virtio_user_dev.h"
#include "../virtio_logs.h"
#include "vhost.h"
#include "vhost_kernel_ioctl.h"

#include <linux/vhost.h>

/* Backend features we use: IOTLB v2 messages (required) and batching. */
#define VHOST_VDPA_BACKEND_FEATURES \
	(VIRTIO_BIT(VHOST_BACKEND_F_IOTLB_MSG_V2) | VIRTIO_BIT(VHOST_BACKEND_F_IOTLB_BATCH))

/* A mapping made through the vdev dma_map hook, replayed on every table rebuild. */
struct vhost_vdpa_user_map {
	uint64_t va;
	uint64_t iova;
	uint64_t len;
};

/* dev->backend_data. */
struct vhost_vdpa_data {
	int fd;
	uint64_t backend_features;	/* negotiated VHOST_BACKEND_F_* */
	uint64_t offered;		/* device features */
	uint64_t acked;			/* features in force since the last reset ... */
	bool features_acked;		/* ... when this is set */
	bool mapped;			/* the IOTLB holds entries (invalidate is legal) */
	uint16_t vring_max;		/* largest vring the device takes */
	struct vhost_vdpa_user_map *maps;
	unsigned int nb_maps;
	unsigned int max_maps;
};

/* VIRTIO_ID_* names (virtio 1.2, 5). */
static const char *const vhost_vdpa_device_names[] = {
	[1] = "network", [2] = "block", [3] = "console", [4] = "entropy source",
	[5] = "memory balloon", [8] = "SCSI host", [9] = "9P transport",
	[16] = "GPU", [18] = "input", [19] = "socket", [20] = "crypto",
	[26] = "file system", [41] = "GPIO",
};

static const char *
vhost_vdpa_device_name(uint32_t id)
{
	if (id < RTE_DIM(vhost_vdpa_device_names) && vhost_vdpa_device_names[id] != NULL)
		return vhost_vdpa_device_names[id];
	return "unknown";
}

static int
vhost_vdpa_ioctl(struct virtio_user_dev *dev, unsigned long req, void *arg)
{
	struct vhost_vdpa_data *data = dev->backend_data;

	return vhost_kernel_ioctl(dev, dev->cfg.path, data->fd, req, arg);
}

static int
vhost_vdpa_destroy(struct virtio_user_dev *dev)
{
	struct vhost_vdpa_data *data = dev->backend_data;

	if (data == NULL)
		return 0;
	/* Closing the fd resets the device and drops its IOTLB. */
	if (data->fd >= 0)
		close(data->fd);
	free(data->maps);
	free(data);
	dev->backend_data = NULL;
	return 0;
}

/* The device must be a network device whose vrings can hold queue_size entries. */
static int
vhost_vdpa_device_check(struct virtio_user_dev *dev, struct vhost_vdpa_data *data)
{
	uint32_t id = 0;
	uint16_t num = 0;
	int ret;

	ret = vhost_vdpa_ioctl(dev, VHOST_VDPA_GET_DEVICE_ID, &id);
	if (ret < 0)
		return ret;
	if (id != VIRTIO_ID_NETWORK) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: the device is a virtio %s device (id %u),"
			     " not a network device (id %u)", dev->name, dev->cfg.path,
			     vhost_vdpa_device_name(id), id, VIRTIO_ID_NETWORK);
		return -ENOTSUP;
	}
	ret = vhost_vdpa_ioctl(dev, VHOST_VDPA_GET_VRING_NUM, &num);
	if (ret < 0)
		return ret;
	data->vring_max = num;
	if (num != 0 && dev->cfg.queue_size > num) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: queue_size=%u, but the device takes at"
			     " most %u", dev->name, dev->cfg.path, dev->cfg.queue_size, num);
		return -EINVAL;
	}
	return 0;
}

/* On failure everything is released again and dev->backend_data is NULL. */
static int
vhost_vdpa_setup(struct virtio_user_dev *dev)
{
	struct vhost_vdpa_data *data;
	int ret;

	data = calloc(1, sizeof(*data));
	if (data == NULL) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: out of memory", dev->name, dev->cfg.path);
		return -ENOMEM;
	}
	data->fd = -1;
	dev->backend_data = data;
	if (dev->cfg.cq) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: cq=1 (given, or implied by queues=%u): the"
			     " device's own control queue is not driven yet", dev->name,
			     dev->cfg.path, dev->cfg.queues);
		ret = -ENOTSUP;
		goto fail;
	}
	ret = vhost_kernel_dev_open(dev, "vhost-vdpa",
				    " (no such vDPA device: see `vdpa dev show`)");
	if (ret < 0)
		goto fail;
	data->fd = ret;
	ret = vhost_vdpa_device_check(dev, data);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	vhost_vdpa_destroy(dev);
	return ret;
}

static int
vhost_vdpa_get_backend_features(uint64_t *features)
{
	*features = 0;
	return 0;
}

/* Owner first: the kernel takes backend features and IOTLB messages from the owner only. */
static int
vhost_vdpa_set_owner(struct virtio_user_dev *dev)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	uint64_t f = 0;
	int ret;

	ret = vhost_vdpa_ioctl(dev, VHOST_SET_OWNER, NULL);
	if (ret < 0)
		return ret;
	ret = vhost_vdpa_ioctl(dev, VHOST_GET_BACKEND_FEATURES, &f);
	if (ret < 0)
		return ret;
	f &= VHOST_VDPA_BACKEND_FEATURES;
	if (!(f & VIRTIO_BIT(VHOST_BACKEND_F_IOTLB_MSG_V2))) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: the kernel offers no IOTLB v2 messages"
			     " (VHOST_BACKEND_F_IOTLB_MSG_V2)", dev->name, dev->cfg.path);
		return -ENOTSUP;
	}
	ret = vhost_vdpa_ioctl(dev, VHOST_SET_BACKEND_FEATURES, &f);
	if (ret < 0)
		return ret;
	data->backend_features = f;
	return 0;
}

static int
vhost_vdpa_get_features(struct virtio_user_dev *dev, uint64_t *features)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	int ret;

	ret = vhost_vdpa_ioctl(dev, VHOST_GET_FEATURES, features);
	if (ret == 0)
		data->offered = *features;
	return ret;
}

/*
 * The kernel takes SET_FEATURES only before FEATURES_OK, and the device model
 * sends it again at DRIVER_OK: the same features again are already in force.
 * A device offering ACCESS_PLATFORM (IOMMU_PLATFORM) needs it acknowledged:
 * it reaches our memory only through the IOTLB.
 */
static int
vhost_vdpa_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	int ret;

	features |= data->offered & VIRTIO_BIT(VIRTIO_F_IOMMU_PLATFORM);
	if (data->features_acked && data->acked == features)
		return 0;
	ret = vhost_vdpa_ioctl(dev, VHOST_SET_FEATURES, &features);
	if (ret < 0)
		return ret;
	data->acked = features;
	data->features_acked = true;
	return 0;
}

static int
vhost_vdpa_iotlb_send(struct virtio_user_dev *dev, uint8_t type, uint64_t iova, uint64_t len,
		      uint64_t va)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	struct vhost_msg_v2 msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.type = VHOST_IOTLB_MSG_V2;
	msg.iotlb.type = type;
	msg.iotlb.iova = iova;
	msg.iotlb.size = len;
	msg.iotlb.uaddr = va;
	msg.iotlb.perm = VHOST_ACCESS_RW;
	do {
		n = write(data->fd, &msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(msg))
		return 0;
	return n < 0 ? -errno : -EIO;
}

static void
vhost_vdpa_iotlb_log(struct virtio_user_dev *dev, const char *op, int err, uint64_t iova,
		     uint64_t len, uint64_t va)
{
	PMD_DRV_LOG(ERR, "%s: vhost-vdpa %s: IOTLB %s iova 0x%" PRIx64 " len 0x%" PRIx64
		    " va 0x%" PRIx64 " failed: %s%s", dev->name, dev->cfg.path, op, iova, len,
		    va, strerror(-err), err == -ENOMEM ?
		    " (pinned memory is limited by RLIMIT_MEMLOCK: raise it, e.g. ulimit -l)" :
		    err == -EEXIST ? " (the IOVA range is mapped already)" : "");
}

static int
vhost_vdpa_iotlb_map(struct virtio_user_dev *dev, uint64_t iova, uint64_t len, uint64_t va)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	int ret;

	PMD_DRV_LOG(DEBUG, "%s: map iova 0x%" PRIx64 " len 0x%" PRIx64 " va 0x%" PRIx64,
		    dev->name, iova, len, va);
	ret = vhost_vdpa_iotlb_send(dev, VHOST_IOTLB_UPDATE, iova, len, va);
	if (ret < 0) {
		vhost_vdpa_iotlb_log(dev, "UPDATE", ret, iova, len, va);
		return ret;
	}
	data->mapped = true;
	return 0;
}

static int
vhost_vdpa_iotlb_unmap(struct virtio_user_dev *dev, uint64_t iova, uint64_t len)
{
	int ret = vhost_vdpa_iotlb_send(dev, VHOST_IOTLB_INVALIDATE, iova, len, 0);

	if (ret < 0)
		vhost_vdpa_iotlb_log(dev, "INVALIDATE", ret, iova, len, 0);
	return ret;
}

/* Bracket a group of updates, when the kernel takes batching hints. */
static int
vhost_vdpa_iotlb_batch(struct virtio_user_dev *dev, bool begin)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	int ret;

	if (!(data->backend_features & VIRTIO_BIT(VHOST_BACKEND_F_IOTLB_BATCH)))
		return 0;
	ret = vhost_vdpa_iotlb_send(dev, begin ? VHOST_IOTLB_BATCH_BEGIN : VHOST_IOTLB_BATCH_END,
				    0, 0, 0);
	if (ret < 0)
		vhost_vdpa_iotlb_log(dev, begin ? "BATCH_BEGIN" : "BATCH_END", ret, 0, 0, 0);
	return ret;
}

/* A run of memsegs contiguous in both VA and IOVA: one IOTLB entry. */
struct vhost_vdpa_mem_walk {
	struct virtio_user_dev *dev;
	uint64_t va, iova, len;
	unsigned int skipped;	/* memsegs without an IOVA */
	int err;
};

static int
vhost_vdpa_run_flush(struct vhost_vdpa_mem_walk *w)
{
	int ret = 0;

	if (w->len > 0)
		ret = vhost_vdpa_iotlb_map(w->dev, w->iova, w->len, w->va);
	w->len = 0;
	return ret;
}

/*
 * Memory of EAL's heaps, internal or external.  External memory outside the
 * heaps comes through the dma_map hook instead.
 */
static int
vhost_vdpa_memseg_add(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		      void *arg)
{
	struct vhost_vdpa_mem_walk *w = arg;
	uint64_t va = (uintptr_t)ms->addr;

	if (msl->external && !msl->heap)
		return 0;
	if (ms->iova == RTE_BAD_IOVA) {
		w->skipped++;
		return 0;
	}
	if (w->len > 0 && va == w->va + w->len && ms->iova == w->iova + w->len) {
		w->len += ms->len;
		return 0;
	}
	w->err = vhost_vdpa_run_flush(w);
	if (w->err < 0)
		return -1;
	w->va = va;
	w->iova = ms->iova;
	w->len = ms->len;
	return 0;
}

static int
vhost_vdpa_maps_replay(struct virtio_user_dev *dev)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	unsigned int i;
	int ret;

	for (i = 0; i < data->nb_maps; i++) {
		ret = vhost_vdpa_iotlb_map(dev, data->maps[i].iova, data->maps[i].len,
					   data->maps[i].va);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Rebuild the whole IOTLB: drop every entry, map DPDK's memory, then the
 * application's own DMA mappings.  (A device reset keeps vhost-vdpa's list,
 * so an unchanged table must still be dropped before it is sent again.)
 * Contract: the caller holds the memory hotplug lock.
 */
static int
vhost_vdpa_set_memory_table(struct virtio_user_dev *dev)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	struct vhost_vdpa_mem_walk w = { .dev = dev };
	int ret, r;

	ret = vhost_vdpa_iotlb_batch(dev, true);
	if (ret < 0)
		return ret;
	if (data->mapped) {
		ret = vhost_vdpa_iotlb_unmap(dev, 0, UINT64_MAX);
		data->mapped = false;
	}
	if (ret == 0 && rte_memseg_walk_thread_unsafe(vhost_vdpa_memseg_add, &w) != 0)
		ret = w.err;
	if (ret == 0)
		ret = vhost_vdpa_run_flush(&w);
	if (ret == 0)
		ret = vhost_vdpa_maps_replay(dev);
	r = vhost_vdpa_iotlb_batch(dev, false);
	if (ret == 0)
		ret = r;
	if (ret == 0 && !data->mapped) {
		PMD_DRV_LOG(ERR, "%s: vhost-vdpa %s: no DPDK memory has an IOVA (%u memsegs"
			    " without one): in IOVA-as-PA mode use hugepages, or run with"
			    " --iova-mode=va", dev->name, dev->cfg.path, w.skipped);
		ret = -ENOMEM;
	}
	return ret;
}

/* The vdev dma_map hook: map now (if the device is set up) and on every rebuild. */
static int
vhost_vdpa_dma_map(struct virtio_user_dev *dev, void *addr, uint64_t iova, size_t len)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	struct vhost_vdpa_user_map *m;
	unsigned int n;
	int ret;

	if (data->nb_maps == data->max_maps) {
		n = data->max_maps ? 2 * data->max_maps : 8;
		m = realloc(data->maps, n * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		data->maps = m;
		data->max_maps = n;
	}
	ret = vhost_vdpa_iotlb_batch(dev, true);
	if (ret == 0)
		ret = vhost_vdpa_iotlb_map(dev, iova, len, (uintptr_t)addr);
	if (vhost_vdpa_iotlb_batch(dev, false) < 0 && ret == 0)
		ret = -EIO;
	if (ret < 0)
		return ret;
	data->maps[data->nb_maps++] = (struct vhost_vdpa_user_map){
		.va = (uintptr_t)addr, .iova = iova, .len = len };
	return 0;
}

static int
vhost_vdpa_dma_unmap(struct virtio_user_dev *dev, void *addr, uint64_t iova, size_t len)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	unsigned int i;
	int ret;

	for (i = 0; i < data->nb_maps; i++)
		if (data->maps[i].iova == iova && data->maps[i].len == len &&
		    data->maps[i].va == (uintptr_t)addr)
			break;
	if (i == data->nb_maps) {
		PMD_DRV_LOG(ERR, "%s: vhost-vdpa %s: dma_unmap of iova 0x%" PRIx64 " len 0x%zx:"
			    " not mapped with dma_map", dev->name, dev->cfg.path, iova, len);
		return -ENOENT;
	}
	ret = vhost_vdpa_iotlb_batch(dev, true);
	if (ret == 0)
		ret = vhost_vdpa_iotlb_unmap(dev, iova, len);
	if (vhost_vdpa_iotlb_batch(dev, false) < 0 && ret == 0)
		ret = -EIO;
	if (ret < 0)
		return ret;
	data->maps[i] = data->maps[--data->nb_maps];
	return 0;
}

static int
vhost_vdpa_set_vring_num(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_vdpa_ioctl(dev, VHOST_SET_VRING_NUM, state);
}

static int
vhost_vdpa_set_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_vdpa_ioctl(dev, VHOST_SET_VRING_BASE, state);
}

static int
vhost_vdpa_get_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_vdpa_ioctl(dev, VHOST_GET_VRING_BASE, state);
}

static int
vhost_vdpa_set_vring_call(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_vdpa_ioctl(dev, VHOST_SET_VRING_CALL, file);
}

static int
vhost_vdpa_set_vring_kick(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_vdpa_ioctl(dev, VHOST_SET_VRING_KICK, file);
}

static int
vhost_vdpa_set_vring_addr(struct virtio_user_dev *dev, struct vhost_vring_addr *addr)
{
	return vhost_vdpa_ioctl(dev, VHOST_SET_VRING_ADDR, addr);
}

static int
vhost_vdpa_enable_qp(struct virtio_user_dev *dev, uint16_t pair, int enable)
{
	struct vhost_vring_state state = { .num = !!enable };
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		state.index = 2u * pair + i;
		ret = vhost_vdpa_ioctl(dev, VHOST_VDPA_SET_VRING_ENABLE, &state);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
vhost_vdpa_get_status(struct virtio_user_dev *dev, uint8_t *status)
{
	return vhost_vdpa_ioctl(dev, VHOST_VDPA_GET_STATUS, status);
}

/* The status is the device's: a FEATURES_OK it clears again is a refusal. */
static int
vhost_vdpa_set_status(struct virtio_user_dev *dev, uint8_t status)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	uint8_t got = 0;
	int ret;

	ret = vhost_vdpa_ioctl(dev, VHOST_VDPA_SET_STATUS, &status);
	if (ret < 0)
		return ret;
	if (status == VIRTIO_CONFIG_STATUS_RESET)
		data->features_acked = false;
	if (!(status & VIRTIO_CONFIG_STATUS_FEATURES_OK))
		return 0;
	ret = vhost_vdpa_get_status(dev, &got);
	if (ret < 0)
		return ret;
	if (!(got & VIRTIO_CONFIG_STATUS_FEATURES_OK)) {
		PMD_DRV_LOG(ERR, "%s: vhost-vdpa %s: the device refused features 0x%" PRIx64,
			    dev->name, dev->cfg.path, data->acked);
		return -EIO;
	}
	return 0;
}

static int
vhost_vdpa_config_xfer(struct virtio_user_dev *dev, unsigned long req, uint8_t *buf,
		       uint32_t off, uint32_t len)
{
	struct vhost_vdpa_config *c;
	int ret;

	c = malloc(sizeof(*c) + len);
	if (c == NULL)
		return -ENOMEM;
	c->off = off;
	c->len = len;
	if (req == VHOST_VDPA_SET_CONFIG)
		memcpy(c->buf, buf, len);
	ret = vhost_vdpa_ioctl(dev, req, c);
	if (ret == 0 && req == VHOST_VDPA_GET_CONFIG)
		memcpy(buf, c->buf, len);
	free(c);
	return ret;
}

static int
vhost_vdpa_get_config(struct virtio_user_dev *dev, uint8_t *data, uint32_t off, uint32_t len)
{
	return vhost_vdpa_config_xfer(dev, VHOST_VDPA_GET_CONFIG, data, off, len);
}

static int
vhost_vdpa_set_config(struct virtio_user_dev *dev, const uint8_t *data, uint32_t off,
		      uint32_t len)
{
	return vhost_vdpa_config_xfer(dev, VHOST_VDPA_SET_CONFIG, (uint8_t *)(uintptr_t)data,
				      off, len);
}

/* max_virtqueue_pairs is valid only with VIRTIO_NET_F_MQ; without it, one pair. */
static int
vhost_vdpa_get_max_queue_pairs(struct virtio_user_dev *dev, uint16_t *max_pairs)
{
	struct vhost_vdpa_data *data = dev->backend_data;
	uint16_t n = 0;
	int ret;

	if (!(data->offered & VIRTIO_BIT(VIRTIO_NET_F_MQ))) {
		*max_pairs = 1;
		return 0;
	}
	ret = vhost_vdpa_get_config(dev, (uint8_t *)&n, VIRTIO_NET_CFG_MAX_VQ_PAIRS, sizeof(n));
	if (ret < 0)
		return ret;
	n = rte_le_to_cpu_16(n);
	if (n == 0) {
		PMD_INIT_LOG(ERR, "%s: vhost-vdpa %s: the device offers MQ with 0 queue pairs",
			     dev->name, dev->cfg.path);
		return -EPROTO;
	}
	*max_pairs = n;
	return 0;
}

const struct virtio_user_backend_ops virtio_ops_vdpa = {
	.name = "vhost-vdpa",
	.setup = vhost_vdpa_setup,
	.destroy = vhost_vdpa_destroy,
	.get_backend_features = vhost_vdpa_get_backend_features,
	.set_owner = vhost_vdpa_set_owner,
	.get_features = vhost_vdpa_get_features,
	.set_features = vhost_vdpa_set_features,
	.set_memory_table = vhost_vdpa_set_memory_table,
	.set_vring_num = vhost_vdpa_set_vring_num,
	.set_vring_base = vhost_vdpa_set_vring_base,
	.get_vring_base = vhost_vdpa_get_vring_base,
	.set_vring_call = vhost_vdpa_set_vring_call,
	.set_vring_kick = vhost_vdpa_set_vring_kick,
	.set_vring_addr = vhost_vdpa_set_vring_addr,
	.enable_qp = vhost_vdpa_enable_qp,
	.get_max_queue_pairs = vhost_vdpa_get_max_queue_pairs,
	.get_status = vhost_vdpa_get_status,
	.set_status = vhost_vdpa_set_status,
	.get_config = vhost_vdpa_get_config,
	.set_config = vhost_vdpa_set_config,
	.dma_map = vhost_vdpa_dma_map,
	.dma_unmap = vhost_vdpa_dma_unmap,
};
