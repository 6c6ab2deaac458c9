/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user backend of virtio_user: the front-end side of the vhost-user
 * protocol over a unix stream socket, as a client (connect to the backend's
 * socket) or as a server (listen on cfg.path and accept the backend).
 *
 * The peer is untrusted: every reply is checked against the request table
 * (request, flags, exact payload size), fds it attaches are closed, and every
 * socket operation is bounded by VHOST_USER_TIMEOUT_S.  A transport failure
 * or a malformed reply leaves the byte stream out of step, so the connection
 * is shut down: later requests fail fast and update_link_state reports the
 * link down.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>

/* virtio_user_dev.h first: its virtio.h must precede <linux/virtio_config.h>. */
#include "virtio_user_dev.h"
#include "../virtio_logs.h"
#include "vhost.h"
#include "vhost_user.h"

/* Longest we wait for the backend to take a request or to answer it. */
#define VHOST_USER_TIMEOUT_S	30

/* Protocol features this driver uses; the rest of the backend's offer is declined. */
#define VHOST_USER_PROTOCOL_FEATURES_OURS ( \
	VIRTIO_BIT(VHOST_USER_PROTOCOL_F_MQ) | \
	VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	VIRTIO_BIT(VHOST_USER_PROTOCOL_F_STATUS))

/* Most fds one message carries: one per memory region. */
#define VHOST_USER_FDS_MAX	VHOST_USER_MEM_REGIONS_MAX

/* dev->backend_data.  Every fd is -1 when closed. */
struct vhost_user_data {
	int sock_fd;		/* connection to the backend */
	int listen_fd;		/* server mode: listening socket */
	bool sock_file_ours;	/* server mode: we created cfg.path ... */
	dev_t sock_file_dev;	/* ... with this identity, so destroy may unlink it */
	ino_t sock_file_ino;
	bool proto_ext;		/* backend offers VHOST_USER_F_PROTOCOL_FEATURES */
	uint64_t proto_features;	/* negotiated VHOST_USER_PROTOCOL_F_* */
	bool peer_gone;		/* link-down already logged for this connection */
};

static const struct vhost_user_req_info {
	const char *name;
	uint32_t reply_size;	/* payload bytes of the reply; 0: none (or an ack) */
} vhost_user_reqs[VHOST_USER_REQ_MAX] = {
#define VHOST_USER_REQ_INFO(n, num, reply) [VHOST_USER_##n] = { #n, (reply) },
	VHOST_USER_REQUESTS(VHOST_USER_REQ_INFO)
#undef VHOST_USER_REQ_INFO
};

static const char *
vhost_user_req_name(uint32_t req)
{
	if (req < RTE_DIM(vhost_user_reqs) && vhost_user_reqs[req].name != NULL)
		return vhost_user_reqs[req].name;
	return "UNKNOWN";
}

/*
 * The one failure line: "<dev>: vhost-user <path>: <op> failed: <strerror>"
 * and, when why_fmt is not "", " (<why>)".  'err' is a negative errno.  A
 * macro, so the log names the function that failed.
 */
#define VHOST_USER_LOG_FAIL(dev, op, err, why_fmt, ...) \
	PMD_DRV_LOG(ERR, "%s: vhost-user %s: %s failed: %s" why_fmt, (dev)->name, \
		    (dev)->cfg.path, (op), strerror(-(err)), ##__VA_ARGS__)

/* The stream is out of step (or dead): make every later use fail fast. */
static void
vhost_user_conn_break(struct vhost_user_data *data)
{
	if (data->sock_fd >= 0)
		shutdown(data->sock_fd, SHUT_RDWR);
}

/* Close every fd passed in 'mh' (we never expect one); returns how many. */
static unsigned int
vhost_user_cmsg_fds_close(struct msghdr *mh)
{
	struct cmsghdr *c;
	unsigned int n = 0;
	size_t i, cnt;
	int fd;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
			n++;
		}
	}
	return n;
}

/*
 * Send all 'len' bytes; the fds ride on the first byte.  EINTR is retried,
 * MSG_NOSIGNAL turns a dead peer into -EPIPE instead of SIGPIPE, and the
 * send timeout into -ETIMEDOUT.
 */
static int
vhost_user_sock_send(int fd, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_FDS_MAX)];
	} ctl;
	struct cmsghdr *c;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		struct iovec iov = { (char *)(uintptr_t)buf + done, len - done };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (done == 0 && nfds > 0) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		done += n;
	}
	return 0;
}

/*
 * Receive exactly 'len' bytes.  Fds the peer attaches are closed and counted
 * in '*stray'.  End of stream is -ECONNRESET, the receive timeout -ETIMEDOUT.
 */
static int
vhost_user_sock_recv(int fd, void *buf, size_t len, unsigned int *stray)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_FDS_MAX)];
	} ctl;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		struct iovec iov = { (char *)buf + done, len - done };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};

		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		*stray += vhost_user_cmsg_fds_close(&mh);
		if (n == 0)
			return -ECONNRESET;
		done += n;
	}
	return 0;
}

/*
 * Read the reply to 'req' into 'pl' and check it: same request, version 1
 * with the REPLY flag, exactly 'expect' payload bytes.
 */
static int
vhost_user_reply_recv(struct virtio_user_dev *dev, uint32_t req, uint32_t expect,
		      union vhost_user_payload *pl)
{
	struct vhost_user_data *data = dev->backend_data;
	struct vhost_user_hdr hdr;
	unsigned int stray = 0;
	char why[128] = "waiting for the reply";
	int ret;

	ret = vhost_user_sock_recv(data->sock_fd, &hdr, sizeof(hdr), &stray);
	if (ret < 0)
		goto fail;
	ret = -EPROTO;
	if (hdr.request != req)
		snprintf(why, sizeof(why), "the reply is for %s (%u)",
			 vhost_user_req_name(hdr.request), hdr.request);
	else if ((hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
		 !(hdr.flags & VHOST_USER_FLAG_REPLY))
		snprintf(why, sizeof(why), "the reply has flags 0x%x, expected version 1 and REPLY",
			 hdr.flags);
	else if (hdr.size != expect || hdr.size > sizeof(*pl))
		snprintf(why, sizeof(why), "the reply has %u payload bytes, expected %u",
			 hdr.size, expect);
	else
		ret = vhost_user_sock_recv(data->sock_fd, pl, hdr.size, &stray);
	if (ret < 0)
		goto fail;
	if (stray > 0)
		PMD_DRV_LOG(WARNING, "%s: vhost-user %s: closed %u fd(s) the backend attached"
			    " to its %s reply", dev->name, dev->cfg.path, stray,
			    vhost_user_req_name(req));
	return 0;
fail:
	vhost_user_conn_break(data);
	VHOST_USER_LOG_FAIL(dev, vhost_user_req_name(req), ret, " (%s)", why);
	return ret;
}

/*
 * Send request 'req' with 'size' bytes of 'pl' and 'nfds' fds, then, as the
 * request table says, read its reply into 'pl' or, when REPLY_ACK is
 * negotiated, the ack of a request that has no reply of its own.
 */
static int
vhost_user_xfer(struct virtio_user_dev *dev, uint32_t req, union vhost_user_payload *pl,
		uint32_t size, const int *fds, unsigned int nfds)
{
	struct vhost_user_data *data = dev->backend_data;
	uint32_t reply = vhost_user_reqs[req].reply_size;
	uint8_t buf[sizeof(struct vhost_user_hdr) + sizeof(*pl)];
	struct vhost_user_hdr hdr = { .request = req, .flags = VHOST_USER_VERSION, .size = size };
	union vhost_user_payload none;
	bool ack;
	int ret;

	if (pl == NULL)
		pl = &none;	/* size is 0; an ack may still come back */
	if (data == NULL || data->sock_fd < 0) {
		VHOST_USER_LOG_FAIL(dev, vhost_user_req_name(req), -ENOTCONN,
				    " (no backend connection)");
		return -ENOTCONN;
	}
	ack = reply == 0 && (data->proto_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	if (ack)
		hdr.flags |= VHOST_USER_FLAG_NEED_REPLY;
	memcpy(buf, &hdr, sizeof(hdr));
	if (size > 0)
		memcpy(buf + sizeof(hdr), pl, size);
	ret = vhost_user_sock_send(data->sock_fd, buf, sizeof(hdr) + size, fds, nfds);
	if (ret < 0) {
		vhost_user_conn_break(data);
		VHOST_USER_LOG_FAIL(dev, vhost_user_req_name(req), ret, " (sending the request)");
		return ret;
	}
	if (reply == 0 && !ack)
		return 0;
	ret = vhost_user_reply_recv(dev, req, ack ? sizeof(pl->u64) : reply, pl);
	if (ret < 0)
		return ret;
	if (ack && pl->u64 != 0) {
		VHOST_USER_LOG_FAIL(dev, vhost_user_req_name(req), -EIO,
				    " (the backend rejected it, ack 0x%" PRIx64 ")", pl->u64);
		return -EIO;
	}
	return 0;
}

static int
vhost_user_u64_get(struct virtio_user_dev *dev, uint32_t req, uint64_t *val)
{
	union vhost_user_payload pl = { .u64 = 0 };
	int ret;

	ret = vhost_user_xfer(dev, req, &pl, 0, NULL, 0);
	if (ret == 0)
		*val = pl.u64;
	return ret;
}

static int
vhost_user_u64_set(struct virtio_user_dev *dev, uint32_t req, uint64_t val)
{
	union vhost_user_payload pl = { .u64 = val };

	return vhost_user_xfer(dev, req, &pl, sizeof(pl.u64), NULL, 0);
}

/*
 * Protocol-feature negotiation, run once on every new connection before the
 * device model's first request -- QEMU's order: GET_FEATURES, then, if the
 * backend offers VHOST_USER_F_PROTOCOL_FEATURES, GET_PROTOCOL_FEATURES and
 * SET_PROTOCOL_FEATURES (ours & offered), all before SET_OWNER.  Doing it at
 * connect time lets every op know MQ/REPLY_ACK/STATUS whatever order the
 * device model calls them in, and a reconnect only has to call this again.
 */
static int
vhost_user_conn_init(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;
	struct timeval tv = { .tv_sec = VHOST_USER_TIMEOUT_S };
	uint64_t features = 0, proto = 0;
	int ret;

	data->proto_ext = false;
	data->proto_features = 0;
	data->peer_gone = false;
	if (setsockopt(data->sock_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(data->sock_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "setsockopt", ret, " (setting the socket timeouts)");
		return ret;
	}
	ret = vhost_user_u64_get(dev, VHOST_USER_GET_FEATURES, &features);
	if (ret < 0 || !(features & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		return ret;
	data->proto_ext = true;
	ret = vhost_user_u64_get(dev, VHOST_USER_GET_PROTOCOL_FEATURES, &proto);
	if (ret < 0)
		return ret;
	proto &= VHOST_USER_PROTOCOL_FEATURES_OURS;
	ret = vhost_user_u64_set(dev, VHOST_USER_SET_PROTOCOL_FEATURES, proto);
	if (ret < 0)
		return ret;
	data->proto_features = proto;
	PMD_DRV_LOG(INFO, "%s: vhost-user %s: protocol features 0x%" PRIx64
		    " (MQ %d, REPLY_ACK %d, STATUS %d)", dev->name, dev->cfg.path, proto,
		    !!(proto & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_MQ)),
		    !!(proto & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)),
		    !!(proto & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_STATUS)));
	return 0;
}

/* cfg.path as a socket address; a path that does not fit is refused, never cut. */
static int
vhost_user_sockaddr_fill(struct virtio_user_dev *dev, struct sockaddr_un *un)
{
	size_t len = strnlen(dev->cfg.path, sizeof(dev->cfg.path));

	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	if (len == 0) {
		VHOST_USER_LOG_FAIL(dev, "setup", -EINVAL, " (empty socket path)");
		return -EINVAL;
	}
	if (len >= sizeof(un->sun_path)) {
		VHOST_USER_LOG_FAIL(dev, "setup", -ENAMETOOLONG,
				    " (the path has %zu bytes, a unix socket path at most %zu)",
				    len, sizeof(un->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(un->sun_path, dev->cfg.path, len);
	return 0;
}

static const char *
vhost_user_connect_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
		return "is the backend running and listening on this path?";
	case EACCES:
	case EPERM:
		return "check the permissions of the socket and its directory";
	case ENOTSOCK:
		return "the path is not a unix socket";
	default:
		return NULL;
	}
}

static int
vhost_user_client_connect(struct virtio_user_dev *dev, const struct sockaddr_un *un)
{
	struct vhost_user_data *data = dev->backend_data;
	const char *hint;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "socket", ret, "");
		return ret;
	}
	if (connect(fd, (const struct sockaddr *)un, sizeof(*un)) < 0) {
		ret = -errno;
		hint = vhost_user_connect_hint(-ret);
		if (hint != NULL)
			VHOST_USER_LOG_FAIL(dev, "connect", ret, " (%s)", hint);
		else
			VHOST_USER_LOG_FAIL(dev, "connect", ret, "");
		close(fd);
		return ret;
	}
	data->sock_fd = fd;
	return 0;
}

/*
 * Server mode: make cfg.path free for bind().  Only a stale socket is
 * removed: not a regular file, and not a socket someone still listens on.
 */
static int
vhost_user_stale_sock_remove(struct virtio_user_dev *dev, const struct sockaddr_un *un)
{
	struct stat st;
	int fd, ret;

	if (lstat(un->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "stat", ret, "");
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		VHOST_USER_LOG_FAIL(dev, "bind", -EEXIST,
				    " (the path exists and is not a socket; not replacing it)");
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)un, sizeof(*un)) == 0) {
		close(fd);
		VHOST_USER_LOG_FAIL(dev, "bind", -EADDRINUSE,
				    " (a process is listening on it; is the backend in server"
				    " mode too?)");
		return -EADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	if (unlink(un->sun_path) < 0 && errno != ENOENT) {
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "unlink", ret, " (removing the stale socket)");
		return ret;
	}
	return 0;
}

static int
vhost_user_server_listen(struct virtio_user_dev *dev, const struct sockaddr_un *un)
{
	struct vhost_user_data *data = dev->backend_data;
	const char *op;
	struct stat st;
	int ret;

	ret = vhost_user_stale_sock_remove(dev, un);
	if (ret < 0)
		return ret;
	op = "socket";
	data->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (data->listen_fd < 0)
		goto fail;
	op = "bind";
	if (bind(data->listen_fd, (const struct sockaddr *)un, sizeof(*un)) < 0)
		goto fail;
	if (lstat(un->sun_path, &st) == 0) {
		data->sock_file_ours = true;
		data->sock_file_dev = st.st_dev;
		data->sock_file_ino = st.st_ino;
	}
	op = "listen";
	if (listen(data->listen_fd, 1) < 0)
		goto fail;
	return 0;
fail:
	ret = -errno;
	VHOST_USER_LOG_FAIL(dev, op, ret, "");
	return ret;	/* destroy closes listen_fd and removes the socket file */
}

/*
 * Server mode, first connection: block until the backend connects, as the
 * stock driver does.  Afterwards the listening socket is non-blocking, so a
 * reconnect can accept from the interrupt thread without ever blocking.
 */
static int
vhost_user_server_accept(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;
	int fd, flags, ret;

	PMD_DRV_LOG(NOTICE, "%s: vhost-user %s: waiting for a vhost-user backend to connect",
		    dev->name, dev->cfg.path);
	do {
		fd = accept4(data->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "accept", ret, "");
		return ret;
	}
	data->sock_fd = fd;
	flags = fcntl(data->listen_fd, F_GETFL);
	if (flags < 0 || fcntl(data->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		ret = -errno;
		VHOST_USER_LOG_FAIL(dev, "fcntl", ret,
				    " (making the listening socket non-blocking)");
		return ret;
	}
	PMD_DRV_LOG(INFO, "%s: vhost-user %s: backend connected", dev->name, dev->cfg.path);
	return 0;
}

/* Close the connection; a server keeps its listening socket. */
static int
vhost_user_disconnect(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;

	if (data == NULL)
		return 0;
	if (data->sock_fd >= 0)
		close(data->sock_fd);
	data->sock_fd = -1;
	data->proto_ext = false;
	data->proto_features = 0;
	data->peer_gone = false;
	return 0;
}

/* Errors of a reconnect attempt that only mean "no backend there yet". */
static bool
vhost_user_err_is_absent(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ENOENT ||
	       err == ECONNREFUSED || err == ECONNABORTED;
}

/*
 * One non-blocking attempt at a new connection (the listening socket is
 * non-blocking since the first accept; a unix connect() does not wait for
 * the peer to accept).  A backend that is not there yet is -EAGAIN,
 * unlogged: the caller retries.
 */
static int
vhost_user_connect(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;
	const char *op = "accept";
	struct sockaddr_un un;
	int fd = -1, ret;

	if (data == NULL)
		return -ENODEV;
	if (data->sock_fd >= 0)
		return 0;
	if (dev->cfg.server) {
		fd = accept4(data->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	} else {
		ret = vhost_user_sockaddr_fill(dev, &un);
		if (ret < 0)
			return ret;
		op = "socket";
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			op = "connect";
			if (connect(fd, (const struct sockaddr *)&un, sizeof(un)) < 0) {
				ret = errno;
				close(fd);
				fd = -1;
				errno = ret;
			}
		}
	}
	if (fd < 0) {
		ret = -errno;
		if (vhost_user_err_is_absent(-ret))
			return -EAGAIN;
		VHOST_USER_LOG_FAIL(dev, op, ret, " (reconnecting)");
		return ret;
	}
	data->sock_fd = fd;
	ret = vhost_user_conn_init(dev);
	if (ret < 0) {
		vhost_user_disconnect(dev);
		return ret;
	}
	PMD_DRV_LOG(INFO, "%s: vhost-user %s: backend connected", dev->name, dev->cfg.path);
	return 0;
}

static int
vhost_user_destroy(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;
	struct stat st;

	if (data == NULL)
		return 0;
	if (data->sock_fd >= 0)
		close(data->sock_fd);
	if (data->listen_fd >= 0)
		close(data->listen_fd);
	/* Remove the socket file we bound, unless someone has replaced it since. */
	if (data->sock_file_ours && lstat(dev->cfg.path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == data->sock_file_dev && st.st_ino == data->sock_file_ino)
		unlink(dev->cfg.path);
	free(data);
	dev->backend_data = NULL;
	return 0;
}

/* On failure everything is released again and dev->backend_data is NULL. */
static int
vhost_user_setup(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data;
	struct sockaddr_un un;
	int ret;

	data = calloc(1, sizeof(*data));
	if (data == NULL) {
		VHOST_USER_LOG_FAIL(dev, "setup", -ENOMEM, "");
		return -ENOMEM;
	}
	data->sock_fd = -1;
	data->listen_fd = -1;
	dev->backend_data = data;

	ret = vhost_user_sockaddr_fill(dev, &un);
	if (ret < 0)
		goto fail;
	if (dev->cfg.server) {
		ret = vhost_user_server_listen(dev, &un);
		if (ret == 0)
			ret = vhost_user_server_accept(dev);
	} else {
		ret = vhost_user_client_connect(dev, &un);
	}
	if (ret == 0)
		ret = vhost_user_conn_init(dev);
	if (ret == 0)
		return 0;
fail:
	vhost_user_destroy(dev);
	return ret;
}

static int
vhost_user_get_backend_features(uint64_t *features)
{
	/* The protocol extension bit belongs to vhost-user, not to virtio-net. */
	*features = VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	return 0;
}

static int
vhost_user_set_owner(struct virtio_user_dev *dev)
{
	return vhost_user_xfer(dev, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
}

static int
vhost_user_get_features(struct virtio_user_dev *dev, uint64_t *features)
{
	struct vhost_user_data *data = dev->backend_data;
	uint64_t f = 0;
	int ret;

	ret = vhost_user_u64_get(dev, VHOST_USER_GET_FEATURES, &f);
	if (ret < 0)
		return ret;
	/* Protocol features were negotiated on connect from the first answer. */
	if (!!(f & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES)) != data->proto_ext) {
		VHOST_USER_LOG_FAIL(dev, "GET_FEATURES", -EPROTO,
				    " (the backend changed its offer of"
				    " VHOST_USER_F_PROTOCOL_FEATURES)");
		return -EPROTO;
	}
	*features = f;
	return 0;
}

/*
 * 'features' are virtio features; VHOST_USER_F_PROTOCOL_FEATURES is set
 * exactly when the backend offered it, which keeps the negotiated protocol
 * features in force (and vrings disabled until SET_VRING_ENABLE).
 */
static int
vhost_user_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	struct vhost_user_data *data = dev->backend_data;

	features &= ~VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	if (data != NULL && data->proto_ext)
		features |= VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	return vhost_user_u64_set(dev, VHOST_USER_SET_FEATURES, features);
}

struct vhost_user_mem_walk {
	struct virtio_user_dev *dev;
	struct vhost_user_mem_table *mem;
	int fds[VHOST_USER_MEM_REGIONS_MAX];
	int err;
};

/*
 * One region per (fd, VA - file offset) pair: segments of one file that are
 * mapped at one constant distance from their file offsets are a single mmap
 * for the backend, holes included, so a memseg list with a single file
 * (--single-file-segments, --no-huge) costs one region whatever its use.
 * External memory has no fd and is left out: the backend cannot map it.
 */
static int
vhost_user_mem_seg_add(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		       void *arg)
{
	struct vhost_user_mem_walk *w = arg;
	struct vhost_user_mem_table *mem = w->mem;
	struct vhost_user_mem_region *r;
	uint64_t va = (uintptr_t)ms->addr, delta, start, end;
	size_t off;
	uint32_t i;
	int fd;

	if (msl->external)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &off) < 0) {
		w->err = rte_errno > 0 ? -rte_errno : -ENODEV;
		VHOST_USER_LOG_FAIL(w->dev, "SET_MEM_TABLE", w->err,
				    " (memory at %p has no file descriptor to share; vhost-user"
				    " needs --no-huge, or hugepages without --legacy-mem)",
				    ms->addr);
		return -1;
	}
	delta = va - off;
	for (i = 0; i < mem->nregions; i++) {
		r = &mem->regions[i];
		if (w->fds[i] != fd || r->userspace_addr - r->mmap_offset != delta)
			continue;
		start = RTE_MIN(r->userspace_addr, va);
		end = RTE_MAX(r->userspace_addr + r->memory_size, va + ms->len);
		r->userspace_addr = start;
		r->guest_phys_addr = start;
		r->mmap_offset = start - delta;
		r->memory_size = end - start;
		return 0;
	}
	if (mem->nregions == VHOST_USER_MEM_REGIONS_MAX) {
		w->err = -ENOSPC;
		VHOST_USER_LOG_FAIL(w->dev, "SET_MEM_TABLE", w->err,
				    " (DPDK memory is in more than %u files, vhost-user shares at"
				    " most %u; run with --single-file-segments (hugepages) or"
				    " --no-huge)", VHOST_USER_MEM_REGIONS_MAX,
				    VHOST_USER_MEM_REGIONS_MAX);
		return -1;
	}
	r = &mem->regions[mem->nregions];
	r->userspace_addr = va;
	r->guest_phys_addr = va;
	r->mmap_offset = off;
	r->memory_size = ms->len;
	w->fds[mem->nregions++] = fd;
	return 0;
}

/*
 * Contract: the caller holds the memory hotplug lock (read, or write inside a
 * memory event callback), so the memseg walk needs no lock of its own.
 */
static int
vhost_user_set_memory_table(struct virtio_user_dev *dev)
{
	union vhost_user_payload pl;
	struct vhost_user_mem_walk w = { .dev = dev, .mem = &pl.mem };
	uint32_t i;

	memset(&pl, 0, sizeof(pl));
	if (rte_memseg_walk_thread_unsafe(vhost_user_mem_seg_add, &w) != 0)
		return w.err;
	if (pl.mem.nregions == 0) {
		VHOST_USER_LOG_FAIL(dev, "SET_MEM_TABLE", -ENOENT, " (no fd-backed DPDK memory)");
		return -ENOENT;
	}
	for (i = 0; i < pl.mem.nregions; i++)
		PMD_DRV_LOG(DEBUG, "%s: region %u: va 0x%" PRIx64 " size 0x%" PRIx64
			    " fd %d offset 0x%" PRIx64, dev->name, i,
			    pl.mem.regions[i].userspace_addr, pl.mem.regions[i].memory_size,
			    w.fds[i], pl.mem.regions[i].mmap_offset);
	return vhost_user_xfer(dev, VHOST_USER_SET_MEM_TABLE, &pl,
			       VHOST_USER_MEM_TABLE_SIZE(pl.mem.nregions), w.fds, pl.mem.nregions);
}

static int
vhost_user_vring_state_set(struct virtio_user_dev *dev, uint32_t req,
			   const struct vhost_vring_state *state)
{
	union vhost_user_payload pl = { .state = *state };

	return vhost_user_xfer(dev, req, &pl, sizeof(pl.state), NULL, 0);
}

static int
vhost_user_set_vring_num(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_user_vring_state_set(dev, VHOST_USER_SET_VRING_NUM, state);
}

static int
vhost_user_set_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	return vhost_user_vring_state_set(dev, VHOST_USER_SET_VRING_BASE, state);
}

/* Stops the backend on the vring and returns where it stopped in state->num. */
static int
vhost_user_get_vring_base(struct virtio_user_dev *dev, struct vhost_vring_state *state)
{
	union vhost_user_payload pl = { .state = *state };
	int ret;

	ret = vhost_user_xfer(dev, VHOST_USER_GET_VRING_BASE, &pl, sizeof(pl.state), NULL, 0);
	if (ret < 0)
		return ret;
	if (pl.state.index != state->index) {
		VHOST_USER_LOG_FAIL(dev, "GET_VRING_BASE", -EPROTO,
				    " (asked for vring %u, the reply is for vring %u)",
				    state->index, pl.state.index);
		return -EPROTO;
	}
	state->num = pl.state.num;
	return 0;
}

/* KICK/CALL: the vring index in the u64, the eventfd attached, or NOFD. */
static int
vhost_user_vring_file_set(struct virtio_user_dev *dev, uint32_t req,
			  const struct vhost_vring_file *file)
{
	union vhost_user_payload pl = { .u64 = file->index };

	if (file->index > VHOST_USER_VRING_IDX_MASK) {
		VHOST_USER_LOG_FAIL(dev, vhost_user_req_name(req), -EINVAL,
				    " (vring %u does not fit vhost-user's 8-bit index)",
				    file->index);
		return -EINVAL;
	}
	if (file->fd < 0)
		pl.u64 |= VHOST_USER_VRING_NOFD;
	return vhost_user_xfer(dev, req, &pl, sizeof(pl.u64), &file->fd, file->fd < 0 ? 0 : 1);
}

static int
vhost_user_set_vring_call(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_user_vring_file_set(dev, VHOST_USER_SET_VRING_CALL, file);
}

static int
vhost_user_set_vring_kick(struct virtio_user_dev *dev, struct vhost_vring_file *file)
{
	return vhost_user_vring_file_set(dev, VHOST_USER_SET_VRING_KICK, file);
}

static int
vhost_user_set_vring_addr(struct virtio_user_dev *dev, struct vhost_vring_addr *addr)
{
	union vhost_user_payload pl = { .addr = *addr };

	return vhost_user_xfer(dev, VHOST_USER_SET_VRING_ADDR, &pl, sizeof(pl.addr), NULL, 0);
}

/*
 * With VHOST_USER_F_PROTOCOL_FEATURES in force a vring starts disabled and
 * only SET_VRING_ENABLE switches it.  Without it (the message must not be
 * sent then) a vring runs from its kick until GET_VRING_BASE stops it, so
 * enabling is implicit and disabling cannot be expressed: both succeed.
 */
static int
vhost_user_enable_qp(struct virtio_user_dev *dev, uint16_t pair, int enable)
{
	struct vhost_user_data *data = dev->backend_data;
	struct vhost_vring_state state;
	unsigned int i;
	int ret;

	if (data != NULL && !data->proto_ext)
		return 0;
	for (i = 0; i < 2; i++) {
		state.index = 2u * pair + i;
		state.num = !!enable;
		ret = vhost_user_vring_state_set(dev, VHOST_USER_SET_VRING_ENABLE, &state);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
vhost_user_get_max_queue_pairs(struct virtio_user_dev *dev, uint16_t *max_pairs)
{
	struct vhost_user_data *data = dev->backend_data;
	uint64_t n = 0;
	int ret;

	if (data != NULL && !(data->proto_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_MQ))) {
		*max_pairs = 1;
		return 0;
	}
	ret = vhost_user_u64_get(dev, VHOST_USER_GET_QUEUE_NUM, &n);
	if (ret < 0)
		return ret;
	if (n == 0) {
		VHOST_USER_LOG_FAIL(dev, "GET_QUEUE_NUM", -EPROTO,
				    " (the backend offers 0 queue pairs)");
		return -EPROTO;
	}
	*max_pairs = (uint16_t)RTE_MIN(n, (uint64_t)UINT16_MAX);
	return 0;
}

/* Without the STATUS protocol feature: -ENOTSUP, unlogged; the model keeps status. */
static int
vhost_user_get_status(struct virtio_user_dev *dev, uint8_t *status)
{
	struct vhost_user_data *data = dev->backend_data;
	uint64_t s = 0;
	int ret;

	if (data == NULL || !(data->proto_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_STATUS)))
		return -ENOTSUP;
	ret = vhost_user_u64_get(dev, VHOST_USER_GET_STATUS, &s);
	if (ret < 0)
		return ret;
	if (s > UINT8_MAX) {
		VHOST_USER_LOG_FAIL(dev, "GET_STATUS", -EPROTO,
				    " (status 0x%" PRIx64 " does not fit 8 bits)", s);
		return -EPROTO;
	}
	*status = (uint8_t)s;
	return 0;
}

static int
vhost_user_set_status(struct virtio_user_dev *dev, uint8_t status)
{
	struct vhost_user_data *data = dev->backend_data;

	if (data == NULL || !(data->proto_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_STATUS)))
		return -ENOTSUP;
	return vhost_user_u64_set(dev, VHOST_USER_SET_STATUS, status);
}

/*
 * Link is up while the connection is: a peek that sees end of stream or an
 * error means the backend is gone, or that we shut the connection down after
 * a protocol failure (logged once per connection).
 */
static int
vhost_user_update_link_state(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;
	bool up = false;
	ssize_t n;
	char c;

	if (data != NULL && data->sock_fd >= 0) {
		n = recv(data->sock_fd, &c, sizeof(c), MSG_PEEK | MSG_DONTWAIT);
		up = n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
					  errno == EINTR));
	}
	if (up) {
		dev->net_status |= VIRTIO_NET_S_LINK_UP;
		return 0;
	}
	dev->net_status &= ~VIRTIO_NET_S_LINK_UP;
	if (data != NULL && data->sock_fd >= 0 && !data->peer_gone) {
		data->peer_gone = true;
		PMD_DRV_LOG(WARNING, "%s: vhost-user %s: connection to the backend lost,"
			    " link down", dev->name, dev->cfg.path);
	}
	return 0;
}

/*
 * The connection, readable when the backend goes away; in server mode with
 * no connection, the listening socket, readable when a backend connects.
 */
static int
vhost_user_get_intr_fd(struct virtio_user_dev *dev)
{
	struct vhost_user_data *data = dev->backend_data;

	if (data == NULL)
		return -1;
	return data->sock_fd >= 0 ? data->sock_fd : data->listen_fd;
}

const struct virtio_user_backend_ops virtio_ops_user = {
	.name = "vhost-user",
	.setup = vhost_user_setup,
	.destroy = vhost_user_destroy,
	.get_backend_features = vhost_user_get_backend_features,
	.set_owner = vhost_user_set_owner,
	.get_features = vhost_user_get_features,
	.set_features = vhost_user_set_features,
	.set_memory_table = vhost_user_set_memory_table,
	.set_vring_num = vhost_user_set_vring_num,
	.set_vring_base = vhost_user_set_vring_base,
	.get_vring_base = vhost_user_get_vring_base,
	.set_vring_call = vhost_user_set_vring_call,
	.set_vring_kick = vhost_user_set_vring_kick,
	.set_vring_addr = vhost_user_set_vring_addr,
	.enable_qp = vhost_user_enable_qp,
	.get_max_queue_pairs = vhost_user_get_max_queue_pairs,
	.get_status = vhost_user_get_status,
	.set_status = vhost_user_set_status,
	.update_link_state = vhost_user_update_link_state,
	.get_intr_fd = vhost_user_get_intr_fd,
	.connect = vhost_user_connect,
	.disconnect = vhost_user_disconnect,
};
