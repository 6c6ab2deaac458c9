/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-queue emulation in the virtio-user device model (contract in
 * virtio_user_cvq.h): ring walking (pop/push, split and packed), the single
 * command switch (exec), the recorded state as xstats, and the glue to the
 * device model.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_eal_memconfig.h>
#include <rte_fbarray.h>
#include <rte_memory.h>
#include <rte_string_fns.h>

#include "../virtio_cvq.h"
#include "../virtio_logs.h"
#include "virtio_user_cvq.h"
#include "virtio_user_dev.h"

/*
 * <linux/virtio_ring.h> (through vhost.h) gives the ring structs and the
 * split flags; its packed AVAIL/USED macros are bit numbers, so masks here.
 */
#define CVQ_PACKED_F_AVAIL	(1u << VRING_PACKED_DESC_F_AVAIL)
#define CVQ_PACKED_F_USED	(1u << VRING_PACKED_DESC_F_USED)

/* ---- DPDK memory check ---- */

/*
 * The buffer [addr, addr + len) lies in DPDK memory that is allocated (every
 * page of it marked used in its memseg list): dereferencing it cannot fault.
 */
static void *
virtio_user_cvq_map(uint64_t addr, uint64_t len)
{
	const struct rte_memseg_list *msl;
	uint64_t base, off, end;

	if (len == 0 || addr + len < addr)
		return NULL;
	msl = rte_mem_virt2memseg_list((void *)(uintptr_t)addr);
	if (msl == NULL || msl->page_sz == 0)
		return NULL;
	base = (uint64_t)(uintptr_t)msl->base_va;
	if (addr + len > base + msl->len)
		return NULL;
	end = addr + len - base;
	for (off = RTE_ALIGN_FLOOR(addr - base, msl->page_sz); off < end; off += msl->page_sz)
		if (rte_fbarray_is_used((struct rte_fbarray *)(uintptr_t)&msl->memseg_arr,
					(unsigned int)(off / msl->page_sz)) != 1)
			return NULL;
	return (void *)(uintptr_t)addr;
}

/* ---- ring walking ---- */

static void
virtio_user_cvq_mark_broken(struct virtio_user_cvq *cvq, const char *why, unsigned int v)
{
	if (cvq->broken)
		return;
	cvq->broken = true;
	PMD_DRV_LOG(ERR, "%s: control queue: %s (%u); queue ignored until the device is reset",
		    cvq->name, why, v);
}

static void
virtio_user_cvq_req_init(struct virtio_user_cvq_req *req)
{
	req->len = 0;
	req->status = NULL;
	req->id = 0;
	req->ndescs = 0;
	req->bad = NULL;
	req->writable_seen = false;
}

/* The first writable buffer: its first byte is where the ack goes. */
static void
virtio_user_cvq_take_status(struct virtio_user_cvq_req *req, uint64_t addr, uint32_t len)
{
	const char *why = NULL;

	req->writable_seen = true;
	if (len == 0)
		why = "empty status buffer";
	else if ((req->status = virtio_user_cvq_map(addr, 1)) == NULL)
		why = "status buffer outside DPDK memory";
	if (req->bad == NULL)
		req->bad = why;
}

/*
 * Account one descriptor of a chain: readable ones are gathered into
 * req->cmd, the first writable one gives the status byte.  After the first
 * violation (req->bad) readable buffers are no longer read, but the status
 * byte is still located so that the chain can be answered VIRTIO_NET_ERR.
 */
static void
virtio_user_cvq_take(struct virtio_user_cvq_req *req, uint64_t addr, uint32_t len,
		     uint16_t flags)
{
	void *p;

	req->ndescs++;
	if (flags & VRING_DESC_F_INDIRECT) {
		req->bad = req->bad ? req->bad : "indirect descriptor";
	} else if (flags & VRING_DESC_F_WRITE) {
		if (!req->writable_seen)
			virtio_user_cvq_take_status(req, addr, len);
	} else if (req->bad != NULL) {
		return;
	} else if (req->writable_seen) {
		req->bad = "readable descriptor after a writable one";
	} else if (len > sizeof(req->cmd) - req->len) {
		req->bad = "command longer than the device accepts";
	} else if (len > 0) {
		p = virtio_user_cvq_map(addr, len);
		if (p == NULL) {
			req->bad = "readable buffer outside DPDK memory";
			return;
		}
		memcpy(req->cmd + req->len, p, len);
		req->len += len;
	}
}

/* A chain the device cannot answer in is malformed, even if it reads well. */
static int
virtio_user_cvq_req_done(struct virtio_user_cvq_req *req)
{
	if (!req->writable_seen && req->bad == NULL)
		req->bad = "no status buffer";
	return 1;
}

int
virtio_user_cvq_pop_split(struct virtio_user_cvq *cvq, struct virtio_user_cvq_req *req)
{
	uint16_t mask = cvq->size - 1, avail, head, idx, n;
	struct vring_desc d;

	if (cvq->broken || !cvq->ready)
		return cvq->broken ? -EIO : 0;
	/* Acquire pairs with the driver's release store of avail->idx. */
	avail = __atomic_load_n(&cvq->split.avail->idx, __ATOMIC_ACQUIRE);
	if (avail == cvq->last_avail)
		return 0;
	if ((uint16_t)(avail - cvq->last_avail) > cvq->size) {
		virtio_user_cvq_mark_broken(cvq, "avail idx moved beyond the ring size",
					    (uint16_t)(avail - cvq->last_avail));
		return -EIO;
	}
	virtio_user_cvq_req_init(req);
	head = cvq->split.avail->ring[cvq->last_avail & mask];
	cvq->last_avail++;
	req->id = head;
	if (head > mask) {
		req->bad = "head index beyond the ring";
		return 1;
	}
	for (idx = head, n = 0; ; n++) {
		if (n == cvq->size) {
			req->bad = "chain longer than the ring (loop)";
			break;
		}
		d = cvq->split.desc[idx];
		virtio_user_cvq_take(req, d.addr, d.len, d.flags);
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next > mask) {
			req->bad = req->bad ? req->bad : "next index beyond the ring";
			break;
		}
		idx = d.next;
	}
	return virtio_user_cvq_req_done(req);
}

static bool
virtio_user_cvq_packed_avail(const struct vring_packed_desc *desc, bool wrap)
{
	/* Acquire pairs with the driver's release store of the head's flags. */
	uint16_t flags = __atomic_load_n(&desc->flags, __ATOMIC_ACQUIRE);

	return !!(flags & CVQ_PACKED_F_AVAIL) == wrap &&
	       !!(flags & CVQ_PACKED_F_USED) != wrap;
}

int
virtio_user_cvq_pop_packed(struct virtio_user_cvq *cvq, struct virtio_user_cvq_req *req)
{
	struct vring_packed_desc d;
	uint16_t slot, n;

	if (cvq->broken || !cvq->ready)
		return cvq->broken ? -EIO : 0;
	if (!virtio_user_cvq_packed_avail(&cvq->packed.desc[cvq->last_avail], cvq->avail_wrap))
		return 0;
	virtio_user_cvq_req_init(req);
	/* A chain occupies consecutive slots; its buffer id is in the last one. */
	for (slot = cvq->last_avail, n = 0; ; n++) {
		if (n == cvq->size) {
			virtio_user_cvq_mark_broken(cvq, "chain longer than the ring", n);
			return -EIO;
		}
		d = cvq->packed.desc[slot];
		virtio_user_cvq_take(req, d.addr, d.len, d.flags);
		req->id = d.id;
		if (++slot == cvq->size)
			slot = 0;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
	}
	cvq->last_avail += req->ndescs;
	if (cvq->last_avail >= cvq->size) {
		cvq->last_avail -= cvq->size;
		cvq->avail_wrap = !cvq->avail_wrap;
	}
	return virtio_user_cvq_req_done(req);
}

static uint32_t
virtio_user_cvq_answer(const struct virtio_user_cvq_req *req, uint8_t ack)
{
	if (req->status == NULL)
		return 0;
	*req->status = ack;
	return 1;
}

void
virtio_user_cvq_push_split(struct virtio_user_cvq *cvq, const struct virtio_user_cvq_req *req,
			   uint8_t ack)
{
	struct vring_used_elem *e = &cvq->split.used->ring[cvq->used_idx & (cvq->size - 1)];

	e->id = req->id;
	e->len = virtio_user_cvq_answer(req, ack);
	cvq->used_idx++;
	/* Release: the status byte and the element before the index. */
	__atomic_store_n(&cvq->split.used->idx, cvq->used_idx, __ATOMIC_RELEASE);
}

void
virtio_user_cvq_push_packed(struct virtio_user_cvq *cvq, const struct virtio_user_cvq_req *req,
			    uint8_t ack)
{
	struct vring_packed_desc *d = &cvq->packed.desc[cvq->used_idx];
	uint32_t len = virtio_user_cvq_answer(req, ack);
	uint16_t flags = len ? VRING_DESC_F_WRITE : 0;

	if (cvq->used_wrap)
		flags |= CVQ_PACKED_F_AVAIL | CVQ_PACKED_F_USED;
	d->id = req->id;
	d->len = len;
	/* Release: status, id and len before the flags that hand the slot back. */
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	cvq->used_idx += req->ndescs;
	if (cvq->used_idx >= cvq->size) {
		cvq->used_idx -= cvq->size;
		cvq->used_wrap = !cvq->used_wrap;
	}
}

/* ---- commands ---- */

static bool
virtio_user_cvq_has(const struct virtio_user_cvq *cvq, unsigned int bit)
{
	return (cvq->features & VIRTIO_BIT(bit)) != 0;
}

static uint8_t
virtio_user_cvq_mac_table(struct virtio_user_cvq *cvq, const uint8_t *data, uint32_t len,
			  const char **why)
{
	struct virtio_user_cvq_state *st = &cvq->st;
	uint32_t n_uc, n_mc;

	/* le32 n_uc, n_uc entries, le32 n_mc, n_mc entries: exactly. */
	if (len < 2 * sizeof(uint32_t))
		goto short_data;
	memcpy(&n_uc, data, sizeof(n_uc));
	if (n_uc > VIRTIO_USER_CVQ_MAC_MAX)
		goto too_many;
	if (len < 2 * sizeof(uint32_t) + n_uc * RTE_ETHER_ADDR_LEN)
		goto short_data;
	memcpy(&n_mc, data + sizeof(n_uc) + n_uc * RTE_ETHER_ADDR_LEN, sizeof(n_mc));
	if (n_mc > VIRTIO_USER_CVQ_MAC_MAX - n_uc)
		goto too_many;
	if (len != 2 * sizeof(uint32_t) + (n_uc + n_mc) * RTE_ETHER_ADDR_LEN) {
		*why = "MAC table length does not match its entry counts";
		return VIRTIO_NET_ERR;
	}
	memcpy(st->macs, data + sizeof(n_uc), n_uc * RTE_ETHER_ADDR_LEN);
	memcpy(&st->macs[n_uc], data + 2 * sizeof(n_uc) + n_uc * RTE_ETHER_ADDR_LEN,
	       n_mc * RTE_ETHER_ADDR_LEN);
	st->n_uc = n_uc;
	st->n_mc = n_mc;
	return VIRTIO_NET_OK;
short_data:
	*why = "MAC table shorter than its entry counts";
	return VIRTIO_NET_ERR;
too_many:
	*why = "MAC table has more entries than the device keeps";
	return VIRTIO_NET_ERR;
}

static uint8_t
virtio_user_cvq_vlan(struct virtio_user_cvq *cvq, uint16_t vid, bool add, const char **why)
{
	struct virtio_user_cvq_state *st = &cvq->st;
	uint64_t bit = UINT64_C(1) << (vid % 64);
	bool had;

	if (vid >= 4096) {
		*why = "VLAN id above 4095";
		return VIRTIO_NET_ERR;
	}
	had = (st->vlans[vid / 64] & bit) != 0;
	if (add && !had) {
		st->vlans[vid / 64] |= bit;
		st->n_vlans++;
	} else if (!add && had) {
		st->vlans[vid / 64] &= ~bit;
		st->n_vlans--;
	}
	return VIRTIO_NET_OK;
}

static uint8_t
virtio_user_cvq_pairs(struct virtio_user_cvq *cvq, uint16_t pairs, const char **why)
{
	if (pairs < 1 || pairs > cvq->max_queue_pairs) {
		*why = "queue pair count out of range";
		return VIRTIO_NET_ERR;
	}
	if (cvq->set_queue_pairs != NULL && cvq->set_queue_pairs(cvq->ctx, pairs) < 0) {
		*why = "the backend did not switch the queue pairs";
		return VIRTIO_NET_ERR;
	}
	cvq->st.queue_pairs = pairs;
	return VIRTIO_NET_OK;
}

#define VIRTIO_USER_CVQ_CMD(class, cmd) (((class) << 8) | (cmd))

/* Feature each command class needs (virtio 1.2, 5.1.6.5). */
static unsigned int
virtio_user_cvq_class_feature(uint8_t class, uint8_t cmd)
{
	switch (class) {
	case VIRTIO_NET_CTRL_RX:
		return VIRTIO_NET_F_CTRL_RX;
	case VIRTIO_NET_CTRL_MAC:
		return cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET ? VIRTIO_NET_F_CTRL_MAC_ADDR :
							     VIRTIO_NET_F_CTRL_RX;
	case VIRTIO_NET_CTRL_VLAN:
		return VIRTIO_NET_F_CTRL_VLAN;
	case VIRTIO_NET_CTRL_ANNOUNCE:
		return VIRTIO_NET_F_GUEST_ANNOUNCE;
	case VIRTIO_NET_CTRL_MQ:
		return VIRTIO_NET_F_MQ;
	default:
		return VIRTIO_NET_F_CTRL_VQ;
	}
}

static bool
virtio_user_cvq_len_is(uint32_t len, uint32_t want, const char **why)
{
	if (len != want)
		*why = "data length wrong for the command";
	return len == want;
}

uint8_t
virtio_user_cvq_exec(struct virtio_user_cvq *cvq, const uint8_t *cmd, uint32_t len,
		     const char **why)
{
	struct virtio_user_cvq_state *st = &cvq->st;
	const uint8_t *data = cmd + sizeof(struct virtio_net_ctrl_hdr);
	uint32_t dlen;
	uint16_t u16 = 0;

	if (len < sizeof(struct virtio_net_ctrl_hdr)) {
		*why = "no command header";
		return VIRTIO_NET_ERR;
	}
	dlen = len - sizeof(struct virtio_net_ctrl_hdr);
	*why = "unknown class or command";
	if (!virtio_user_cvq_has(cvq, virtio_user_cvq_class_feature(cmd[0], cmd[1]))) {
		*why = "the command's feature was not negotiated";
		return VIRTIO_NET_ERR;
	}
	if (dlen == sizeof(u16))
		memcpy(&u16, data, sizeof(u16));
	switch (VIRTIO_USER_CVQ_CMD(cmd[0], cmd[1])) {
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC):
		if (!virtio_user_cvq_len_is(dlen, 1, why))
			return VIRTIO_NET_ERR;
		st->promisc = data[0] != 0;
		return VIRTIO_NET_OK;
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI):
		if (!virtio_user_cvq_len_is(dlen, 1, why))
			return VIRTIO_NET_ERR;
		st->allmulti = data[0] != 0;
		return VIRTIO_NET_OK;
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET):
		return virtio_user_cvq_mac_table(cvq, data, dlen, why);
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET):
		if (!virtio_user_cvq_len_is(dlen, RTE_ETHER_ADDR_LEN, why))
			return VIRTIO_NET_ERR;
		memcpy(&st->mac, data, RTE_ETHER_ADDR_LEN);
		st->mac_set = true;
		return VIRTIO_NET_OK;
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD):
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_DEL):
		if (!virtio_user_cvq_len_is(dlen, sizeof(u16), why))
			return VIRTIO_NET_ERR;
		return virtio_user_cvq_vlan(cvq, u16, cmd[1] == VIRTIO_NET_CTRL_VLAN_ADD, why);
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK):
		if (!virtio_user_cvq_len_is(dlen, 0, why))
			return VIRTIO_NET_ERR;
		st->announce_acks++;
		return VIRTIO_NET_OK;
	case VIRTIO_USER_CVQ_CMD(VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET):
		if (!virtio_user_cvq_len_is(dlen, sizeof(u16), why))
			return VIRTIO_NET_ERR;
		return virtio_user_cvq_pairs(cvq, u16, why);
	default:
		return VIRTIO_NET_ERR;
	}
}

/* Execute a popped chain (unless malformed): the ack, counted and logged. */
static uint8_t
virtio_user_cvq_serve(struct virtio_user_cvq *cvq, const struct virtio_user_cvq_req *req)
{
	const char *why = NULL;
	uint8_t ack;

	if (req->bad != NULL) {
		cvq->st.chains_bad++;
		PMD_DRV_LOG(ERR, "%s: control queue: malformed chain (id %u, %u descriptors): %s",
			    cvq->name, req->id, req->ndescs, req->bad);
		return VIRTIO_NET_ERR;
	}
	ack = virtio_user_cvq_exec(cvq, req->cmd, req->len, &why);
	if (ack == VIRTIO_NET_OK) {
		cvq->st.cmds_ok++;
		return ack;
	}
	cvq->st.cmds_err++;
	PMD_DRV_LOG(NOTICE, "%s: control command class %u cmd %u rejected: %s", cvq->name,
		    req->len > 0 ? req->cmd[0] : 0, req->len > 1 ? req->cmd[1] : 0, why);
	return ack;
}

unsigned int
virtio_user_cvq_process(struct virtio_user_cvq *cvq)
{
	struct virtio_user_cvq_req req;
	unsigned int n;
	uint8_t ack;
	int ret;

	for (n = 0; n < cvq->size; n++) {
		ret = cvq->packed_ring ? virtio_user_cvq_pop_packed(cvq, &req) :
					 virtio_user_cvq_pop_split(cvq, &req);
		if (ret <= 0)
			break;
		ack = virtio_user_cvq_serve(cvq, &req);
		if (cvq->packed_ring)
			virtio_user_cvq_push_packed(cvq, &req, ack);
		else
			virtio_user_cvq_push_split(cvq, &req, ack);
	}
	return n;
}

/* ---- lifecycle ---- */

int
virtio_user_cvq_bind(struct virtio_user_cvq *cvq, const struct virtio_vq_layout *l,
		     uint64_t features)
{
	size_t bytes = l->packed ? sizeof(struct vring_packed_desc) * l->size :
				   sizeof(struct vring_desc) * l->size;
	size_t avail_bytes = sizeof(struct vring_avail) + sizeof(uint16_t) * (l->size + 1);
	size_t used_bytes = sizeof(struct vring_used) + sizeof(struct vring_used_elem) * l->size +
			    sizeof(uint16_t);

	cvq->ready = false;
	cvq->broken = false;
	if (l->size == 0 || (!l->packed && !rte_is_power_of_2(l->size)) ||
	    virtio_user_cvq_map(l->desc_addr, bytes) == NULL ||
	    (!l->packed && (virtio_user_cvq_map(l->avail_addr, avail_bytes) == NULL ||
			    virtio_user_cvq_map(l->used_addr, used_bytes) == NULL))) {
		PMD_DRV_LOG(ERR, "%s: control queue of %u entries is not in DPDK memory",
			    cvq->name, l->size);
		return -EFAULT;
	}
	cvq->packed_ring = l->packed;
	cvq->size = l->size;
	if (l->packed) {
		cvq->packed.desc = (void *)(uintptr_t)l->desc_addr;
	} else {
		cvq->split.desc = (void *)(uintptr_t)l->desc_addr;
		cvq->split.avail = (void *)(uintptr_t)l->avail_addr;
		cvq->split.used = (void *)(uintptr_t)l->used_addr;
	}
	/* Fresh ring (virtio 1.2, 2.8.1): both packed wrap counters start at 1. */
	cvq->last_avail = 0;
	cvq->used_idx = 0;
	cvq->avail_wrap = true;
	cvq->used_wrap = true;
	cvq->features = features;
	cvq->ready = true;
	return 0;
}

void
virtio_user_cvq_reset(struct virtio_user_cvq *cvq)
{
	struct virtio_user_cvq_state *st = &cvq->st;

	cvq->ready = false;
	cvq->broken = false;
	st->promisc = true;
	st->allmulti = false;
	st->queue_pairs = 1;
	st->n_uc = 0;
	st->n_mc = 0;
	st->mac_set = false;
	memset(&st->mac, 0, sizeof(st->mac));
	st->n_vlans = 0;
	memset(st->vlans, 0, sizeof(st->vlans));
}

/* ---- recorded state as xstats ---- */

enum virtio_user_cvq_xstat {
	CVQ_X_PROMISC,
	CVQ_X_ALLMULTI,
	CVQ_X_QUEUE_PAIRS,
	CVQ_X_MAC_ENTRIES,
	CVQ_X_MAC_UNICAST,
	CVQ_X_MAC_MULTICAST,
	CVQ_X_MAC_ADDR,
	CVQ_X_VLAN_FILTERS,
	CVQ_X_ANNOUNCE_ACKS,
	CVQ_X_CMDS_OK,
	CVQ_X_CMDS_ERR,
	CVQ_X_CHAINS_BAD,
	CVQ_X_MAX,
};

static const char *const virtio_user_cvq_xstat_names[CVQ_X_MAX] = {
	[CVQ_X_PROMISC] = "cvq_promisc",
	[CVQ_X_ALLMULTI] = "cvq_allmulti",
	[CVQ_X_QUEUE_PAIRS] = "cvq_queue_pairs",
	[CVQ_X_MAC_ENTRIES] = "cvq_mac_entries",
	[CVQ_X_MAC_UNICAST] = "cvq_mac_unicast",
	[CVQ_X_MAC_MULTICAST] = "cvq_mac_multicast",
	[CVQ_X_MAC_ADDR] = "cvq_mac_addr",
	[CVQ_X_VLAN_FILTERS] = "cvq_vlan_filters",
	[CVQ_X_ANNOUNCE_ACKS] = "cvq_announce_acks",
	[CVQ_X_CMDS_OK] = "cvq_commands_ok",
	[CVQ_X_CMDS_ERR] = "cvq_commands_rejected",
	[CVQ_X_CHAINS_BAD] = "cvq_chains_malformed",
};

unsigned int
virtio_user_cvq_xstats_count(void)
{
	return CVQ_X_MAX;
}

const char *
virtio_user_cvq_xstats_name(unsigned int i)
{
	return i < CVQ_X_MAX ? virtio_user_cvq_xstat_names[i] : NULL;
}

/* The MAC as a 48-bit number, first byte most significant; 0 before ADDR_SET. */
static uint64_t
virtio_user_cvq_mac_u64(const struct virtio_user_cvq_state *st)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; st->mac_set && i < RTE_ETHER_ADDR_LEN; i++)
		v = (v << 8) | st->mac.addr_bytes[i];
	return v;
}

uint64_t
virtio_user_cvq_xstats_value(const struct virtio_user_cvq *cvq, unsigned int i)
{
	const struct virtio_user_cvq_state *st = &cvq->st;

	switch (i) {
	case CVQ_X_PROMISC: return st->promisc;
	case CVQ_X_ALLMULTI: return st->allmulti;
	case CVQ_X_QUEUE_PAIRS: return st->queue_pairs;
	case CVQ_X_MAC_ENTRIES: return st->n_uc + st->n_mc;
	case CVQ_X_MAC_UNICAST: return st->n_uc;
	case CVQ_X_MAC_MULTICAST: return st->n_mc;
	case CVQ_X_MAC_ADDR: return virtio_user_cvq_mac_u64(st);
	case CVQ_X_VLAN_FILTERS: return st->n_vlans;
	case CVQ_X_ANNOUNCE_ACKS: return st->announce_acks;
	case CVQ_X_CMDS_OK: return st->cmds_ok;
	case CVQ_X_CMDS_ERR: return st->cmds_err;
	case CVQ_X_CHAINS_BAD: return st->chains_bad;
	default: return 0;
	}
}

/* ---- device-model glue ---- */

static int
virtio_user_dev_cvq_set_pairs(void *ctx, uint16_t pairs)
{
	return virtio_user_dev_set_queue_pairs(ctx, pairs);
}

static uint16_t
virtio_user_dev_cvq_index(const struct virtio_user_dev *dev)
{
	return (uint16_t)(2 * dev->max_queue_pairs);
}

void
virtio_user_dev_cvq_start(struct virtio_user_dev *dev)
{
	struct virtio_user_cvq *cvq = &dev->cvq;
	uint16_t i = virtio_user_dev_cvq_index(dev);

	if (!dev->cq_emulated || i >= dev->nb_vrings || !dev->vring_ready[i])
		return;
	cvq->name = dev->name;
	cvq->max_queue_pairs = dev->max_queue_pairs;
	cvq->set_queue_pairs = virtio_user_dev_cvq_set_pairs;
	cvq->ctx = dev;
	(void)virtio_user_cvq_bind(cvq, &dev->vrings[i], dev->features);
}

void
virtio_user_dev_cvq_reset(struct virtio_user_dev *dev)
{
	if (!dev->cq_emulated)
		return;
	pthread_mutex_lock(&dev->mutex);
	virtio_user_cvq_reset(&dev->cvq);
	dev->queue_pairs = 1;
	pthread_mutex_unlock(&dev->mutex);
}

void
virtio_user_dev_cvq_notify(struct virtio_user_dev *dev)
{
	/*
	 * The memory read lock keeps the memseg lists the buffers are checked
	 * against stable; taken before dev->mutex (by VQ_PAIRS_SET), the order
	 * virtio_user_dev_start uses.
	 */
	rte_mcfg_mem_read_lock();
	(void)virtio_user_cvq_process(&dev->cvq);
	rte_mcfg_mem_read_unlock();
}

unsigned int
virtio_user_dev_cvq_xstats_names(const struct virtio_user_dev *dev,
				 struct rte_eth_xstat_name *names)
{
	unsigned int i;

	if (!dev->cq_emulated)
		return 0;
	for (i = 0; names != NULL && i < CVQ_X_MAX; i++)
		strlcpy(names[i].name, virtio_user_cvq_xstat_names[i], sizeof(names[i].name));
	return CVQ_X_MAX;
}

unsigned int
virtio_user_dev_cvq_xstats_get(const struct virtio_user_dev *dev, struct rte_eth_xstat *xstats,
			       unsigned int first_id)
{
	const struct virtio_user_cvq *cvq = &dev->cvq;
	unsigned int i;

	if (!dev->cq_emulated)
		return 0;
	for (i = 0; xstats != NULL && i < CVQ_X_MAX; i++) {
		xstats[i].id = first_id + i;
		xstats[i].value = virtio_user_cvq_xstats_value(cvq, i);
	}
	return CVQ_X_MAX;
}
