/* SPDX-License-Identifier: BSD-3-Clause */
/* Temporary skeleton while the pieces land (the lead keeps the full file aside). */

#include <errno.h>

#include <rte_common.h>
#include <rte_log.h>
#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#include "virtio_logs.h"
#include "virtio_user/virtio_user_args.h"

RTE_LOG_REGISTER(virtio_logtype_init, pmd.net.virtio.init, NOTICE);
RTE_LOG_REGISTER(virtio_logtype_driver, pmd.net.virtio.driver, NOTICE);

static int
virtio_user_pmd_probe(struct rte_vdev_device *vdev)
{
	PMD_INIT_LOG(ERR, "%s: not implemented yet", rte_vdev_device_name(vdev));
	return -ENOTSUP;
}

static int
virtio_user_pmd_remove(struct rte_vdev_device *vdev)
{
	RTE_SET_USED(vdev);
	return 0;
}

static struct rte_vdev_driver virtio_user_driver = {
	.probe = virtio_user_pmd_probe,
	.remove = virtio_user_pmd_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_user, virtio_user_driver);
RTE_PMD_REGISTER_ALIAS(net_virtio_user, virtio_user);
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_user, VIRTIO_USER_PARAM_STRING);
