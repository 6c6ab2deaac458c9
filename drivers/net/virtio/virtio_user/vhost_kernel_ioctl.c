/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named ioctls for the vhost-kernel and vhost-vdpa backends: the request
 * table (number -> name) and the one failure log line both use.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rte_common.h>

/* virtio_user_dev.h first: its virtio.h must precede <linux/virtio_config.h>. */
#include "virtio_user_dev.h"
#include "../virtio_logs.h"
#include "vhost_kernel_ioctl.h"

#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/vhost.h>

#define VHOST_KERNEL_IOCTL(req) { (unsigned long)(req), #req }

/* Every request the two kernel backends issue. */
static const struct vhost_kernel_ioctl_info {
	unsigned long req;
	const char *name;
} vhost_kernel_ioctls[] = {
	/* vhost (both backends) */
	VHOST_KERNEL_IOCTL(VHOST_GET_FEATURES),
	VHOST_KERNEL_IOCTL(VHOST_SET_FEATURES),
	VHOST_KERNEL_IOCTL(VHOST_SET_OWNER),
	VHOST_KERNEL_IOCTL(VHOST_SET_MEM_TABLE),
	VHOST_KERNEL_IOCTL(VHOST_SET_VRING_NUM),
	VHOST_KERNEL_IOCTL(VHOST_SET_VRING_ADDR),
	VHOST_KERNEL_IOCTL(VHOST_SET_VRING_BASE),
	VHOST_KERNEL_IOCTL(VHOST_GET_VRING_BASE),
	VHOST_KERNEL_IOCTL(VHOST_SET_VRING_KICK),
	VHOST_KERNEL_IOCTL(VHOST_SET_VRING_CALL),
	VHOST_KERNEL_IOCTL(VHOST_SET_BACKEND_FEATURES),
	VHOST_KERNEL_IOCTL(VHOST_GET_BACKEND_FEATURES),
	/* vhost-net */
	VHOST_KERNEL_IOCTL(VHOST_NET_SET_BACKEND),
	/* vhost-vdpa */
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_DEVICE_ID),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_STATUS),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_SET_STATUS),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_CONFIG),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_SET_CONFIG),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_SET_VRING_ENABLE),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_VRING_NUM),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_CONFIG_SIZE),
	VHOST_KERNEL_IOCTL(VHOST_VDPA_GET_VQS_COUNT),
	/* tun/tap */
	VHOST_KERNEL_IOCTL(TUNSETIFF),
	VHOST_KERNEL_IOCTL(TUNGETIFF),
	VHOST_KERNEL_IOCTL(TUNGETFEATURES),
	VHOST_KERNEL_IOCTL(TUNSETOFFLOAD),
	VHOST_KERNEL_IOCTL(TUNSETVNETHDRSZ),
	VHOST_KERNEL_IOCTL(SIOCSIFHWADDR),
};

const char *
vhost_kernel_ioctl_name(unsigned long req)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(vhost_kernel_ioctls); i++)
		if (vhost_kernel_ioctls[i].req == req)
			return vhost_kernel_ioctls[i].name;
	return "UNKNOWN";
}

int
vhost_kernel_ioctl_try(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

void
vhost_kernel_ioctl_log(const struct virtio_user_dev *dev, const char *file,
		       unsigned long req, int err, const char *hint)
{
	PMD_DRV_LOG(ERR, "%s: %s %s: %s failed: %s%s%s%s", dev->name, dev->ops->name, file,
		    vhost_kernel_ioctl_name(req), strerror(-err), hint ? " (" : "",
		    hint ? hint : "", hint ? ")" : "");
}

int
vhost_kernel_ioctl(const struct virtio_user_dev *dev, const char *file, int fd,
		   unsigned long req, void *arg)
{
	int ret = vhost_kernel_ioctl_try(fd, req, arg);

	if (ret < 0)
		vhost_kernel_ioctl_log(dev, file, req, ret, NULL);
	return ret;
}

int
vhost_kernel_dev_open(const struct virtio_user_dev *dev, const char *backend,
		      const char *nodev_hint)
{
	const char *hint = "";
	int fd, err;

	fd = open(dev->cfg.path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		hint = nodev_hint;
	else if (err == EACCES || err == EPERM)
		hint = " (needs read-write access to the device: root, or its owner or group)";
	else if (err == EBUSY)
		hint = " (another process has the device open)";
	PMD_INIT_LOG(ERR, "%s: %s: cannot open %s: %s%s", dev->name, backend, dev->cfg.path,
		     strerror(err), hint);
	return -err;
}
