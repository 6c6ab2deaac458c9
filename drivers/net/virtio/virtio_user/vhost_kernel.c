/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-kernel backend (path=/dev/vhost-net): the exception path into the
 * Linux network stack.  Each queue pair gets its own /dev/vhost-net fd, whose
 * two vrings are numbered 0 (Rx) and 1 (Tx), and its own queue of one tap
 * interface; VHOST_NET_SET_BACKEND plugs the tap queue in (enable) or out.
 *
 * vhost-net reads the vrings and buffers through our own address space, so
 * the memory table maps virtual addresses 1:1, one region per DPDK memseg
 * list (within the kernel's max_mem_regions).  The vnet header goes through
 * to the tap, which does the checksum and segmentation offloads: they are
 * offered as device features although vhost-net itself does not list them.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_memory.h>

/* virtio_user_dev.h first: its virtio.h must precede <linux/virtio_config.h>. */
#include "virtio_user_dev.h"
#include "../virtio_logs.h"
#include "vhost.h"
#include "vhost_kernel_ioctl.h"
#include "vhost_kernel_tap.h"

#include <linux/vhost.h>

#define VHOST_KERNEL_MAX_REGIONS_FILE	"/sys/module/vhost/parameters/max_mem_regions"
#define VHOST_KERNEL_MAX_REGIONS_DEF	64u	/* the module parameter's default */
#define VHOST_KERNEL_TAP_TEMPLATE	"tap%d"

/* Offloads the tap performs on the vnet header; vhost-net does not list them. */
#define VHOST_KERNEL_TAP_FEATURES ( \
	VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | \
	VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) | \
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) | \
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN))

/*
 * vhost-net bits we must not negotiate: the device IOTLB (we pass plain
 * addresses), vhost adding the header itself (the tap must see it: bit 27,
 * VHOST_NET_F_VIRTIO_NET_HDR) and dirty logging.
 */
#define VHOST_KERNEL_REFUSED_FEATURES ( \
	VIRTIO_BIT(VIRTIO_F_IOMMU_PLATFORM) | VIRTIO_BIT(VHOST_NET_F_VIRTIO_NET_HDR) | \
	VIRTIO_BIT(VHOST_F_LOG_ALL))

/* dev->backend_data.  Arrays have one entry per queue pair; fds are -1 when closed. */
struct vhost_kernel_data {
	uint16_t nb_pairs;
	uint32_t max_regions;	/* the kernel's limit on memory table entries */
	int *vhostfds;
	int *tapfds;
	bool *enabled;		/* the pair's tap is plugged in */
	uint64_t vhost_features;	/* vhost-net's own offer */
	uint64_t features;	/* negotiated, tap offloads included */
	struct vhost_kernel_tap_info tap;
	bool mac_set;		/* the tap got the port's MAC (taps we create only) */
};

static uint32_t
vhost_kernel_max_regions(const struct virtio_user_dev *dev)
{
	char buf[32], *end;
	unsigned long v;
	ssize_t n;
	int fd;

	fd = open(VHOST_KERNEL_MAX_REGIONS_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VHOST_KERNEL_MAX_REGIONS_DEF;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return VHOST_KERNEL_MAX_REGIONS_DEF;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || v == 0 ||
	    v > UINT16_MAX) {
		PMD_INIT_LOG(WARNING, "%s: %s reads '%s'; assuming %u", dev->name,
			     VHOST_KERNEL_MAX_REGIONS_FILE, buf, VHOST_KERNEL_MAX_REGIONS_DEF);
		return VHOST_KERNEL_MAX_REGIONS_DEF;
	}
	return (uint32_t)v;
}

static int
vhost_kernel_destroy(struct virtio_user_dev *dev)
{
	struct vhost_kernel_data *data = dev->backend_data;
	uint16_t i;

	if (data == NULL)
		return 0;
	for (i = 0; i < data->nb_pairs; i++) {
		if (data->vhostfds != NULL && data->vhostfds[i] >= 0)
			close(data->vhostfds[i]);
		if (data->tapfds != NULL && data->tapfds[i] >= 0)
			close(data->tapfds[i]);
	}
	free(data->vhostfds);
	free(data->tapfds);
	free(data->enabled);
	free(data);
	dev->backend_data = NULL;
	return 0;
}

/* One vhost-net fd and one tap queue per pair; the tap per cfg.iface. */
static int
vhost_kernel_fds_open(struct virtio_user_dev *dev, struct vhost_kernel_data *data)
{
	const char *name = dev->cfg.has_iface ? dev->cfg.iface : VHOST_KERNEL_TAP_TEMPLATE;
	uint16_t i;

	for (i = 0; i < data->nb_pairs; i++) {
		data->vhostfds[i] = vhost_kernel_dev_open(dev, "vhost-kernel",
							   " (is the vhost_net module loaded?)");
		if (data->vhostfds[i] < 0)
			return data->vhostfds[i];
		data->tapfds[i] = vhost_kernel_tap_open(dev, name, data->nb_pairs, &data->tap);
		if (data->tapfds[i] < 0)
			return data->tapfds[i];
	}
	return 0;
}

/* On failure everything is released again and dev->backend_data is NULL. */
static int
vhost_kernel_setup(struct virtio_user_dev *dev)
{
	struct vhost_kernel_data *data;
	uint16_t n = (uint16_t)dev->cfg.queues, i;
	int ret;

	data = calloc(1, sizeof(*data));
	if (data == NULL)
		goto nomem;
	dev->backend_data = data;
	data->nb_pairs = n;
	data->vhostfds = malloc(n * sizeof(int));
	data->tapfds = malloc(n * sizeof(int));
	data->enabled = calloc(n, sizeof(bool));
	if (data->vhostfds == NULL || data->tapfds == NULL || data->enabled == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		data->vhostfds[i] = data->tapfds[i] = -1;
	data->max_regions = vhost_kernel_max_regions(dev);
	ret = vhost_kernel_fds_open(dev, data);
	if (ret < 0)
		goto fail;
	PMD_INIT_LOG(INFO, "%s: vhost-kernel %s: tap %s (%s, %u queue(s)%s), up to %u memory"
		     " regions", dev->name, dev->cfg.path, data->tap.ifname,
		     data->tap.created ? "created" : "existing", n,
		     data->tap.multi_queue ? ", multi-queue" : "", data->max_regions);
	return 0;
nomem:
	ret = -ENOMEM;
	PMD_INIT_LOG(ERR, "%s: vhost-kernel %s: out of memory", dev->name, dev->cfg.path);
fail:
	vhost_kernel_destroy(dev);
	return ret;
}

/* 'req' on every pair's vhost-net fd. */
static int
vhost_kernel_ioctl_all(struct virtio_user_dev *dev, unsigned long req, void *arg)
{
	struct vhost_kernel_data *data = dev->backend_data;
	uint16_t i;
	int ret;

	for (i = 0; i < data->nb_pairs; i++) {
		ret = vhost_kernel_ioctl(dev, dev->cfg.path, data->vhostfds[i], req, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
vhost_kernel_get_backend_features(uint64_t *features)
{
	*features = 0;
	return 0;
}

static int
vhost_kernel_set_owner(struct virtio_user_dev *dev)
{
	return vhost_kernel_ioctl_all(dev, VHOST_SET_OWNER, NULL);
}

static int
vhost_kernel_get_features(struct virtio_user_dev *dev, uint64_t *features)
{
	struct vhost_kernel_data *data = dev->backend_data;
	uint64_t f = 0;
	int ret;

	ret = vhost_kernel_ioctl(dev, dev->cfg.path, data->vhostfds[0], VHOST_GET_FEATURES, &f);
	if (ret < 0)
		return ret;
	data->vhost_features = f;
	f &= ~VHOST_KERNEL_REFUSED_FEATURES;
	if (data->tap.vnet_hdr)
		f |= VHOST_KERNEL_TAP_FEATURES;
	/* Each pair is its own vhost-net device: queue pairs are the tap's queues. */
	if (data->tap.multi_queue)
		f |= VIRTIO_BIT(VIRTIO_NET_F_MQ);
	*features = f;
	return 0;
}

/* vhost-net gets its own bits only; the tap offloads apply when a pair is plugged in. */
static int
vhost_kernel_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	struct vhost_kernel_data *data = dev->backend_data;
	uint64_t f = features & ~(VHOST_KERNEL_TAP_FEATURES | VIRTIO_BIT(VIRTIO_NET_F_MQ));

	if (f & ~data->vhost_features) {
		PMD_DRV_LOG(ERR, "%s: vhost-kernel %s: features 0x%" PRIx64 " were not offered"
			    " by vhost-net (0x%" PRIx64 ")", dev->name, dev->cfg.path,
			    f & ~data->vhost_features, data->vhost_features);
		return -EINVAL;
	}
	data->features = features;
	return vhost_kernel_ioctl_all(dev, VHOST_SET_FEATURES, &f);
}

struct vhost_kernel_mem_walk {
	const struct virtio_user_dev *dev;
	struct vhost_memory *mem;
	uint32_t max;
};

/* One region per memseg list, over its whole VA reservation; adjacent lists merge. */
static int
vhost_kernel_msl_add(const struct rte_memseg_list *msl, void *arg)
{
	struct vhost_kernel_mem_walk *w = arg;
	struct vhost_memory *mem = w->mem;
	uint64_t va = (uintptr_t)msl->base_va, len = msl->len;
	struct vhost_memory_region *r;
	uint32_t i;

	if (msl->base_va == NULL || len == 0)
		return 0;
	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		if (r->userspace_addr + r->memory_size == va) {
			r->memory_size += len;
			return 0;
		}
		if (va + len == r->userspace_addr) {
			r->userspace_addr = r->guest_phys_addr = va;
			r->memory_size += len;
			return 0;
		}
	}
	if (mem->nregions == w->max) {
		PMD_DRV_LOG(ERR, "%s: vhost-kernel %s: DPDK memory needs more than %u regions,"
			    " the limit of vhost (raise it with the vhost module parameter"
			    " max_mem_regions)", w->dev->name, w->dev->cfg.path, w->max);
		return -1;
	}
	r = &mem->regions[mem->nregions++];
	r->guest_phys_addr = va;
	r->userspace_addr = va;
	r->memory_size = len;
	r->flags_padding = 0;
	return 0;
}

/*
 * Descriptors carry virtual addresses, and vhost-net works in our address
 * space: guest-physical == user address.  External memory registered with
 * EAL is in our address space too, so it is mapped as well.
 * Contract: the caller holds the memory hotplug lock.
 */
static int
vhost_kernel_set_memory_table(struct virtio_user_dev *dev)
{
	struct vhost_kernel_data *data = dev->backend_data;
	struct vhost_kernel_mem_walk w = { .dev = dev, .max = data->max_regions };
	uint32_t i;
	int ret;

	w.mem = calloc(1, sizeof(*w.mem) + w.max * sizeof(w.mem->regions[0]));
	if (w.mem == NULL)
		return -ENOMEM;
	if (rte_memseg_list_walk_thread_unsafe(vhost_kernel_msl_add, &w) != 0) {
		free(w.mem);
		return -E2BIG;
	}
	for (i = 0; i < w.mem->nregions; i++)
		PMD_DRV_LOG(DEBUG, "%s: region %u: va 0x%" PRIx64 " size 0x%" PRIx64, dev->name,
			    i, (uint64_t)w.mem->regions[i].userspace_addr,
			    (uint64_t)w.mem->regions[i].memory_size);
	ret = vhost_kernel_ioctl_all(dev, VHOST_SET_MEM_TABLE, w.mem);
	free(w.mem);
	return ret;
}

/* The pair's vhost-net fd for virtqueue 'index'; *local is 0 (Rx) or 1 (Tx) there. */
static int
vhost_kernel_vring_fd(struct virtio_user_dev *dev, unsigned long req, uint32_t index,
		      unsigned int *local)
{
	struct vhost_kernel_data *data = dev->backend_data;

	if (index / 2 >= data->nb_pairs) {
		PMD_DRV_LOG(ERR, "%s: vhost-kernel %s: %s: vring %u is not a data vring of the"
			    " %u pair(s) opened", dev->name, dev->cfg.path,
			    vhost_kernel_ioctl_name(req), index, data->nb_pairs);
		return -EINVAL;
	}
	*local = index % 2;
	return data->vhostfds[index / 2];
}

static int
vhost_kernel_vring_state(struct virtio_user_dev *dev, unsigned long req,
			 struct vhost_vring_state *state)
{
	struct vhost_vring_state s = *state;
	int fd, ret;

	fd = vhost_kernel_vring_fd(dev, req, state->index, &s.index);
	if (fd < 0)
		return fd;
	ret = vhost_kernel_ioctl(dev, dev->cfg.path, fd, req, &s);
	if (ret == 0)
		state->num = s.num;
	return ret;
}

static int
vhost_kernel_set_vring_num(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_kernel_vring_state(dev, VHOST_SET_VRING_NUM, state);
}

static int
vhost_kernel_set_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_kernel_vring_state(dev, VHOST_SET_VRING_BASE, state);
}

static int
vhost_kernel_get_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_kernel_vring_state(dev, VHOST_GET_VRING_BASE, state);
}

static int
vhost_kernel_vring_file(struct virtio_user_dev *dev, unsigned long req,
			const struct vhost_vring_file *file)
{
	struct vhost_vring_file f = *file;
	int fd;

	fd = vhost_kernel_vring_fd(dev, req, file->index, &f.index);
	if (fd < 0)
		return fd;
	return vhost_kernel_ioctl(dev, dev->cfg.path, fd, req, &f);
}

static int
vhost_kernel_set_vring_call(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_kernel_vring_file(dev, VHOST_SET_VRING_CALL, file);
}

static int
vhost_kernel_set_vring_kick(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_kernel_vring_file(dev, VHOST_SET_VRING_KICK, file);
}

static int
vhost_kernel_set_vring_addr(struct virtio_user_dev *dev, struct vhost_vring_addr *addr)
{
	struct vhost_vring_addr a = *addr;
	int fd;

	fd = vhost_kernel_vring_fd(dev, VHOST_SET_VRING_ADDR, addr->index, &a.index);
	if (fd < 0)
		return fd;
	return vhost_kernel_ioctl(dev, dev->cfg.path, fd, VHOST_SET_VRING_ADDR, &a);
}

/* Plug tap queue 'tapfd' (or -1: unplug) into both vrings of the pair's vhost-net. */
static int
vhost_kernel_backend_set(struct virtio_user_dev *dev, uint16_t pair, int tapfd)
{
	struct vhost_kernel_data *data = dev->backend_data;
	struct vhost_vring_file f = { .fd = tapfd };
	int ret;

	for (f.index = 0; f.index < 2; f.index++) {
		ret = vhost_kernel_ioctl(dev, dev->cfg.path, data->vhostfds[pair],
					 VHOST_NET_SET_BACKEND, &f);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Enabling configures the tap queue for the negotiated features first.  The
 * tap is the kernel's side of our port (the exception path): a tap this
 * port created takes the port's MAC address, as with DPDK's stock driver, so
 * frames addressed to the port are the kernel's own; an existing tap named
 * with iface= keeps the address its owner gave it.
 */
static int
vhost_kernel_enable_qp(struct virtio_user_dev *dev, uint16_t pair, int enable)
{
	struct vhost_kernel_data *data = dev->backend_data;
	int ret;

	if (pair >= data->nb_pairs)
		return -EINVAL;
	if (data->enabled[pair] == !!enable)
		return 0;
	if (enable) {
		ret = vhost_kernel_tap_setup(dev, data->tapfds[pair], data->tap.ifname,
					     data->features);
		if (ret < 0)
			return ret;
		if (pair == 0 && data->tap.created && !data->mac_set) {
			ret = vhost_kernel_tap_set_mac(dev, data->tapfds[0], data->tap.ifname,
						       dev->hw.mac_addr.addr_bytes);
			if (ret < 0)
				return ret;
			data->mac_set = true;
		}
	}
	ret = vhost_kernel_backend_set(dev, pair, enable ? data->tapfds[pair] : -1);
	if (ret == 0)
		data->enabled[pair] = !!enable;
	return ret;
}

static int
vhost_kernel_get_max_queue_pairs(struct virtio_user_dev *dev, uint16_t *max_pairs)
{
	struct vhost_kernel_data *data = dev->backend_data;

	*max_pairs = data->nb_pairs;
	return 0;
}

const struct virtio_user_backend_ops virtio_ops_kernel = {
	.name = "vhost-kernel",
	.setup = vhost_kernel_setup,
	.destroy = vhost_kernel_destroy,
	.get_backend_features = vhost_kernel_get_backend_features,
	.set_owner = vhost_kernel_set_owner,
	.get_features = vhost_kernel_get_features,
	.set_features = vhost_kernel_set_features,
	.set_memory_table = vhost_kernel_set_memory_table,
	.set_vring_num = vhost_kernel_set_vring_num,
	.set_vring_base = vhost_kernel_set_vring_base,
	.get_vring_base = vhost_kernel_get_vring_base,
	.set_vring_call = vhost_kernel_set_vring_call,
	.set_vring_kick = vhost_kernel_set_vring_kick,
	.set_vring_addr = vhost_kernel_set_vring_addr,
	.enable_qp = vhost_kernel_enable_qp,
	.get_max_queue_pairs = vhost_kernel_get_max_queue_pairs,
};
