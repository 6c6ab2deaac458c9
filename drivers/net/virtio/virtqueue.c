/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtqueue lifetime: allocation of the queue object, its ring and Tx header
 * region, reset, teardown, the transport layout and the broken state.
 * Layout-specific work is dispatched with a switch on vq->layout.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "virtio_logs.h"
#include "virtio_rxtx.h"
#include "virtqueue.h"

static const char *const virtqueue_type_names[] = {
	[VIRTQUEUE_TYPE_RX] = "rxq",
	[VIRTQUEUE_TYPE_TX] = "txq",
	[VIRTQUEUE_TYPE_CTRL] = "cvq",
};

/* Queue number within its type, for logs: Rx/Tx pair number, 0 for the cvq. */
static unsigned int
virtqueue_log_qid(const struct virtqueue *vq)
{
	return vq->type == VIRTQUEUE_TYPE_CTRL ? 0 : vq->index / 2;
}

static int
virtqueue_type_of(const struct virtio_hw *hw, uint16_t index, uint8_t *type)
{
	uint32_t pairs = 2u * hw->max_queue_pairs;

	if (index < pairs)
		*type = (index & 1) ? VIRTQUEUE_TYPE_TX : VIRTQUEUE_TYPE_RX;
	else if (index == pairs)
		*type = VIRTQUEUE_TYPE_CTRL;
	else
		return -EINVAL;
	return 0;
}

static uint64_t
virtqueue_mz_addr(const struct virtio_hw *hw, const struct rte_memzone *mz)
{
	return hw->use_va ? (uint64_t)(uintptr_t)mz->addr : (uint64_t)mz->iova;
}

static const struct rte_memzone *
virtqueue_mz_reserve(const struct virtio_hw *hw, uint16_t index, const char *suffix,
		     size_t len, int socket_id)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	snprintf(name, sizeof(name), "vu%u_vq%u%s", hw->port_id, index, suffix);
	mz = rte_memzone_reserve_aligned(name, len, socket_id, RTE_MEMZONE_IOVA_CONTIG,
					 VRING_SPLIT_ALIGN);
	if (mz == NULL) {
		PMD_INIT_LOG(ERR,
			     "port %u vq %u: cannot reserve memzone %s (%zu bytes, socket %d): %s",
			     hw->port_id, index, name, len, socket_id, rte_strerror(rte_errno));
		return NULL;
	}
	memset(mz->addr, 0, len);
	return mz;
}

/* The Rx/Tx queue object that lives right after the virtqueue. */
static size_t
virtqueue_q_size(uint8_t type)
{
	switch (type) {
	case VIRTQUEUE_TYPE_RX:
		return RTE_ALIGN_CEIL(sizeof(struct virtnet_rx), RTE_CACHE_LINE_SIZE);
	case VIRTQUEUE_TYPE_TX:
		return RTE_ALIGN_CEIL(sizeof(struct virtnet_tx), RTE_CACHE_LINE_SIZE);
	default:
		return 0;
	}
}

static void
virtqueue_q_init(struct virtqueue *vq)
{
	struct virtnet_rx *rxq;
	struct virtnet_tx *txq;

	switch (vq->type) {
	case VIRTQUEUE_TYPE_RX:
		rxq = vq->q;
		rxq->vq = vq;
		rxq->port_id = vq->hw->port_id;
		rxq->queue_id = vq->index / 2;
		break;
	case VIRTQUEUE_TYPE_TX:
		txq = vq->q;
		txq->vq = vq;
		txq->port_id = vq->hw->port_id;
		txq->queue_id = vq->index / 2;
		txq->hdr_va = vq->hdr_va;
		txq->hdr_addr = vq->hdr_addr;
		break;
	default:
		break;
	}
}

static int
virtqueue_check_args(const struct virtio_hw *hw, uint16_t index, uint16_t size, uint8_t *type)
{
	if (virtqueue_type_of(hw, index, type) < 0) {
		PMD_INIT_LOG(ERR, "port %u vq %u: index beyond the %u queue pairs and the cvq",
			     hw->port_id, index, hw->max_queue_pairs);
		return -EINVAL;
	}
	if (virtio_with_packed_queue(hw)) {
		if (size == 0 || size > VRING_PACKED_MAX_SIZE) {
			PMD_INIT_LOG(ERR, "port %u vq %u: packed ring size %u outside [1, %u]",
				     hw->port_id, index, size, VRING_PACKED_MAX_SIZE);
			return -EINVAL;
		}
		return 0;
	}
	if (size == 0 || !rte_is_power_of_2(size) || size > VRING_SPLIT_MAX_SIZE) {
		PMD_INIT_LOG(ERR,
			     "port %u vq %u: split ring size %u is not a power of two in [1, %u]",
			     hw->port_id, index, size, VRING_SPLIT_MAX_SIZE);
		return -EINVAL;
	}
	return 0;
}

int
virtqueue_create(struct virtio_hw *hw, uint16_t index, uint16_t size, int socket_id,
		 struct virtqueue **out)
{
	size_t vq_bytes, q_bytes;
	struct virtqueue *vq;
	uint8_t type;
	int ret;

	*out = NULL;
	ret = virtqueue_check_args(hw, index, size, &type);
	if (ret < 0)
		return ret;

	vq_bytes = RTE_ALIGN_CEIL(sizeof(*vq), RTE_CACHE_LINE_SIZE);
	q_bytes = virtqueue_q_size(type);
	vq = rte_zmalloc_socket("virtqueue", vq_bytes + q_bytes +
				sizeof(struct vq_desc_extra) * size,
				RTE_CACHE_LINE_SIZE, socket_id);
	if (vq == NULL) {
		PMD_INIT_LOG(ERR, "port %u vq %u: cannot allocate queue state for %u entries",
			     hw->port_id, index, size);
		return -ENOMEM;
	}
	vq->hw = hw;
	vq->index = index;
	vq->type = type;
	vq->size = size;
	vq->mask = size - 1;	/* meaningful for split only */
	vq->limit = size;
	vq->in_order = virtio_with_feature(hw, VIRTIO_F_IN_ORDER);
	vq->weak_barriers = hw->weak_barriers;
	vq->layout = virtio_with_packed_queue(hw) ? VIRTQUEUE_LAYOUT_PACKED :
						    VIRTQUEUE_LAYOUT_SPLIT;
	vq->q = q_bytes ? (uint8_t *)vq + vq_bytes : NULL;
	vq->descx = (struct vq_desc_extra *)((uint8_t *)vq + vq_bytes + q_bytes);
#if RTE_IOVA_AS_PA
	vq->mbuf_addr_off = hw->use_va ? offsetof(struct rte_mbuf, buf_addr) :
					 offsetof(struct rte_mbuf, buf_iova);
#else
	vq->mbuf_addr_off = offsetof(struct rte_mbuf, buf_addr);
#endif

	vq->ring_bytes = vq->layout == VIRTQUEUE_LAYOUT_PACKED ?
			 virtqueue_packed_ring_size(size) : virtqueue_split_ring_size(size);
	vq->ring_mz = virtqueue_mz_reserve(hw, index, "", vq->ring_bytes, socket_id);
	if (vq->ring_mz == NULL) {
		ret = -ENOMEM;
		goto err_free_vq;
	}
	vq->ring_addr = virtqueue_mz_addr(hw, vq->ring_mz);
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		virtqueue_split_init(vq, vq->ring_mz->addr);
		break;
	case VIRTQUEUE_LAYOUT_PACKED:
		virtqueue_packed_init(vq, vq->ring_mz->addr);
		break;
	}

	if (type != VIRTQUEUE_TYPE_RX) {
		vq->hdr_mz = virtqueue_mz_reserve(hw, index, "_hdr",
						  sizeof(struct virtio_tx_region) * size,
						  socket_id);
		if (vq->hdr_mz == NULL) {
			ret = -ENOMEM;
			goto err_free_ring;
		}
		vq->hdr_va = vq->hdr_mz->addr;
		vq->hdr_addr = virtqueue_mz_addr(hw, vq->hdr_mz);
	}
	virtqueue_q_init(vq);
	virtqueue_reset(vq);
	*out = vq;
	return 0;

err_free_ring:
	rte_memzone_free(vq->ring_mz);
err_free_vq:
	rte_free(vq);
	return ret;
}

static void
virtqueue_free_mbufs(struct virtqueue *vq)
{
	uint16_t i;

	for (i = 0; i < vq->size; i++) {
		if (vq->descx[i].cookie == NULL)
			continue;
		/* Only the Rx/Tx datapath stores mbufs as cookies. */
		if (vq->type != VIRTQUEUE_TYPE_CTRL)
			rte_pktmbuf_free(vq->descx[i].cookie);
		vq->descx[i].cookie = NULL;
		vq->descx[i].ndescs = 0;
	}
}

void
virtqueue_reset(struct virtqueue *vq)
{
	vq->running = 0;
	vq->started = false;
	vq->broken = false;
	virtqueue_free_mbufs(vq);
	if (vq->hdr_va != NULL)
		memset(vq->hdr_va, 0, sizeof(struct virtio_tx_region) * vq->size);
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		virtqueue_split_reset(vq);
		break;
	case VIRTQUEUE_LAYOUT_PACKED:
		virtqueue_packed_reset(vq);
		break;
	}
	vq->free_cnt = vq->limit;
}

void
virtqueue_destroy(struct virtqueue *vq)
{
	if (vq == NULL)
		return;
	vq->running = 0;
	virtqueue_free_mbufs(vq);
	rte_memzone_free(vq->hdr_mz);
	rte_memzone_free(vq->ring_mz);
	rte_free(vq);
}

void
virtqueue_get_layout(const struct virtqueue *vq, struct virtio_vq_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->index = vq->index;
	out->size = vq->size;
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		virtqueue_split_layout(vq, out);
		break;
	case VIRTQUEUE_LAYOUT_PACKED:
		virtqueue_packed_layout(vq, out);
		break;
	}
}

uint16_t
virtqueue_index(const struct virtqueue *vq)
{
	return vq->index;
}

bool
virtqueue_is_broken(const struct virtqueue *vq)
{
	return vq->broken;
}

void
virtqueue_mark_broken(struct virtqueue *vq, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	vq->running = 0;
	if (vq->broken)
		return;
	vq->broken = true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	PMD_DRV_LOG(ERR, "port %u %s %u (vq %u): device error: %s; queue disabled until restart",
		    vq->hw->port_id, virtqueue_type_names[vq->type], virtqueue_log_qid(vq),
		    vq->index, why);
}

int
virtqueue_add_chain(struct virtqueue *vq, const struct virtqueue_buf *bufs,
		    uint16_t n_out, uint16_t n_in, void *cookie)
{
	if (vq->broken)
		return -EIO;
	if (cookie == NULL || n_out + n_in == 0 || n_out + n_in > vq->size)
		return -EINVAL;
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		return virtqueue_split_add_chain(vq, bufs, n_out, n_in, cookie);
	case VIRTQUEUE_LAYOUT_PACKED:
		return virtqueue_packed_add_chain(vq, bufs, n_out, n_in, cookie);
	}
	return -ENOTSUP;
}

void *
virtqueue_get_used(struct virtqueue *vq, uint32_t *len)
{
	if (vq->broken)
		return NULL;
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		return virtqueue_split_get_used(vq, len);
	case VIRTQUEUE_LAYOUT_PACKED:
		return virtqueue_packed_get_used(vq, len);
	}
	return NULL;
}

void
virtqueue_kick(struct virtqueue *vq)
{
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		if (virtqueue_split_kick_needed(vq))
			virtqueue_notify(vq);
		break;
	case VIRTQUEUE_LAYOUT_PACKED:
		if (virtqueue_packed_kick_needed(vq))
			virtqueue_notify(vq);
		break;
	}
}

void *
virtqueue_hdr_mem(const struct virtqueue *vq, uint64_t *dev_addr, size_t *len)
{
	*dev_addr = vq->hdr_addr;
	*len = vq->hdr_va == NULL ? 0 : sizeof(struct virtio_tx_region) * vq->size;
	return vq->hdr_va;
}

int
virtqueue_resume_base(struct virtqueue *vq, uint32_t *base)
{
	if (vq->broken)
		return -EIO;
	switch (vq->layout) {
	case VIRTQUEUE_LAYOUT_SPLIT:
		return virtqueue_split_resume_base(vq, base);
	case VIRTQUEUE_LAYOUT_PACKED:
		return virtqueue_packed_resume_base(vq, base);
	}
	return -ENOTSUP;
}
