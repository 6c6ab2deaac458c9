/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_VHOST_H
#define VIRTIO_USER_VHOST_H

/*
 * The backend interface of virtio_user_dev: one op per vhost protocol step.
 * Three backends implement it: vhost-user (unix socket), vhost-kernel
 * (/dev/vhost-net + tap) and vhost-vdpa (/dev/vhost-vdpa-N).
 *
 * Contract for every op: returns 0 or a negative errno, and has logged the
 * failure once (device path, operation name, reason) before returning.
 * Optional ops are marked; the device model (virtio_user_dev.c) supplies the
 * default behaviour when a backend leaves one NULL, so backends never carry
 * stubs.
 *
 * Ordering the device model follows on start, per vring (comments in
 * virtio_user_dev.c say why): SET_VRING_CALL, NUM, BASE, ADDR, then KICK
 * last, because a backend may start processing as soon as it has the kick fd.
 */

#include <stdint.h>
#include <linux/vhost_types.h>

struct virtio_user_dev;

struct virtio_user_backend_ops {
	const char *name;	/* "vhost-user", "vhost-kernel", "vhost-vdpa" */

	/* Open the device or socket and allocate dev->backend_data. */
	int (*setup)(struct virtio_user_dev *dev);
	/* Close everything setup opened; safe on a half-set-up device. */
	int (*destroy)(struct virtio_user_dev *dev);

	/* Features the backend driver itself can carry (e.g. protocol bits). */
	int (*get_backend_features)(uint64_t *features);
	int (*set_owner)(struct virtio_user_dev *dev);
	int (*get_features)(struct virtio_user_dev *dev, uint64_t *features);
	int (*set_features)(struct virtio_user_dev *dev, uint64_t features);
	/* Describe DPDK's memory to the backend (all of it, re-sent on hotplug). */
	int (*set_memory_table)(struct virtio_user_dev *dev);
	int (*set_vring_num)(struct virtio_user_dev *dev, struct vhost_vring_state *state);
	int (*set_vring_base)(struct virtio_user_dev *dev, struct vhost_vring_state *state);
	int (*get_vring_base)(struct virtio_user_dev *dev, struct vhost_vring_state *state);
	int (*set_vring_call)(struct virtio_user_dev *dev, struct vhost_vring_file *file);
	int (*set_vring_kick)(struct virtio_user_dev *dev, struct vhost_vring_file *file);
	int (*set_vring_addr)(struct virtio_user_dev *dev, struct vhost_vring_addr *addr);
	/* Enable or disable queue pair 'pair' (both its vrings). */
	int (*enable_qp)(struct virtio_user_dev *dev, uint16_t pair, int enable);

	/* Optional: how many queue pairs the backend serves (default: 1). */
	int (*get_max_queue_pairs)(struct virtio_user_dev *dev, uint16_t *max_pairs);
	/* Optional: device status (default: kept locally only). */
	int (*get_status)(struct virtio_user_dev *dev, uint8_t *status);
	int (*set_status)(struct virtio_user_dev *dev, uint8_t status);
	/* Optional: device config space (default: -ENOTSUP, device model emulates). */
	int (*get_config)(struct virtio_user_dev *dev, uint8_t *data, uint32_t off, uint32_t len);
	int (*set_config)(struct virtio_user_dev *dev, const uint8_t *data, uint32_t off,
			  uint32_t len);
	/*
	 * Optional: refresh dev->net_status (VIRTIO_NET_S_LINK_UP) from the
	 * backend's connection (default: link always up).
	 */
	int (*update_link_state)(struct virtio_user_dev *dev);
	/* Optional: fd that becomes readable on backend events (LSC), or -1. */
	int (*get_intr_fd)(struct virtio_user_dev *dev);
	/*
	 * Optional, both or neither: the connection lifecycle of a backend
	 * that can come back (virtio_user_conn.c drives them).  disconnect
	 * closes the connection (a server keeps listening).  connect makes one
	 * non-blocking attempt at a new connection -- accept a pending backend
	 * (server) or connect to cfg.path (client) -- and runs the
	 * per-connection protocol setup; -EAGAIN (unlogged): no backend yet.
	 */
	int (*connect)(struct virtio_user_dev *dev);
	int (*disconnect)(struct virtio_user_dev *dev);
	/* Optional: explicit DMA mapping (vDPA); default: nothing to do. */
	int (*dma_map)(struct virtio_user_dev *dev, void *addr, uint64_t iova, size_t len);
	int (*dma_unmap)(struct virtio_user_dev *dev, void *addr, uint64_t iova, size_t len);
};

extern const struct virtio_user_backend_ops virtio_ops_user;
extern const struct virtio_user_backend_ops virtio_ops_kernel;
extern const struct virtio_user_backend_ops virtio_ops_vdpa;

#endif /* VIRTIO_USER_VHOST_H */
