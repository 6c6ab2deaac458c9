/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-vdpa backend.  Not implemented yet: probe fails cleanly with a message that
 * says so.  (Tracked as its own issue; the ops table is the interface.)
 */

#include <errno.h>

#include "../virtio_logs.h"
#include "virtio_user_dev.h"

static int
vhost_vdpa_setup(struct virtio_user_dev *dev)
{
	PMD_INIT_LOG(ERR, "%s: %s: the vhost-vdpa backend is not supported yet",
		     dev->name, dev->cfg.path);
	return -ENOTSUP;
}

static int
vhost_vdpa_destroy(struct virtio_user_dev *dev)
{
	dev->backend_data = NULL;
	return 0;
}

const struct virtio_user_backend_ops virtio_ops_vdpa = {
	.name = "vhost-vdpa",
	.setup = vhost_vdpa_setup,
	.destroy = vhost_vdpa_destroy,
};
