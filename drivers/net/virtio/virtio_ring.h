/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_RING_H
#define VIRTIO_RING_H

/*
 * Virtqueue layouts as the virtio 1.2 specification defines them (2.7 split,
 * 2.8 packed) and the virtio-net header (5.1.6).  Everything here is shared
 * with the device: fields are little-endian on the wire, which is the host
 * order on every architecture DPDK's virtio driver supports.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

/* Descriptor flags (split and packed). */
#define VRING_DESC_F_NEXT	1	/* chain continues (split: via 'next') */
#define VRING_DESC_F_WRITE	2	/* device writes the buffer */
#define VRING_DESC_F_INDIRECT	4	/* buffer is a descriptor table */
/* Packed only. */
#define VRING_PACKED_DESC_F_AVAIL	(1 << 7)
#define VRING_PACKED_DESC_F_USED	(1 << 15)

/* avail->flags: the driver does not want used-buffer notifications. */
#define VRING_AVAIL_F_NO_INTERRUPT	1
/* used->flags: the device does not want available-buffer notifications. */
#define VRING_USED_F_NO_NOTIFY		1

/* Largest queue a split ring can have (2.7: Queue Size <= 32768). */
#define VRING_SPLIT_MAX_SIZE	32768
/* Ring alignment the legacy layout used; kept for all split rings. */
#define VRING_SPLIT_ALIGN	4096

struct vring_desc {
	uint64_t addr;		/* guest address (VA or IOVA, see virtio_hw.use_va) */
	uint32_t len;
	uint16_t flags;		/* VRING_DESC_F_* */
	uint16_t next;		/* index of the next descriptor when F_NEXT */
};

struct vring_avail {
	uint16_t flags;		/* VRING_AVAIL_F_* */
	uint16_t idx;		/* free-running; written by the driver only */
	uint16_t ring[];	/* [size], then uint16_t used_event */
};

struct vring_used_elem {
	uint32_t id;		/* head of the used chain: UNTRUSTED */
	uint32_t len;		/* bytes written into the chain: UNTRUSTED */
};

struct vring_used {
	uint16_t flags;		/* VRING_USED_F_* */
	uint16_t idx;		/* free-running; written by the device only */
	struct vring_used_elem ring[];	/* [size], then uint16_t avail_event */
};

/* Byte sizes of the three split-ring areas for a queue of 'num' entries. */
static inline size_t
vring_split_desc_size(unsigned int num)
{
	return sizeof(struct vring_desc) * num;
}

static inline size_t
vring_split_avail_size(unsigned int num)
{
	return sizeof(struct vring_avail) + sizeof(uint16_t) * (num + 1);
}

static inline size_t
vring_split_used_size(unsigned int num)
{
	return sizeof(struct vring_used) + sizeof(struct vring_used_elem) * num +
		sizeof(uint16_t);
}

/* Offset of the used ring: after desc + avail, rounded up to 'align'. */
static inline size_t
vring_split_used_offset(unsigned int num, size_t align)
{
	return RTE_ALIGN_CEIL(vring_split_desc_size(num) + vring_split_avail_size(num),
			      align);
}

/* Total bytes of a split ring of 'num' entries laid out contiguously. */
static inline size_t
vring_split_size(unsigned int num, size_t align)
{
	return vring_split_used_offset(num, align) + vring_split_used_size(num);
}

/*
 * Event-index helper (VIRTIO_RING_F_EVENT_IDX): true when moving the index
 * from 'old_idx' to 'new_idx' crossed 'event_idx', all free-running.
 */
static inline int
vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* ---- Packed ring (2.8) ---- */

struct vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;		/* buffer id: UNTRUSTED when read back */
	uint16_t flags;		/* VRING_DESC_F_* | AVAIL/USED wrap bits */
};

/* Event suppression structure (driver and device areas). */
#define RING_EVENT_FLAGS_ENABLE		0x0
#define RING_EVENT_FLAGS_DISABLE	0x1
#define RING_EVENT_FLAGS_DESC		0x2	/* only with EVENT_IDX */
#define RING_EVENT_WRAP_SHIFT		15

struct vring_packed_desc_event {
	uint16_t desc_event_off_wrap;	/* offset | wrap counter << 15 */
	uint16_t desc_event_flags;	/* RING_EVENT_FLAGS_* */
};

/* Packed rings need 16-byte descriptors and 4-byte event areas (2.8.10.1). */
#define VRING_PACKED_DESC_ALIGN		16
#define VRING_PACKED_EVENT_ALIGN	4

/* Largest packed queue (2.8: up to 2^15 entries, any number, not only powers of two). */
#define VRING_PACKED_MAX_SIZE	32768

/*
 * One contiguous packed ring of 'num' entries: descriptors, the driver event
 * area right after them, the device event area at the next 'align' boundary.
 */
static inline size_t
vring_packed_driver_offset(unsigned int num)
{
	return sizeof(struct vring_packed_desc) * num;
}

static inline size_t
vring_packed_device_offset(unsigned int num, size_t align)
{
	return RTE_ALIGN_CEIL(vring_packed_driver_offset(num) +
			      sizeof(struct vring_packed_desc_event), align);
}

static inline size_t
vring_packed_size(unsigned int num, size_t align)
{
	return vring_packed_device_offset(num, align) + sizeof(struct vring_packed_desc_event);
}

/* ---- virtio-net header (5.1.6) ---- */

#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1	/* csum_start/csum_offset valid */
#define VIRTIO_NET_HDR_F_DATA_VALID	2	/* device checked the checksum */

#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* With MRG_RXBUF or VERSION_1: 12 bytes; num_buffers is only meaningful on Rx. */
struct virtio_net_hdr_mrg_rxbuf {
	struct virtio_net_hdr hdr;
	uint16_t num_buffers;
};

#endif /* VIRTIO_RING_H */
