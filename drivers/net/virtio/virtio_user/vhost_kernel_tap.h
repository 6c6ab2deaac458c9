/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_VHOST_KERNEL_TAP_H
#define VIRTIO_USER_VHOST_KERNEL_TAP_H

/*
 * The tap side of the vhost-kernel backend: vhost-net moves packets between
 * the vrings and a tap queue; the tap is where they enter and leave the
 * kernel's network stack.  One tap queue (one fd) per queue pair, all queues
 * of one interface.  The tap carries the virtio-net header (IFF_VNET_HDR), so
 * checksum and segmentation offloads are the tap's, not vhost-net's.
 */

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

struct virtio_user_dev;

/* What the caller learns from opening the first queue of a tap. */
struct vhost_kernel_tap_info {
	char ifname[IFNAMSIZ];	/* the interface the kernel attached us to */
	bool multi_queue;	/* IFF_MULTI_QUEUE in force */
	bool vnet_hdr;		/* IFF_VNET_HDR in force */
	bool created;		/* no interface of that name existed before */
	unsigned int flags;	/* TUNSETIFF flags for further queues */
};

/*
 * Open one queue of tap 'name' and return its fd, or a negative errno
 * (logged).  'name' is a name or a template such as "tap%d".  'pairs' is how
 * many queues the caller will open: more than one needs IFF_MULTI_QUEUE.
 * The first call (info->ifname[0] == '\0') fills 'info'; later calls attach
 * further queues to info->ifname.
 */
int vhost_kernel_tap_open(const struct virtio_user_dev *dev, const char *name,
			  uint16_t pairs, struct vhost_kernel_tap_info *info);

/*
 * Match the tap queue to the negotiated virtio features: vnet header size
 * (10 or 12 bytes) and the offloads the driver accepts on receive.
 */
int vhost_kernel_tap_setup(const struct virtio_user_dev *dev, int fd, const char *ifname,
			   uint64_t features);

/* Give the interface the MAC address 'mac' (SIOCSIFHWADDR). */
int vhost_kernel_tap_set_mac(const struct virtio_user_dev *dev, int fd, const char *ifname,
			     const uint8_t mac[6]);

#endif /* VIRTIO_USER_VHOST_KERNEL_TAP_H */
