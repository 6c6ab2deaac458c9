/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_LOGS_H
#define VIRTIO_LOGS_H

#include <rte_log.h>

/*
 * Log types are registered in virtio_user_ethdev.c.  Every message names the
 * device (port name or socket path) it is about; callers pass it explicitly.
 */
extern int virtio_logtype_init;
extern int virtio_logtype_driver;

#define PMD_INIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, virtio_logtype_init, \
		"%s(): " fmt "\n", __func__, ##__VA_ARGS__)

#define PMD_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, virtio_logtype_driver, \
		"%s(): " fmt "\n", __func__, ##__VA_ARGS__)

/* Datapath logs compile away unless RTE_LIBRTE_VIRTIO_DEBUG_RX/TX is set. */
#ifdef RTE_LIBRTE_VIRTIO_DEBUG_RX
#define PMD_RX_LOG(level, fmt, ...) PMD_DRV_LOG(level, "rx: " fmt, ##__VA_ARGS__)
#else
#define PMD_RX_LOG(level, fmt, ...) do { } while (0)
#endif
#ifdef RTE_LIBRTE_VIRTIO_DEBUG_TX
#define PMD_TX_LOG(level, fmt, ...) PMD_DRV_LOG(level, "tx: " fmt, ##__VA_ARGS__)
#else
#define PMD_TX_LOG(level, fmt, ...) do { } while (0)
#endif

#endif /* VIRTIO_LOGS_H */
