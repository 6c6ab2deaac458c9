/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_VHOST_KERNEL_IOCTL_H
#define VIRTIO_USER_VHOST_KERNEL_IOCTL_H

/*
 * ioctl() for the two kernel backends (vhost-net with its taps, vhost-vdpa):
 * one place that turns a request number into its name, so every failure is
 * logged as "<port>: <backend> <file>: <REQUEST> failed: <reason>" and never
 * as a bare number.
 */

#include <stdbool.h>

struct virtio_user_dev;

/* "VHOST_SET_OWNER", "TUNSETIFF", ...; "UNKNOWN" for a request not in the table. */
const char *vhost_kernel_ioctl_name(unsigned long req);

/*
 * ioctl(fd, req, arg), retried on EINTR.  Returns 0 or a negative errno and
 * logs nothing: for requests whose failure the caller handles (probing).
 */
int vhost_kernel_ioctl_try(int fd, unsigned long req, void *arg);

/*
 * The failure line for 'req' on 'file' (the device path or "tap <name>"),
 * with ' (<hint>)' appended when hint != NULL.  'err' is a negative errno.
 */
void vhost_kernel_ioctl_log(const struct virtio_user_dev *dev, const char *file,
			    unsigned long req, int err, const char *hint);

/* vhost_kernel_ioctl_try() that logs a failure (without a hint). */
int vhost_kernel_ioctl(const struct virtio_user_dev *dev, const char *file, int fd,
		       unsigned long req, void *arg);

/*
 * Open dev->cfg.path read-write for 'backend' ("vhost-kernel", "vhost-vdpa").
 * Returns the fd, or a negative errno after one line that says why, with the
 * backend's hint for a missing device (ENOENT/ENODEV/ENXIO) and a common one
 * for permission (EACCES/EPERM) and a device already in use (EBUSY).
 */
int vhost_kernel_dev_open(const struct virtio_user_dev *dev, const char *backend,
			  const char *nodev_hint);

#endif /* VIRTIO_USER_VHOST_KERNEL_IOCTL_H */
