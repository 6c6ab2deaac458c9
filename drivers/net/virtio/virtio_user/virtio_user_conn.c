/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection lifecycle of a virtio-user device (the state machine and the
 * outage contract are in virtio_user_dev.h): loss detection, accept (server)
 * or reconnect with a bounded backoff (client), renegotiation, and the replay
 * of memory table, vrings, queue pairs and status -- all in EAL's interrupt
 * thread, under the memory hotplug read lock and dev->mutex, the order
 * virtio_user_dev_start uses.
 *
 * One epoll fd is the device's interrupt fd for its whole life: the backend's
 * current fd (the connection, or a server's listening socket while it waits
 * for a backend) and the client's reconnect timer are added to and removed
 * from it as the state changes, so EAL's registration never has to change,
 * and no callback ever unregisters itself.
 *
 * The datapath keeps running on application lcores throughout.  The vrings
 * stay as they are while the backend is away, and a new backend resumes them
 * where the dead one stopped (virtio_user_conn_vring_base); only a ring found
 * inconsistent (or broken) makes the device ask for a reset.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal_memconfig.h>

#include "../virtio_logs.h"
#include "../virtqueue_resume.h"
#include "virtio_user_dev.h"

/* Client reconnect delay: doubles from the first value up to the cap. */
#define VIRTIO_USER_BACKOFF_FIRST_MS	20u
#define VIRTIO_USER_BACKOFF_MAX_MS	500u

/* epoll_event.data.u32 tags. */
enum virtio_user_ep_tag {
	VIRTIO_USER_EP_BACKEND = 1,
	VIRTIO_USER_EP_TIMER,
};

static const char *const virtio_user_conn_state_names[] = {
	[VIRTIO_USER_CONN_DISCONNECTED] = "disconnected",
	[VIRTIO_USER_CONN_NEGOTIATING] = "negotiating",
	[VIRTIO_USER_CONN_RUNNING] = "running",
	[VIRTIO_USER_CONN_NEEDS_RESET] = "needs-reset",
};

static bool
virtio_user_conn_capable(const struct virtio_user_dev *dev)
{
	return dev->ops->connect != NULL && dev->ops->disconnect != NULL &&
	       dev->ops->get_intr_fd != NULL;
}

/* Called before the backend closes the watched fd (closing would drop it silently). */
static void
virtio_user_conn_unwatch(struct virtio_user_dev *dev)
{
	if (dev->watched_fd >= 0)
		(void)epoll_ctl(dev->epoll_fd, EPOLL_CTL_DEL, dev->watched_fd, NULL);
	dev->watched_fd = -1;
}

/* Make epoll_fd watch the backend's current fd (none while a client waits). */
static int
virtio_user_conn_watch(struct virtio_user_dev *dev)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP,
		.data.u32 = VIRTIO_USER_EP_BACKEND,
	};
	int fd = dev->ops->get_intr_fd(dev), ret;

	if (fd == dev->watched_fd)
		return 0;
	virtio_user_conn_unwatch(dev);
	if (fd < 0)
		return 0;
	if (epoll_ctl(dev->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		PMD_DRV_LOG(ERR, "%s: %s: cannot watch the backend's fd %d: %s; backend events"
			    " will be missed", dev->name, dev->cfg.path, fd, strerror(-ret));
		return ret;
	}
	dev->watched_fd = fd;
	return 0;
}

/* Client: try again after the current backoff, then double it (capped). */
static void
virtio_user_conn_timer_arm(struct virtio_user_dev *dev)
{
	struct itimerspec its = {
		.it_value = {
			.tv_sec = dev->backoff_ms / 1000,
			.tv_nsec = (long)(dev->backoff_ms % 1000) * 1000000L,
		},
	};

	if (dev->timer_fd < 0)
		return;
	if (timerfd_settime(dev->timer_fd, 0, &its, NULL) < 0)
		PMD_DRV_LOG(ERR, "%s: %s: cannot arm the reconnect timer: %s",
			    dev->name, dev->cfg.path, strerror(errno));
	dev->backoff_ms = RTE_MIN(dev->backoff_ms * 2, VIRTIO_USER_BACKOFF_MAX_MS);
}

/* Close the connection and wait for the next one: link down. */
static void
virtio_user_conn_drop(struct virtio_user_dev *dev)
{
	virtio_user_conn_unwatch(dev);
	(void)dev->ops->disconnect(dev);
	dev->conn_state = VIRTIO_USER_CONN_DISCONNECTED;
	dev->net_status &= ~VIRTIO_NET_S_LINK_UP;
	virtio_user_conn_timer_arm(dev);
	(void)virtio_user_conn_watch(dev);
}

static void
virtio_user_conn_lost(struct virtio_user_dev *dev, const char *why)
{
	PMD_DRV_LOG(WARNING, "%s: %s: backend %s; link down, %s", dev->name, dev->cfg.path,
		    why, dev->cfg.server ? "waiting for a backend to connect" :
		    "reconnecting");
	dev->backoff_ms = VIRTIO_USER_BACKOFF_FIRST_MS;
	virtio_user_conn_drop(dev);
}

/*
 * Is the connection still good after epoll reported 'events' on it?  The
 * backend never speaks unasked on this channel, and replies are read under
 * dev->mutex, which we hold: readable data now is a protocol violation.
 */
static const char *
virtio_user_conn_check(struct virtio_user_dev *dev, uint32_t events)
{
	if (dev->ops->update_link_state != NULL) {
		(void)dev->ops->update_link_state(dev);
		if (!(dev->net_status & VIRTIO_NET_S_LINK_UP))
			return "connection closed";
	}
	if (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
		return "connection closed";
	if (events & EPOLLIN)
		return "sent a message nobody asked for; closing the connection";
	return NULL;
}

/* A refusal is logged at ERR once per outage, then at DEBUG on each retry. */
#define VIRTIO_USER_REFUSE_LOG(dev, fmt, ...) do { \
	rte_log((dev)->refusal_logged ? RTE_LOG_DEBUG : RTE_LOG_ERR, virtio_logtype_driver, \
		"%s(): %s: %s: refusing the new backend: " fmt "\n", __func__, (dev)->name, \
		(dev)->cfg.path, ##__VA_ARGS__); \
	(dev)->refusal_logged = true; \
} while (0)

/*
 * A new backend must cover what the driver is using: every negotiated
 * feature, and every queue pair the device exposes.  Otherwise it would be
 * silently mis-driven; it is refused and the link stays down.
 */
static int
virtio_user_conn_check_offer(struct virtio_user_dev *dev)
{
	uint64_t in_use = 0, missing;
	uint16_t max = 1;
	int ret;

	if (dev->status & VIRTIO_CONFIG_STATUS_FEATURES_OK)
		in_use = dev->features;
	missing = in_use & ~dev->device_features;
	if (missing != 0) {
		VIRTIO_USER_REFUSE_LOG(dev, "it lacks features 0x%" PRIx64 " in use (in use 0x%"
				       PRIx64 ", offered 0x%" PRIx64 "); link stays down",
				       missing, in_use, dev->device_features);
		return -EPROTO;
	}
	if (dev->max_queue_pairs > 1 && dev->ops->get_max_queue_pairs != NULL) {
		ret = dev->ops->get_max_queue_pairs(dev, &max);
		if (ret < 0)
			return ret;
	}
	if (dev->max_queue_pairs > 1 && max < dev->max_queue_pairs) {
		VIRTIO_USER_REFUSE_LOG(dev, "it serves %u queue pairs, the device exposes %u;"
				       " link stays down", max, dev->max_queue_pairs);
		return -EPROTO;
	}
	return 0;
}

/* Kick every backend vring once: kicks written during the outage went nowhere. */
static void
virtio_user_conn_kick_all(struct virtio_user_dev *dev)
{
	uint64_t one = 1;
	uint16_t i;

	for (i = 0; i < 2 * dev->max_queue_pairs; i++)
		if (dev->vring_ready[i] && write(dev->kickfds[i], &one, sizeof(one)) < 0 &&
		    errno != EAGAIN)
			PMD_DRV_LOG(DEBUG, "%s: kick vring %u: %s", dev->name, i, strerror(errno));
}

/*
 * SET_VRING_BASE for vring i of a started device that an earlier backend had:
 * where the driver's virtqueue says the dead backend stopped
 * (virtqueue_resume_base: split, its used index; packed, the end of the run
 * it marked used, completing a chain it left half-reported).  Called before
 * any message to the new backend, so the ring is nobody's device side.
 * -ENOTSUP (logged there) when the ring cannot be resumed in place.
 */
int
virtio_user_conn_vring_base(struct virtio_user_dev *dev, uint16_t i, uint32_t *base)
{
	struct virtqueue *vq = i < dev->hw.nb_vqs ? dev->hw.vqs[i] : NULL;
	int ret;

	if (vq == NULL)
		return -ENOTSUP;
	ret = virtqueue_resume_base(vq, base);
	if (ret == -EIO)
		PMD_DRV_LOG(ERR, "%s: %s: vring %u is broken, it cannot be resumed",
			    dev->name, dev->cfg.path, i);
	return ret < 0 ? -ENOTSUP : 0;
}

/*
 * NEGOTIATING: the same ordered init as the first start -- owner, features
 * (offer re-read and re-checked), then, if the driver has the device
 * started, memory table, vrings resumed in place, queue pairs, status.
 * -ENOTSUP: the rings cannot be resumed (the caller goes to NEEDS_RESET).
 */
static int
virtio_user_conn_negotiate(struct virtio_user_dev *dev)
{
	int ret;

	dev->conn_state = VIRTIO_USER_CONN_NEGOTIATING;
	ret = dev->ops->set_owner(dev);
	if (ret == 0)
		ret = virtio_user_dev_features_init(dev);
	if (ret == 0)
		ret = virtio_user_conn_check_offer(dev);
	if (ret < 0 || !dev->started)
		return ret;
	ret = virtio_user_dev_backend_start(dev, true);
	if (ret < 0)
		return ret;
	if (dev->ops->set_status != NULL)
		(void)dev->ops->set_status(dev, dev->status);	/* advisory, logged there */
	virtio_user_conn_kick_all(dev);
	return 0;
}

/* DISCONNECTED: one attempt; on success the device runs again. */
static void
virtio_user_conn_try(struct virtio_user_dev *dev)
{
	int ret;

	ret = dev->ops->connect(dev);
	if (ret == -EAGAIN) {
		virtio_user_conn_timer_arm(dev);
		return;
	}
	if (ret == 0)
		ret = virtio_user_conn_negotiate(dev);
	if (ret == -ENOTSUP) {
		dev->conn_state = VIRTIO_USER_CONN_NEEDS_RESET;
		(void)virtio_user_conn_watch(dev);
		PMD_DRV_LOG(ERR, "%s: %s: backend back, but a vring cannot be resumed in place"
			    " (see above): link stays down until the application resets the"
			    " port (RTE_ETH_EVENT_INTR_RESET, rte_eth_dev_reset)", dev->name,
			    dev->cfg.path);
		return;
	}
	if (ret < 0) {
		virtio_user_conn_drop(dev);
		return;
	}
	dev->conn_state = VIRTIO_USER_CONN_RUNNING;
	dev->net_status |= VIRTIO_NET_S_LINK_UP;
	dev->backoff_ms = VIRTIO_USER_BACKOFF_FIRST_MS;
	dev->refusal_logged = false;
	dev->reconnects++;
	(void)virtio_user_conn_watch(dev);
	PMD_DRV_LOG(NOTICE, "%s: %s: backend %s (reconnection %u), link up", dev->name,
		    dev->cfg.path, dev->cfg.server ? "connected" : "reachable again",
		    dev->reconnects);
}

unsigned int
virtio_user_dev_intr_process(struct virtio_user_dev *dev)
{
	struct epoll_event evs[4];
	enum virtio_user_conn_state before;
	uint32_t backend_ev = 0;
	bool timer = false;
	unsigned int out = 0;
	const char *why;
	uint64_t ticks;
	int n, i;

	if (dev->epoll_fd < 0)
		return 0;
	/* Lock order of virtio_user_dev_start: memory hotplug lock, then mutex. */
	rte_mcfg_mem_read_lock();
	pthread_mutex_lock(&dev->mutex);
	before = dev->conn_state;
	n = epoll_wait(dev->epoll_fd, evs, RTE_DIM(evs), 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 == VIRTIO_USER_EP_BACKEND)
			backend_ev |= evs[i].events;
		else if (read(dev->timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
			timer = true;
	}
	switch (dev->conn_state) {
	case VIRTIO_USER_CONN_RUNNING:
	case VIRTIO_USER_CONN_NEEDS_RESET:
		why = backend_ev != 0 ? virtio_user_conn_check(dev, backend_ev) : NULL;
		if (why != NULL)
			virtio_user_conn_lost(dev, why);
		break;
	case VIRTIO_USER_CONN_DISCONNECTED:
		if (backend_ev != 0 || timer)
			virtio_user_conn_try(dev);
		break;
	default:
		break;
	}
	if (dev->conn_state != before) {
		out |= VIRTIO_USER_EV_LINK;
		if (dev->conn_state == VIRTIO_USER_CONN_NEEDS_RESET)
			out |= VIRTIO_USER_EV_RESET;
		PMD_DRV_LOG(DEBUG, "%s: connection %s -> %s", dev->name,
			    virtio_user_conn_state_names[before],
			    virtio_user_conn_state_names[dev->conn_state]);
	}
	pthread_mutex_unlock(&dev->mutex);
	rte_mcfg_mem_read_unlock();
	return out;
}

int
virtio_user_dev_intr_fd(const struct virtio_user_dev *dev)
{
	return dev->epoll_fd;
}

/* After setup: the connection is RUNNING; watch it.  0, or -errno (logged). */
int
virtio_user_conn_init(struct virtio_user_dev *dev)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = VIRTIO_USER_EP_TIMER };
	const char *op = "epoll_create1";
	int ret;

	if (!virtio_user_conn_capable(dev))
		return 0;	/* no events: the link is what update_link_state says */
	dev->backoff_ms = VIRTIO_USER_BACKOFF_FIRST_MS;
	dev->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->epoll_fd < 0)
		goto fail;
	if (!dev->cfg.server) {
		op = "timerfd_create";
		dev->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (dev->timer_fd < 0)
			goto fail;
		op = "epoll_ctl";
		if (epoll_ctl(dev->epoll_fd, EPOLL_CTL_ADD, dev->timer_fd, &ev) < 0)
			goto fail;
	}
	return virtio_user_conn_watch(dev);
fail:
	ret = -errno;
	PMD_INIT_LOG(ERR, "%s: %s: %s for backend events failed: %s", dev->name,
		     dev->cfg.path, op, strerror(-ret));
	return ret;	/* the caller's unwind runs virtio_user_conn_uninit */
}

/* Idempotent; before the backend's destroy closes the watched fd. */
void
virtio_user_conn_uninit(struct virtio_user_dev *dev)
{
	if (dev->epoll_fd >= 0)
		virtio_user_conn_unwatch(dev);
	if (dev->timer_fd >= 0)
		close(dev->timer_fd);
	if (dev->epoll_fd >= 0)
		close(dev->epoll_fd);
	dev->timer_fd = -1;
	dev->epoll_fd = -1;
	dev->watched_fd = -1;
}
