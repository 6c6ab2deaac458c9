/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_VHOST_USER_H
#define VIRTIO_USER_VHOST_USER_H

/*
 * vhost-user wire protocol, front-end side, as far as this driver speaks it
 * (QEMU docs/interop/vhost-user.rst).  A message is a 12-byte header followed
 * by 'size' payload bytes; file descriptors travel as SCM_RIGHTS ancillary
 * data on the header's first byte.  Everything is host-endian.
 */

#include <stddef.h>
#include <stdint.h>
#include <linux/vhost_types.h>

/*
 * The requests we send: X(name, number, reply payload size).  A reply size of
 * 0 means the request has no reply of its own; once REPLY_ACK is negotiated
 * such a request carries NEED_REPLY and the backend answers with a u64 ack.
 * The enum and the name table are both generated from this list.
 */
#define VHOST_USER_REQUESTS(X) \
	X(GET_FEATURES,		 1, sizeof(uint64_t)) \
	X(SET_FEATURES,		 2, 0) \
	X(SET_OWNER,		 3, 0) \
	X(SET_MEM_TABLE,	 5, 0) \
	X(SET_VRING_NUM,	 8, 0) \
	X(SET_VRING_ADDR,	 9, 0) \
	X(SET_VRING_BASE,	10, 0) \
	X(GET_VRING_BASE,	11, sizeof(struct vhost_vring_state)) \
	X(SET_VRING_KICK,	12, 0) \
	X(SET_VRING_CALL,	13, 0) \
	X(GET_PROTOCOL_FEATURES, 15, sizeof(uint64_t)) \
	X(SET_PROTOCOL_FEATURES, 16, 0) \
	X(GET_QUEUE_NUM,	17, sizeof(uint64_t)) \
	X(SET_VRING_ENABLE,	18, 0) \
	X(SET_STATUS,		39, 0) \
	X(GET_STATUS,		40, sizeof(uint64_t))

#define VHOST_USER_REQ_ENUM(name, num, reply) VHOST_USER_##name = (num),
enum vhost_user_request {
	VHOST_USER_NONE = 0,
	VHOST_USER_REQUESTS(VHOST_USER_REQ_ENUM)
	VHOST_USER_REQ_MAX	/* one past the highest request number */
};
#undef VHOST_USER_REQ_ENUM

/* Header flags. */
#define VHOST_USER_VERSION		0x1
#define VHOST_USER_VERSION_MASK		0x3
#define VHOST_USER_FLAG_REPLY		(1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY	(1u << 3)

/* u64 payload of SET_VRING_KICK/CALL: vring index, and "no fd attached". */
#define VHOST_USER_VRING_IDX_MASK	0xffu
#define VHOST_USER_VRING_NOFD		(1u << 8)

/* Virtio feature bit that announces the protocol-feature extension. */
#ifndef VHOST_USER_F_PROTOCOL_FEATURES
#define VHOST_USER_F_PROTOCOL_FEATURES	30
#endif

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES) we use. */
#ifndef VHOST_USER_PROTOCOL_F_MQ
#define VHOST_USER_PROTOCOL_F_MQ	0
#endif
#ifndef VHOST_USER_PROTOCOL_F_REPLY_ACK
#define VHOST_USER_PROTOCOL_F_REPLY_ACK	3
#endif
#ifndef VHOST_USER_PROTOCOL_F_STATUS
#define VHOST_USER_PROTOCOL_F_STATUS	16
#endif

#define VHOST_USER_MEM_REGIONS_MAX	8

struct vhost_user_hdr {
	uint32_t request;	/* enum vhost_user_request */
	uint32_t flags;		/* VHOST_USER_VERSION | VHOST_USER_FLAG_* */
	uint32_t size;		/* payload bytes that follow */
};

struct vhost_user_mem_region {
	uint64_t guest_phys_addr;	/* we pass our virtual address */
	uint64_t memory_size;
	uint64_t userspace_addr;	/* our virtual address */
	uint64_t mmap_offset;		/* offset of the region in its fd */
};

struct vhost_user_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_mem_region regions[VHOST_USER_MEM_REGIONS_MAX];
};

/*
 * Payloads we send or accept.  A reply larger than this union is a protocol
 * violation, so receive buffers never need to be bigger.
 */
union vhost_user_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_user_mem_table mem;
};

/* The payload size of SET_MEM_TABLE with 'n' regions. */
#define VHOST_USER_MEM_TABLE_SIZE(n) \
	(offsetof(struct vhost_user_mem_table, regions) + \
	 (n) * sizeof(struct vhost_user_mem_region))

_Static_assert(sizeof(struct vhost_user_hdr) == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vhost_vring_state) == 8, "vring state is 8 bytes");
_Static_assert(sizeof(struct vhost_vring_addr) == 40, "vring addr is 40 bytes");
_Static_assert(sizeof(struct vhost_user_mem_region) == 32, "memory region is 32 bytes");

#endif /* VIRTIO_USER_VHOST_USER_H */
