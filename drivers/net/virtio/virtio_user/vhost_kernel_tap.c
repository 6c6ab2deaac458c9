/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tap queues for the vhost-kernel backend: create or attach, vnet header,
 * offloads and MAC address.  Every failure is logged once here, naming the
 * tap and the ioctl.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>

/* virtio_user_dev.h first: its virtio.h must precede <linux/virtio_config.h>. */
#include "virtio_user_dev.h"
#include "../virtio_logs.h"
#include "vhost_kernel_ioctl.h"
#include "vhost_kernel_tap.h"

#include <linux/if_tun.h>

#define VHOST_KERNEL_TUN_PATH	"/dev/net/tun"

/* "tap <name>" for log lines. */
static const char *
vhost_kernel_tap_label(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len, "tap %s", ifname);
	return buf;
}

static const char *
vhost_kernel_tap_hint(int err, bool multi_queue)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "creating or attaching a tap needs CAP_NET_ADMIN";
	case EBUSY:
		return multi_queue ? "the tap is in use, or has no free queue" :
			"the tap is in use by another process";
	case EINVAL:
		return "an interface of that name exists and is not a tap with the same"
			" IFF_MULTI_QUEUE setting";
	default:
		return NULL;
	}
}

static int
vhost_kernel_tun_open(const struct virtio_user_dev *dev)
{
	int fd, err;

	fd = open(VHOST_KERNEL_TUN_PATH, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	PMD_INIT_LOG(ERR, "%s: vhost-kernel: cannot open %s: %s%s", dev->name,
		     VHOST_KERNEL_TUN_PATH, strerror(err),
		     err == ENOENT || err == ENODEV ? " (is the tun module loaded?)" :
		     err == EACCES || err == EPERM ? " (needs read-write access)" : "");
	return -err;
}

/* TUNSETIFF on 'fd'; an existing single-queue tap is accepted for one pair. */
static int
vhost_kernel_tap_attach(const struct virtio_user_dev *dev, int fd, const char *name,
			unsigned int flags, uint16_t pairs)
{
	char label[IFNAMSIZ + 8];
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (short)flags;
	ret = vhost_kernel_ioctl_try(fd, TUNSETIFF, &ifr);
	if (ret == -EINVAL && (flags & IFF_MULTI_QUEUE) && pairs == 1) {
		ifr.ifr_flags = (short)(flags & ~IFF_MULTI_QUEUE);
		ret = vhost_kernel_ioctl_try(fd, TUNSETIFF, &ifr);
	}
	if (ret < 0)
		vhost_kernel_ioctl_log(dev, vhost_kernel_tap_label(label, sizeof(label), name),
				       TUNSETIFF, ret, vhost_kernel_tap_hint(ret, pairs > 1));
	return ret;
}

/* Learn the name and flags the kernel gave the first queue. */
static int
vhost_kernel_tap_query(const struct virtio_user_dev *dev, int fd, const char *name,
		       uint16_t pairs, struct vhost_kernel_tap_info *info)
{
	char label[IFNAMSIZ + 8];
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = vhost_kernel_ioctl(dev, vhost_kernel_tap_label(label, sizeof(label), name), fd,
				 TUNGETIFF, &ifr);
	if (ret < 0)
		return ret;
	snprintf(info->ifname, sizeof(info->ifname), "%s", ifr.ifr_name);
	info->multi_queue = (ifr.ifr_flags & IFF_MULTI_QUEUE) != 0;
	info->vnet_hdr = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	if (pairs > 1 && !info->multi_queue) {
		PMD_INIT_LOG(ERR, "%s: vhost-kernel tap %s: %u queue pairs need a multi-queue"
			     " tap", dev->name, info->ifname, pairs);
		return -ENOTSUP;
	}
	return 0;
}

/* Flags for TUNSETIFF from what this kernel's tun supports. */
static int
vhost_kernel_tap_flags(const struct virtio_user_dev *dev, int fd, uint16_t pairs,
		       unsigned int *flags)
{
	unsigned int features = 0;
	int ret;

	ret = vhost_kernel_ioctl(dev, VHOST_KERNEL_TUN_PATH, fd, TUNGETFEATURES, &features);
	if (ret < 0)
		return ret;
	if (!(features & IFF_VNET_HDR)) {
		PMD_INIT_LOG(ERR, "%s: vhost-kernel: this kernel's tun has no IFF_VNET_HDR",
			     dev->name);
		return -ENOTSUP;
	}
	if (pairs > 1 && !(features & IFF_MULTI_QUEUE)) {
		PMD_INIT_LOG(ERR, "%s: vhost-kernel: %u queue pairs need IFF_MULTI_QUEUE, which"
			     " this kernel's tun lacks", dev->name, pairs);
		return -ENOTSUP;
	}
	*flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (features & IFF_NAPI)
		*flags |= IFF_NAPI;
	/* Multi-queue whenever possible, so that more pairs can follow later. */
	if (features & IFF_MULTI_QUEUE)
		*flags |= IFF_MULTI_QUEUE;
	return 0;
}

int
vhost_kernel_tap_open(const struct virtio_user_dev *dev, const char *name,
		      uint16_t pairs, struct vhost_kernel_tap_info *info)
{
	bool first = info->ifname[0] == '\0';
	unsigned int flags;
	int fd, ret;

	fd = vhost_kernel_tun_open(dev);
	if (fd < 0)
		return fd;
	if (first) {
		ret = vhost_kernel_tap_flags(dev, fd, pairs, &flags);
		if (ret < 0)
			goto err;
		info->created = strchr(name, '%') != NULL || if_nametoindex(name) == 0;
		ret = vhost_kernel_tap_attach(dev, fd, name, flags, pairs);
		if (ret == 0)
			ret = vhost_kernel_tap_query(dev, fd, name, pairs, info);
		info->flags = flags;
	} else {
		ret = vhost_kernel_tap_attach(dev, fd, info->ifname, info->flags, pairs);
	}
	if (ret < 0)
		goto err;
	return fd;
err:
	close(fd);
	return ret;
}

static unsigned int
vhost_kernel_tap_offloads(uint64_t features)
{
	unsigned int off = 0;

	/* Without GUEST_CSUM the driver takes only complete, checksummed packets. */
	if (!(features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	off |= TUN_F_CSUM;
	if (features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4))
		off |= TUN_F_TSO4;
	if (features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6))
		off |= TUN_F_TSO6;
	if ((off & (TUN_F_TSO4 | TUN_F_TSO6)) &&
	    (features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN)))
		off |= TUN_F_TSO_ECN;
	return off;
}

int
vhost_kernel_tap_setup(const struct virtio_user_dev *dev, int fd, const char *ifname,
		       uint64_t features)
{
	char label[IFNAMSIZ + 8];
	int hdr_len = features & (VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				  VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)) ? 12 : 10;
	unsigned long off = vhost_kernel_tap_offloads(features);
	int ret;

	vhost_kernel_tap_label(label, sizeof(label), ifname);
	ret = vhost_kernel_ioctl(dev, label, fd, TUNSETVNETHDRSZ, &hdr_len);
	if (ret < 0)
		return ret;
	/* TUNSETOFFLOAD takes its argument by value. */
	return vhost_kernel_ioctl(dev, label, fd, TUNSETOFFLOAD, (void *)off);
}

int
vhost_kernel_tap_set_mac(const struct virtio_user_dev *dev, int fd, const char *ifname,
			 const uint8_t mac[6])
{
	char label[IFNAMSIZ + 8];
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return vhost_kernel_ioctl(dev, vhost_kernel_tap_label(label, sizeof(label), ifname), fd,
				  SIOCSIFHWADDR, &ifr);
}
