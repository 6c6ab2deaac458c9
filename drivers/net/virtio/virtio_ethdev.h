/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_ETHDEV_H
#define VIRTIO_ETHDEV_H

#include <ethdev_driver.h>

#include "virtio.h"

/* Largest frame the Rx path accepts without a device MTU (as the stock driver). */
#define VIRTIO_MAX_RX_PKTLEN	9728u
#define VIRTIO_MIN_RX_BUFSIZE	64u

/*
 * Turn a port whose dev_private starts with a struct virtio_hw, and whose
 * transport (hw->ops) is ready, into a virtio-net ethdev: reset the device,
 * read its offer and config, install the ethdev ops.  Returns 0 or -errno;
 * on error nothing of the transport is released (the caller owns it).
 */
int virtio_ethdev_init(struct rte_eth_dev *eth_dev);

/*
 * A secondary process's view of a port the primary probed: stats, xstats,
 * infos and link only; bursts return 0 with rte_errno ENOTSUP (why: see
 * virtio_ethdev.c).
 */
void virtio_ethdev_init_secondary(struct rte_eth_dev *eth_dev);

#endif /* VIRTIO_ETHDEV_H */
