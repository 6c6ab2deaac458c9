/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_DEV_H
#define VIRTIO_USER_DEV_H

/*
 * The virtio-user device model: a virtio device whose "hardware" is a vhost
 * backend.  It owns feature negotiation, the status sequence, the kick/call
 * eventfds and the vring setup order; the backend ops (vhost.h) carry each
 * protocol step.  It never calls up into ethdev: link changes are reported
 * through the callback the ethdev layer passes down.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../virtio.h"
#include "virtio_user_args.h"
#include "vhost.h"

#define VIRTIO_USER_NAME_MAX 64

struct virtio_user_dev {
	struct virtio_hw hw;		/* first: hw <-> dev by container_of */
	char name[VIRTIO_USER_NAME_MAX];	/* vdev name, for logs */
	struct virtio_user_config cfg;
	const struct virtio_user_backend_ops *ops;
	void *backend_data;

	uint64_t device_features;	/* offered: backend's & ours & devargs */
	uint64_t features;		/* negotiated (driver's choice) */
	uint64_t emulated_features;	/* served by the device model, not the backend */
	uint8_t status;			/* virtio status as the driver set it */
	uint16_t net_status;		/* VIRTIO_NET_S_* as the device reports */
	uint16_t max_queue_pairs;	/* device limit */
	uint16_t queue_pairs;		/* enabled pairs */
	uint16_t nb_vrings;		/* 2 * max_queue_pairs (+1 if cq) */
	bool cq_emulated;		/* control queue served by the device model */

	int *callfds;			/* [nb_vrings], -1 when closed */
	int *kickfds;			/* [nb_vrings], -1 when closed */
	struct virtio_vq_layout *vrings;	/* [nb_vrings], from setup_queue */
	bool *vring_ready;		/* [nb_vrings], setup_queue was called */

	bool started;			/* vrings handed to the backend */
	bool mem_cb_registered;
	pthread_mutex_t mutex;		/* serialises start/stop/mem events */

	/* Link-state change notification towards the ethdev layer. */
	void (*lsc_cb)(void *arg);
	void *lsc_arg;
};

static inline struct virtio_user_dev *
virtio_user_dev_from_hw(struct virtio_hw *hw)
{
	return (struct virtio_user_dev *)hw;
}

int virtio_user_dev_init(struct virtio_user_dev *dev, const char *name,
			 const struct virtio_user_config *cfg);
void virtio_user_dev_uninit(struct virtio_user_dev *dev);
int virtio_user_dev_start(struct virtio_user_dev *dev);
int virtio_user_dev_stop(struct virtio_user_dev *dev);
int virtio_user_dev_set_features(struct virtio_user_dev *dev, uint64_t features);
int virtio_user_dev_set_status(struct virtio_user_dev *dev, uint8_t status);
int virtio_user_dev_set_queue_pairs(struct virtio_user_dev *dev, uint16_t pairs);
int virtio_user_dev_update_link_state(struct virtio_user_dev *dev);

extern const struct virtio_ops virtio_user_ops;

#endif /* VIRTIO_USER_DEV_H */
