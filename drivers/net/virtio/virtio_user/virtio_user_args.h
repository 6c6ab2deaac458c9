/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_ARGS_H
#define VIRTIO_USER_ARGS_H

/*
 * Devargs of net_virtio_user, parsed by one table-driven parser into one
 * struct virtio_user_config.  The parser needs no EAL: it takes the devargs
 * string and writes at most one error message into a caller buffer, so unit
 * tests can check the exact text.  The caller logs that message.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum virtio_user_backend_type {
	VIRTIO_USER_BACKEND_UNKNOWN = 0,
	VIRTIO_USER_BACKEND_VHOST_USER,
	VIRTIO_USER_BACKEND_VHOST_KERNEL,
	VIRTIO_USER_BACKEND_VHOST_VDPA,
};

/* Defaults, as DPDK's stock driver. */
#define VIRTIO_USER_DEF_QUEUE_SIZE	256
#define VIRTIO_USER_MAX_QUEUE_SIZE	32768	/* split: power of two up to this */
#define VIRTIO_USER_DEF_QUEUES		1
#define VIRTIO_USER_MAX_QUEUES		128	/* = VIRTIO_MAX_QUEUE_PAIRS */
#define VIRTIO_USER_IFNAME_MAX		16	/* IFNAMSIZ */

struct virtio_user_config {
	char path[PATH_MAX];
	enum virtio_user_backend_type backend;
	bool has_mac;
	uint8_t mac[6];
	uint32_t cq;			/* 0/1 */
	uint32_t queue_size;
	uint32_t queues;
	bool has_iface;
	char iface[VIRTIO_USER_IFNAME_MAX];
	uint32_t server;		/* 0/1 */
	uint32_t mrg_rxbuf;		/* 0/1 */
	uint32_t in_order;		/* 0/1 */
	uint32_t packed_vq;		/* 0/1 */
	bool has_speed;
	uint32_t speed;			/* Mbps */
	uint32_t vectorized;		/* 0/1 */
};

/*
 * Parse 'args' (e.g. "path=/tmp/sock,queues=2"; NULL or "" means no args)
 * into 'cfg', filling defaults first.  Detects the backend from 'path'.
 *
 * Syntax: "key=value[,key=value...]"; each key at most once, no empty items.
 * Integers are plain decimal: no sign, no blanks, no leading zero, no hex.
 * Bools are exactly "0" or "1".  Values are never truncated: too long is an
 * error.  Keys are checked one by one, then across keys (order-independent):
 * queues > 1 turns cq on unless cq=0 was given (an error); a split ring needs
 * a power-of-two queue_size >= 2; iface needs vhost-kernel; server=1 needs
 * vhost-user, whose path must fit a sockaddr_un (107 bytes).
 *
 * Backend from 'path': a unix socket, or nothing yet in an existing directory
 * -> vhost-user; a char device whose sysfs uevent says DEVNAME=vhost-net ->
 * vhost-kernel, DEVNAME=vhost-vdpa-<n> -> vhost-vdpa; anything else is
 * refused.
 *
 * Returns 0 and fills *cfg; or, leaving *cfg untouched, writes one line into
 * err[errlen] (if err != NULL && errlen > 0; always NUL-terminated) naming
 * the key, the value and what is accepted, and returns:
 *   -EINVAL   a syntax, value or cross-key error (also cfg == NULL);
 *   -ENOENT   path's directory does not exist;
 *   -ENODEV   path is /dev/vhost-net or /dev/vhost-vdpa-<n> and does not exist,
 *             or is a char device no driver serves (module not loaded);
 *   -ENOTSUP  path is neither a unix socket nor a vhost char device;
 *   -errno    stat() of path failed otherwise (e.g. -EACCES).
 * Nothing is allocated; the only I/O is stat() and reading one sysfs file.
 */
int virtio_user_args_parse(const char *args, struct virtio_user_config *cfg,
			   char *err, size_t errlen);

/*
 * Test hook: read sysfs from 'root' (e.g. a temp dir holding
 * dev/char/<major>:<minor>/uevent) instead of "/sys"; NULL restores "/sys".
 * The string is not copied: keep it alive while parsing.  Not thread-safe.
 */
void virtio_user_args_sysfs_root_set(const char *root);

/*
 * What RTE_PMD_REGISTER_PARAM_STRING publishes (it needs a literal).  A unit
 * test checks that it names exactly the keys of the parser's table.
 */
#define VIRTIO_USER_PARAM_STRING \
	"path=<path> mac=<mac addr> cq=<0|1> queue_size=<int> queues=<int> " \
	"iface=<string> server=<0|1> mrg_rxbuf=<0|1> in_order=<0|1> " \
	"packed_vq=<0|1> speed=<int> vectorized=<0|1>"

/* Number of keys in the parser's table and the i-th key, for that test. */
unsigned int virtio_user_args_nb_keys(void);
const char *virtio_user_args_key(unsigned int i);

const char *virtio_user_backend_name(enum virtio_user_backend_type type);

#endif /* VIRTIO_USER_ARGS_H */
