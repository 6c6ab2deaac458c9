/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_USER_CVQ_H
#define VIRTIO_USER_CVQ_H

/*
 * Control-queue emulation: for vhost-user and vhost-kernel backends, which
 * know nothing of the control queue, the device model serves it itself, in
 * the kicking thread (the transport's notify_queue), so the driver's bounded
 * wait is over as soon as the kick returns.
 *
 * Walking the ring is separate from executing a command (STYLE rule 5):
 * pop_split/pop_packed take one chain off the ring and return its readable
 * bytes (header and data, copied out) and where its status byte is; exec runs
 * one command (the single command switch) and returns the ack; push_* write
 * the ack and the used entry.  These functions need no backend: a test drives
 * them on hand-written rings in DPDK memory.
 *
 * The driver side of the ring is UNTRUSTED: every descriptor is copied before
 * use, every index bounded by the ring size, every chain walk capped at the
 * ring size, every buffer checked to lie in allocated DPDK memory.  A chain
 * that breaks a rule is answered VIRTIO_NET_ERR (when it has a status byte)
 * and never executed; a ring whose indexes make no sense is marked broken and
 * ignored until the device is reset.  Device addresses are virtual addresses
 * (vhost-user and vhost-kernel run with hw->use_va).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>

#include "../virtio.h"

/*
 * Ring layouts: the device model sees them through <linux/virtio_ring.h>
 * (vhost.h includes it), the driver and tests through ../virtio_ring.h; both
 * are the virtio 1.2 layouts, so this header only names them.
 */
struct vring_desc;
struct vring_avail;
struct vring_used;
struct vring_packed_desc;

/* MAC table entries (unicast + multicast) the device records. */
#define VIRTIO_USER_CVQ_MAC_MAX		128
/* Readable bytes of one command (header + data); a full MAC table fits. */
#define VIRTIO_USER_CVQ_CMD_MAX		1024

/*
 * What the commands set.  Reset with the device to the values a real
 * virtio-net device (QEMU) starts with: promiscuous on, all-multicast off,
 * empty MAC and VLAN tables, one queue pair.
 */
struct virtio_user_cvq_state {
	bool promisc;
	bool allmulti;
	uint16_t queue_pairs;
	uint32_t n_uc;			/* macs[0, n_uc): unicast */
	uint32_t n_mc;			/* macs[n_uc, n_uc + n_mc): multicast */
	struct rte_ether_addr macs[VIRTIO_USER_CVQ_MAC_MAX];
	bool mac_set;			/* MAC_ADDR_SET received */
	struct rte_ether_addr mac;
	uint32_t n_vlans;
	uint64_t vlans[4096 / 64];	/* bitmap of filtered VLAN ids */
	/* Counters (not reset: they describe the device's whole life). */
	uint64_t announce_acks;
	uint64_t cmds_ok;
	uint64_t cmds_err;		/* well-formed, answered VIRTIO_NET_ERR */
	uint64_t chains_bad;		/* malformed chains */
};

struct virtio_user_cvq {
	const char *name;		/* device name, for logs */
	/* Ring, as the driver laid it out (see virtio_user_cvq_bind). */
	union {
		struct {
			struct vring_desc *desc;
			struct vring_avail *avail;
			struct vring_used *used;
		} split;
		struct {
			struct vring_packed_desc *desc;
		} packed;
	};
	uint16_t size;
	bool packed_ring;
	bool ready;			/* bound to a ring */
	bool broken;			/* ring state makes no sense: ignored until reset */
	uint16_t last_avail;		/* split: free-running; packed: next slot */
	uint16_t used_idx;		/* split: free-running; packed: next slot */
	bool avail_wrap;		/* packed wrap counters */
	bool used_wrap;
	uint64_t features;		/* negotiated: commands need their feature */
	uint16_t max_queue_pairs;
	/* VQ_PAIRS_SET: enable the first 'pairs' pairs, disable the rest. */
	int (*set_queue_pairs)(void *ctx, uint16_t pairs);
	void *ctx;
	struct virtio_user_cvq_state st;
};

/* One chain taken off the ring. */
struct virtio_user_cvq_req {
	uint8_t cmd[VIRTIO_USER_CVQ_CMD_MAX];	/* readable bytes: header, then data */
	uint32_t len;
	uint8_t *status;		/* first writable byte; NULL: none usable */
	uint16_t id;			/* split: head; packed: buffer id */
	uint16_t ndescs;		/* descriptors in the chain */
	bool writable_seen;
	const char *bad;		/* non-NULL: malformed (why); not executed */
};

/*
 * Bind to the ring 'l' (after the driver set it up) and reset the ring
 * indexes; the recorded state is not touched.  -EFAULT (logged, cvq left
 * unbound) when the ring does not lie in DPDK memory.
 */
int virtio_user_cvq_bind(struct virtio_user_cvq *cvq, const struct virtio_vq_layout *l,
			 uint64_t features);
/* Device reset: unbind, recorded state back to its defaults. */
void virtio_user_cvq_reset(struct virtio_user_cvq *cvq);

/*
 * Take the next available chain.  1: *req filled (req->bad set if malformed),
 * 0: nothing available, -EIO: ring broken (logged once).
 */
int virtio_user_cvq_pop_split(struct virtio_user_cvq *cvq, struct virtio_user_cvq_req *req);
int virtio_user_cvq_pop_packed(struct virtio_user_cvq *cvq, struct virtio_user_cvq_req *req);

/*
 * Execute one command (header + data, 'len' bytes) against cvq->st.  Returns
 * VIRTIO_NET_OK or VIRTIO_NET_ERR; *why says why on ERR.
 */
uint8_t virtio_user_cvq_exec(struct virtio_user_cvq *cvq, const uint8_t *cmd, uint32_t len,
			     const char **why);

/* Write 'ack' into the chain's status byte (if any) and return the chain used. */
void virtio_user_cvq_push_split(struct virtio_user_cvq *cvq,
				const struct virtio_user_cvq_req *req, uint8_t ack);
void virtio_user_cvq_push_packed(struct virtio_user_cvq *cvq,
				 const struct virtio_user_cvq_req *req, uint8_t ack);

/*
 * Serve every available chain (at most one ring's worth per call): pop,
 * exec unless malformed, push.  Returns the chains served.
 */
unsigned int virtio_user_cvq_process(struct virtio_user_cvq *cvq);

/* Recorded state as xstats: names "cvq_*", values in the same order. */
unsigned int virtio_user_cvq_xstats_count(void);
const char *virtio_user_cvq_xstats_name(unsigned int i);
uint64_t virtio_user_cvq_xstats_value(const struct virtio_user_cvq *cvq, unsigned int i);

/*
 * The same for a virtio-user device: 0 entries unless its control queue is
 * emulated; contract of struct virtio_ops dev_xstats_names / dev_xstats_get.
 */
struct virtio_user_dev;
unsigned int virtio_user_dev_cvq_xstats_names(const struct virtio_user_dev *dev,
					      struct rte_eth_xstat_name *names);
unsigned int virtio_user_dev_cvq_xstats_get(const struct virtio_user_dev *dev,
					    struct rte_eth_xstat *xstats, unsigned int first_id);

struct virtio_user_dev;

/*
 * Device-model glue (virtio_user_dev.c, virtio_user_ethdev.c): bind at
 * DRIVER_OK, reset with the device (queue pairs back to 1, virtio 1.2
 * 5.1.6.5.5), serve a kick on the control queue.  No-ops unless the control
 * queue is emulated.
 */
void virtio_user_dev_cvq_start(struct virtio_user_dev *dev);
void virtio_user_dev_cvq_reset(struct virtio_user_dev *dev);
void virtio_user_dev_cvq_notify(struct virtio_user_dev *dev);

#endif /* VIRTIO_USER_CVQ_H */
