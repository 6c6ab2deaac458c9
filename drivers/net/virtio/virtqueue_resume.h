/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTQUEUE_RESUME_H
#define VIRTQUEUE_RESUME_H

/*
 * The one virtqueue entry point the virtio-user device model calls.  It has
 * a header of its own because virtqueue.h brings the spec ring structs
 * (virtio_ring.h), which clash with <linux/virtio_ring.h> that the vhost
 * backend headers include.
 */

#include <stdint.h>

struct virtqueue;

/*
 * Where a new device resumes a started ring whose previous device is gone
 * (a vhost-user backend restart): the SET_VRING_BASE value.  Split: the used
 * index the dead device published.  Packed: the position (bits 0-14) and lap
 * (bit 15) the driver reaches once it has consumed every descriptor the dead
 * device marked used; see virtqueue_packed.c for the scan, the chains it
 * completes on the dead device's behalf and why it may run while the bursts
 * do.  Buffers the dead device took but did not complete are offered again.
 * Only once the old device has stopped writing the ring and before the new
 * one has it.  Returns 0 and *base; -EIO (queue broken), -EPROTO (the ring is
 * not consistent with what the driver posted: the queue is marked broken,
 * logged) or -EBUSY (the bursts kept moving; logged): the ring needs a reset.
 */
int virtqueue_resume_base(struct virtqueue *vq, uint32_t *base);

#endif /* VIRTQUEUE_RESUME_H */
