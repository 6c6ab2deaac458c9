/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_DEV_H
#define VIRTIO_USER_DEV_H

/*
 * The virtio-user device model: a virtio device whose "hardware" is a vhost
 * backend.  It owns feature negotiation, the status sequence, the kick/call
 * eventfds and the vring setup order; the backend ops (vhost.h) carry each
 * protocol step.  It never calls up into ethdev: link changes and resets are
 * returned by virtio_user_dev_intr_process() for the ethdev layer to report.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../virtio.h"
#include "virtio_user_args.h"
#include "virtio_user_cvq.h"
#include "vhost.h"

#define VIRTIO_USER_NAME_MAX 64

/*
 * Connection to the backend, an explicit state machine (STYLE rule 10):
 *
 *   RUNNING --(peer gone, protocol error)--> DISCONNECTED
 *   DISCONNECTED --(accepted / connected)--> NEGOTIATING
 *   NEGOTIATING --(features and queues still cover what is in use;
 *                  vrings replayed if started)--> RUNNING
 *   NEGOTIATING --(backend offers less than is in use)--> DISCONNECTED
 *   NEGOTIATING --(a vring is broken or inconsistent)--> NEEDS_RESET
 *   NEEDS_RESET --(driver stop + start: fresh rings)--> RUNNING
 *
 * Only RUNNING talks to the backend on behalf of the driver.  The link is up
 * exactly in RUNNING with a live connection.
 *
 * What the application observes while not RUNNING (the outage contract):
 * link down (an RTE_ETH_EVENT_INTR_LSC event on each change when it asked for
 * intr_conf.lsc); Rx bursts return 0; Tx bursts queue into the ring until it
 * is full, then return 0 (nothing is dropped by the driver); dev_start and
 * dev_stop succeed without a backend.  On RUNNING again the rings resume
 * by themselves where the last backend stopped (virtqueue_resume_base):
 * split rings from the used index it published, packed rings from the end
 * of the run of descriptors it marked used.  Buffers it had taken but not
 * completed are processed again (a Tx packet may be sent twice, never
 * corrupted); a packed chain it left half-reported (a later one marked used
 * before it, as DPDK vhost does within a burst) is completed with length 0:
 * that Tx packet counts as sent, that Rx buffer and the ones after it are
 * dropped and counted as errors.  Only a ring found inconsistent with what
 * the driver posted (it is marked broken), or broken already, leads to
 * NEEDS_RESET and an RTE_ETH_EVENT_INTR_RESET event: the application stops
 * its bursts on the port, calls rte_eth_dev_reset(), configures and starts
 * it again.
 */
enum virtio_user_conn_state {
	VIRTIO_USER_CONN_DISCONNECTED,
	VIRTIO_USER_CONN_NEGOTIATING,
	VIRTIO_USER_CONN_RUNNING,
	VIRTIO_USER_CONN_NEEDS_RESET,
};

/* Events virtio_user_dev_intr_process() reports to the ethdev layer. */
#define VIRTIO_USER_EV_LINK	(1u << 0)	/* link may have changed */
#define VIRTIO_USER_EV_RESET	(1u << 1)	/* entered NEEDS_RESET */

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
	struct virtio_user_cvq cvq;	/* its emulation (virtio_user_cvq.c) */

	int *callfds;			/* [nb_vrings], -1 when closed */
	int *kickfds;			/* [nb_vrings], -1 when closed */
	struct virtio_vq_layout *vrings;	/* [nb_vrings], from setup_queue */
	bool *vring_ready;		/* [nb_vrings], setup_queue was called */

	bool started;			/* driver set DRIVER_OK: the vrings are the device's */
	bool vrings_handed;		/* since start, a backend has had the vrings */
	bool mem_cb_registered;
	pthread_mutex_t mutex;		/* serialises start/stop/mem events/connection */

	/* Connection lifecycle (virtio_user_conn.c), under 'mutex'. */
	enum virtio_user_conn_state conn_state;
	int epoll_fd;			/* the device's interrupt fd: backend fd + timer */
	int timer_fd;			/* client reconnect backoff, -1 if none */
	int watched_fd;			/* backend fd currently in epoll_fd, or -1 */
	uint32_t backoff_ms;		/* next client reconnect delay */
	unsigned int reconnects;	/* successful reconnections, for logs */
	bool refusal_logged;		/* a refused backend was reported at ERR */
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

/*
 * Interrupt side (virtio_user_conn.c).  virtio_user_dev_intr_fd() is stable
 * for the device's life (an epoll fd over the backend's current fd and the
 * reconnect timer), or -1 if the backend cannot report events.  The ethdev
 * layer registers it with EAL (RTE_INTR_HANDLE_EXT); on every wake-up it
 * calls virtio_user_dev_intr_process() from EAL's interrupt thread, which
 * runs the state machine and returns VIRTIO_USER_EV_* for the ethdev layer
 * to turn into link updates and ethdev events (no upward calls from here).
 */
int virtio_user_dev_intr_fd(const struct virtio_user_dev *dev);
unsigned int virtio_user_dev_intr_process(struct virtio_user_dev *dev);

/* ---- internal to the device model files ---- */
int virtio_user_conn_init(struct virtio_user_dev *dev);
void virtio_user_conn_uninit(struct virtio_user_dev *dev);
/* SET_VRING_BASE of a started vring a dead backend had; -ENOTSUP: cannot resume. */
int virtio_user_conn_vring_base(struct virtio_user_dev *dev, uint16_t i, uint32_t *base);
/* With the memory read lock and mutex held: hand the vrings to the backend. */
int virtio_user_dev_backend_start(struct virtio_user_dev *dev, bool resume);
int virtio_user_dev_features_init(struct virtio_user_dev *dev);


#endif /* VIRTIO_USER_DEV_H */
