/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-kernel backend.  Not implemented yet: probe fails cleanly with a message that
 * says so.  (Tracked as its own issue; the ops table is the interface.)
 */

#include <errno.h>

#include "../virtio_logs.h"
#include "virtio_user_dev.h"

static int
vhost_kernel_setup(struct virtio_user_dev *dev)
{
	PMD_INIT_LOG(ERR, "%s: %s: the vhost-kernel backend is not supported yet",
		     dev->name, dev->cfg.path);
	return -ENOTSUP;
}

static int
vhost_kernel_destroy(struct virtio_user_dev *dev)
{
	dev->backend_data = NULL;
	return 0;
}

const struct virtio_user_backend_ops virtio_ops_kernel = {
	.name = "vhost-kernel",
	.setup = vhost_kernel_setup,
	.destroy = vhost_kernel_destroy,
};
