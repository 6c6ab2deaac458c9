/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control queue, both sides, without a backend or an ethdev port (EAL runs
 * --no-huge only to provide DPDK memory, which the device model insists the
 * buffers live in).
 *
 * Device side: hand-written split and packed rings in DPDK memory are fed to
 * virtio_user_cvq_process (pop + exec + push): every command the driver uses,
 * the recorded state, and malformed chains -- too short, too long, wrong
 * direction, lengths beyond any buffer, addresses outside DPDK memory, bad
 * indexes, loops, indirect tables, a nonsensical avail index -- which must be
 * answered VIRTIO_NET_ERR (or returned without status) and never executed,
 * never crash, never hang.
 *
 * Driver side: virtio_cvq_send and the ethdev ops through a real virtqueue
 * whose kick runs the emulation synchronously, asynchronously (another thread
 * answers later, as a vDPA device would) or never (timeout, then -EBUSY until
 * the late answer is reaped).
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <ethdev_driver.h>

#include "test_harness.h"
#include "virtio.h"
#include "virtio_cvq.h"
#include "virtio_ring.h"
#include "virtqueue.h"
#include "virtio_user/virtio_user_cvq.h"


#define ALL_CTRL (VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | \
		  VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
		  VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) | \
		  VIRTIO_BIT(VIRTIO_F_VERSION_1))
#define MAX_PAIRS 4
#define NO_ANSWER (-1)

/* ---- the device under test ---- */

static struct virtio_user_cvq cvq;
static int pairs_ret;		/* what the fake backend's VQ_PAIRS_SET returns */
static unsigned int pairs_calls;
static uint16_t pairs_last;

static int
fake_set_pairs(void *ctx, uint16_t pairs)
{
	RTE_SET_USED(ctx);
	pairs_calls++;
	pairs_last = pairs;
	return pairs_ret;
}

static void
cvq_setup(const struct virtio_vq_layout *l, uint64_t features)
{
	memset(&cvq, 0, sizeof(cvq));
	cvq.name = "cvqtest";
	cvq.max_queue_pairs = MAX_PAIRS;
	cvq.set_queue_pairs = fake_set_pairs;
	virtio_user_cvq_reset(&cvq);
	CHECK(virtio_user_cvq_bind(&cvq, l, features) == 0);
	pairs_ret = 0;
	pairs_calls = 0;
}

/* ---- hand-written rings (the driver side, written by the test) ---- */

struct tdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;		/* NEXT is added for all but the last */
	int next;		/* split: -1 = following slot; else this value */
};

struct tring {
	bool packed;
	uint16_t size;
	void *mem;
	struct virtio_vq_layout l;
	/* split */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen, next_head;
	/* packed */
	struct vring_packed_desc *pdesc;
	uint16_t pos, used_pos, last_n;
	bool wrap, used_wrap;
};

static uint8_t *arena;		/* buffers in DPDK memory */
#define ARENA_SIZE 65536

static void
tring_init(struct tring *r, bool packed, uint16_t size)
{
	size_t bytes = packed ? vring_packed_size(size, 64) : vring_split_size(size, 4096);

	memset(r, 0, sizeof(*r));
	r->packed = packed;
	r->size = size;
	r->mem = rte_zmalloc("cvqtest_ring", bytes, 4096);
	r->l.size = size;
	r->l.packed = packed;
	r->l.desc_addr = (uint64_t)(uintptr_t)r->mem;
	if (packed) {
		r->pdesc = r->mem;
		r->wrap = r->used_wrap = true;
		return;
	}
	r->desc = r->mem;
	r->avail = (void *)((uint8_t *)r->mem + vring_split_desc_size(size));
	r->used = (void *)((uint8_t *)r->mem + vring_split_used_offset(size, 4096));
	r->l.avail_addr = (uint64_t)(uintptr_t)r->avail;
	r->l.used_addr = (uint64_t)(uintptr_t)r->used;
}

static void
tring_free(struct tring *r)
{
	rte_free(r->mem);
	r->mem = NULL;
}

static uint16_t
tflags(const struct tdesc *d, unsigned int i, unsigned int n)
{
	return d[i].flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
}

/* Post a chain of n descriptors (split: from slot 'head', packed: at the position). */
static void
tring_post(struct tring *r, const struct tdesc *d, unsigned int n, uint16_t head)
{
	uint16_t lap, slot, i, head_flags = 0;

	if (!r->packed) {
		for (i = 0; i < n; i++) {
			slot = (head + i) % r->size;
			r->desc[slot].addr = d[i].addr;
			r->desc[slot].len = d[i].len;
			r->desc[slot].flags = tflags(d, i, n);
			r->desc[slot].next = d[i].next >= 0 ? d[i].next : (head + i + 1) % r->size;
		}
		r->avail->ring[r->avail_idx % r->size] = head;
		r->avail_idx++;
		__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
		return;
	}
	slot = r->pos;
	for (i = 0; i < n; i++) {
		lap = r->wrap ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED;
		r->pdesc[slot].addr = d[i].addr;
		r->pdesc[slot].len = d[i].len;
		r->pdesc[slot].id = head;
		if (i == 0)
			head_flags = tflags(d, i, n) | lap;
		else
			r->pdesc[slot].flags = tflags(d, i, n) | lap;
		if (++slot == r->size) {
			slot = 0;
			r->wrap = !r->wrap;
		}
	}
	__atomic_store_n(&r->pdesc[r->pos].flags, head_flags, __ATOMIC_RELEASE);
	r->pos = slot;
	r->last_n = n;
}

/* The next used entry: 1 and id/len, or 0 when the device returned nothing. */
static int
tring_used(struct tring *r, uint32_t *id, uint32_t *len)
{
	struct vring_packed_desc *d;
	uint16_t f, want;

	if (!r->packed) {
		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == r->used_seen)
			return 0;
		*id = r->used->ring[r->used_seen % r->size].id;
		*len = r->used->ring[r->used_seen % r->size].len;
		r->used_seen++;
		return 1;
	}
	d = &r->pdesc[r->used_pos];
	f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	want = r->used_wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0;
	if ((f & (VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED)) != want)
		return 0;
	*id = d->id;
	*len = d->len;
	r->used_pos += r->last_n;
	if (r->used_pos >= r->size) {
		r->used_pos -= r->size;
		r->used_wrap = !r->used_wrap;
	}
	return 1;
}

static uint64_t
aaddr(size_t off)
{
	return (uint64_t)(uintptr_t)(arena + off);
}

/*
 * Post a chain, let the device serve it, return the status byte it wrote
 * (NO_ANSWER when it returned the chain without status).  Checks the chain
 * came back exactly once with the right id.
 */
static int
run_chain(struct tring *r, const struct tdesc *d, unsigned int n, uint8_t *status)
{
	uint16_t head = r->packed ? 7 : r->next_head;
	uint32_t id = 0, len = 0;

	if (status != NULL)
		*status = 0xee;
	tring_post(r, d, n, head);
	if (!r->packed)
		r->next_head = (uint16_t)((r->next_head + n) % r->size);
	CHECK(virtio_user_cvq_process(&cvq) == 1);
	CHECK(tring_used(r, &id, &len) == 1);
	CHECK(id == head);
	CHECK(len <= 1);
	if (len == 0 || status == NULL)
		return NO_ANSWER;
	return *status;
}

/* A well-formed command: header, data (if any), status. */
static int
run_cmd(struct tring *r, uint8_t class, uint8_t cmd, const void *data, uint32_t dlen)
{
	struct tdesc d[3];
	unsigned int n = 0;

	arena[0] = class;
	arena[1] = cmd;
	memcpy(arena + 64, data, dlen);
	d[n++] = (struct tdesc){ aaddr(0), 2, 0, -1 };
	if (dlen > 0)
		d[n++] = (struct tdesc){ aaddr(64), dlen, 0, -1 };
	d[n++] = (struct tdesc){ aaddr(32), 1, VRING_DESC_F_WRITE, -1 };
	return run_chain(r, d, n, arena + 32);
}

static int
run_u8(struct tring *r, uint8_t class, uint8_t cmd, uint8_t v)
{
	return run_cmd(r, class, cmd, &v, 1);
}

static int
run_u16(struct tring *r, uint8_t class, uint8_t cmd, uint16_t v)
{
	return run_cmd(r, class, cmd, &v, 2);
}

/* ---- device side: commands ---- */

static void
test_dev_commands(bool packed, uint16_t size)
{
	uint8_t tbl[4 + 2 * 6 + 4 + 6] = { 2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2,
					   1, 0, 0, 0, 1, 0, 0x5e, 0, 0, 1 };
	uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	const struct virtio_user_cvq_state *st = &cvq.st;
	uint8_t one[3] = { VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 9 };
	struct tring r;
	struct tdesc d[3];

	tring_init(&r, packed, size);
	cvq_setup(&r.l, ALL_CTRL);
	CHECK(st->promisc && !st->allmulti && st->queue_pairs == 1);
	CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0) == VIRTIO_NET_OK);
	CHECK(!st->promisc);
	CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, 1) == VIRTIO_NET_OK);
	CHECK(st->allmulti);
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, tbl, sizeof(tbl)) ==
	      VIRTIO_NET_OK);
	CHECK(st->n_uc == 2 && st->n_mc == 1 && st->macs[2].addr_bytes[0] == 1);
	/* Counts that do not match the length: rejected, table unchanged. */
	tbl[0] = 3;
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, tbl, sizeof(tbl)) ==
	      VIRTIO_NET_ERR);
	tbl[0] = 200;
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, tbl, sizeof(tbl)) ==
	      VIRTIO_NET_ERR);
	CHECK(st->n_uc == 2 && st->n_mc == 1);
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6) ==
	      VIRTIO_NET_OK);
	CHECK(st->mac_set && st->mac.addr_bytes[5] == 0x55);
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 5) ==
	      VIRTIO_NET_ERR);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 5) == VIRTIO_NET_OK);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 5) == VIRTIO_NET_OK);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 4095) == VIRTIO_NET_OK);
	CHECK(st->n_vlans == 2);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_DEL, 5) == VIRTIO_NET_OK);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 4096) == VIRTIO_NET_ERR);
	CHECK(st->n_vlans == 1);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 3) ==
	      VIRTIO_NET_OK);
	CHECK(pairs_calls == 1 && pairs_last == 3 && st->queue_pairs == 3);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 0) ==
	      VIRTIO_NET_ERR);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, MAX_PAIRS + 1) ==
	      VIRTIO_NET_ERR);
	pairs_ret = -EIO;	/* the backend refuses */
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2) ==
	      VIRTIO_NET_ERR);
	CHECK(pairs_calls == 2 && st->queue_pairs == 3);
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0) ==
	      VIRTIO_NET_OK);
	CHECK(st->announce_acks == 1);
	/* Unknown class, unknown command, wrong data length. */
	CHECK(run_u8(&r, 99, 0, 0) == VIRTIO_NET_ERR);
	CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, 7, 1) == VIRTIO_NET_ERR);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1) == VIRTIO_NET_ERR);
	CHECK(!st->promisc);
	/* Any layout: header and data in one buffer, data across two. */
	memcpy(arena + 128, one, 3);
	d[0] = (struct tdesc){ aaddr(128), 3, 0, -1 };
	d[1] = (struct tdesc){ aaddr(131), 1, 0, -1 };
	d[2] = (struct tdesc){ aaddr(32), 1, VRING_DESC_F_WRITE, -1 };
	arena[131] = 0;
	CHECK(run_chain(&r, d, 3, arena + 32) == VIRTIO_NET_OK);
	CHECK(st->n_vlans == 2 && (st->vlans[0] & (1u << 9)));
	CHECK(st->cmds_ok == 11 && st->cmds_err == 10 && st->chains_bad == 0);
	/* Wrap the ring a few times. */
	for (int i = 0; i < 3 * size; i++)
		CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, i & 1) ==
		      VIRTIO_NET_OK);
	CHECK(st->promisc == ((3 * size - 1) & 1));
	/* Without the features, the same commands are refused. */
	tring_free(&r);
	tring_init(&r, packed, size);
	cvq_setup(&r.l, VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
	CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0) == VIRTIO_NET_ERR);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 5) == VIRTIO_NET_ERR);
	CHECK(run_u16(&r, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2) ==
	      VIRTIO_NET_ERR);
	CHECK(run_cmd(&r, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6) ==
	      VIRTIO_NET_ERR);
	CHECK(st->promisc && st->n_vlans == 0 && pairs_calls == 0 && !st->mac_set);
	tring_free(&r);
}

/* ---- device side: malformed chains ---- */

static void test_dev_malformed_ring(struct tring *rp, bool packed, uint16_t size);

static void
test_dev_malformed(bool packed, uint16_t size)
{
	const struct virtio_user_cvq_state *st = &cvq.st;
	uint8_t outside[16] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0 };
	uint8_t outside_status = 0x77;
	const uint32_t W = VRING_DESC_F_WRITE;
	uint64_t bad_before;
	struct tring r;
	struct tdesc d[8];

	tring_init(&r, packed, size);
	cvq_setup(&r.l, ALL_CTRL);
	arena[0] = VIRTIO_NET_CTRL_RX;
	arena[1] = VIRTIO_NET_CTRL_RX_PROMISC;
	arena[2] = 0;
	/* Header too short: a well-formed chain, refused by exec. */
	d[0] = (struct tdesc){ aaddr(0), 1, 0, -1 };
	d[1] = (struct tdesc){ aaddr(32), 1, W, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	bad_before = st->chains_bad;
	/* No writable buffer: returned without a status, not executed. */
	d[0] = (struct tdesc){ aaddr(0), 3, 0, -1 };
	CHECK(run_chain(&r, d, 1, NULL) == NO_ANSWER);
	/* Readable after writable. */
	d[0] = (struct tdesc){ aaddr(0), 2, 0, -1 };
	d[1] = (struct tdesc){ aaddr(32), 1, W, -1 };
	d[2] = (struct tdesc){ aaddr(2), 1, 0, -1 };
	CHECK(run_chain(&r, d, 3, arena + 32) == VIRTIO_NET_ERR);
	/* Longer than any command; a length beyond every buffer. */
	d[0] = (struct tdesc){ aaddr(0), VIRTIO_USER_CVQ_CMD_MAX + 1, 0, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	d[0] = (struct tdesc){ aaddr(0), 0xffffffffu, 0, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	d[0] = (struct tdesc){ aaddr(0), 2, 0, -1 };
	d[1] = (struct tdesc){ aaddr(2), 600, 0, -1 };
	d[2] = (struct tdesc){ aaddr(700), 600, 0, -1 };
	d[3] = (struct tdesc){ aaddr(32), 1, W, -1 };
	CHECK(run_chain(&r, d, 4, arena + 32) == VIRTIO_NET_ERR);
	/* Buffers outside DPDK memory: the stack, an unmapped page, wrap-around. */
	d[0] = (struct tdesc){ (uint64_t)(uintptr_t)outside, 3, 0, -1 };
	d[1] = (struct tdesc){ aaddr(32), 1, W, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	d[0] = (struct tdesc){ 0x1000, 3, 0, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	d[0] = (struct tdesc){ UINT64_MAX - 1, 3, 0, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	d[0] = (struct tdesc){ aaddr(0), 3, 0, -1 };
	d[1] = (struct tdesc){ (uint64_t)(uintptr_t)&outside_status, 1, W, -1 };
	CHECK(run_chain(&r, d, 2, NULL) == NO_ANSWER);
	CHECK(outside_status == 0x77);
	d[1] = (struct tdesc){ aaddr(32), 0, W, -1 };	/* empty status */
	CHECK(run_chain(&r, d, 2, NULL) == NO_ANSWER);
	/* An indirect table is not accepted on the control queue. */
	d[0] = (struct tdesc){ aaddr(0), 16, VRING_DESC_F_INDIRECT, -1 };
	d[1] = (struct tdesc){ aaddr(32), 1, W, -1 };
	CHECK(run_chain(&r, d, 2, arena + 32) == VIRTIO_NET_ERR);
	CHECK(st->promisc);	/* nothing above was executed */
	CHECK(st->chains_bad - bad_before == 11);
	test_dev_malformed_ring(&r, packed, size);
	/* A reset device with a fresh ring works again. */
	tring_free(&r);
	tring_init(&r, packed, size);
	cvq_setup(&r.l, ALL_CTRL);
	CHECK(!cvq.broken);
	CHECK(run_u8(&r, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0) == VIRTIO_NET_OK);
	CHECK(!st->promisc);
	tring_free(&r);
	/* A ring outside DPDK memory is refused at bind. */
	r.l = (struct virtio_vq_layout){ .size = 16, .desc_addr = (uintptr_t)outside,
					 .avail_addr = (uintptr_t)outside,
					 .used_addr = (uintptr_t)outside, .packed = packed };
	CHECK(virtio_user_cvq_bind(&cvq, &r.l, ALL_CTRL) == -EFAULT && !cvq.ready);
	CHECK(virtio_user_cvq_process(&cvq) == 0);
}

/* Ring-level violations: bad indexes, loops, an avail index jump. */
static void
test_dev_malformed_ring(struct tring *rp, bool packed, uint16_t size)
{
	const uint32_t W = VRING_DESC_F_WRITE;
	struct tring r = *rp;
	struct tdesc d[2];
	uint32_t id, len;
	unsigned int i;

	if (!packed) {
		/* next beyond the ring, a loop, a head beyond the ring. */
		d[0] = (struct tdesc){ aaddr(0), 3, 0, size + 5 };
		d[1] = (struct tdesc){ aaddr(32), 1, W, -1 };
		CHECK(run_chain(&r, d, 2, NULL) == NO_ANSWER);
		d[0] = (struct tdesc){ aaddr(0), 2, 0, -1 };
		d[1] = (struct tdesc){ aaddr(2), 0, VRING_DESC_F_NEXT,
				       (r.next_head + 1) % size };	/* to itself */
		CHECK(run_chain(&r, d, 2, NULL) == NO_ANSWER);
		r.avail->ring[r.avail_idx % size] = size + 3;
		r.avail_idx++;
		__atomic_store_n(&r.avail->idx, r.avail_idx, __ATOMIC_RELEASE);
		CHECK(virtio_user_cvq_process(&cvq) == 1);
		CHECK(tring_used(&r, &id, &len) == 1 && id == size + 3u && len == 0);
		/* avail idx moved by more than the ring: broken, nothing served. */
		r.avail_idx += size + 1;
		__atomic_store_n(&r.avail->idx, r.avail_idx, __ATOMIC_RELEASE);
		CHECK(virtio_user_cvq_process(&cvq) == 0);
		CHECK(virtio_user_cvq_process(&cvq) == 0 && cvq.broken);
		CHECK(tring_used(&r, &id, &len) == 0);
	} else {
		/* A chain that never ends (NEXT everywhere): broken, nothing served. */
		for (i = 0; i < size; i++) {
			r.pdesc[(r.pos + i) % size].flags = VRING_DESC_F_NEXT |
				((r.pos + i < size) == r.wrap ? VRING_PACKED_DESC_F_AVAIL :
								VRING_PACKED_DESC_F_USED);
			r.pdesc[(r.pos + i) % size].addr = aaddr(0);
			r.pdesc[(r.pos + i) % size].len = 2;
		}
		CHECK(virtio_user_cvq_process(&cvq) == 0 && cvq.broken);
		CHECK(tring_used(&r, &id, &len) == 0);
	}
}

/* ---- driver side through a real virtqueue ---- */

enum fake_mode { DEV_SYNC, DEV_DEAD, DEV_ASYNC };
static enum fake_mode mode;
static volatile int async_kicked;

static void
fake_notify(struct virtio_hw *hw, uint16_t index)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(index);
	if (mode == DEV_SYNC)
		virtio_user_cvq_process(&cvq);
	else if (mode == DEV_ASYNC)
		__atomic_store_n(&async_kicked, 1, __ATOMIC_RELEASE);
}

static void
fake_write_cfg(struct virtio_hw *hw, size_t off, const void *src, int len)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(off);
	RTE_SET_USED(src);
	RTE_SET_USED(len);
}

static unsigned int
fake_xstats_names(struct virtio_hw *hw, struct rte_eth_xstat_name *names)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(names);
	return 0;
}

static unsigned int
fake_xstats_get(struct virtio_hw *hw, struct rte_eth_xstat *xstats, unsigned int first_id)
{
	RTE_SET_USED(hw);
	RTE_SET_USED(xstats);
	RTE_SET_USED(first_id);
	return 0;
}

static const struct virtio_ops fake_ops = {
	.notify_queue = fake_notify,
	.write_dev_cfg = fake_write_cfg,
	.dev_xstats_names = fake_xstats_names,
	.dev_xstats_get = fake_xstats_get,
};

struct dharness {
	struct virtio_hw hw;
	struct virtqueue *vqs[2 * MAX_PAIRS + 1];
	struct rte_eth_dev dev;
	struct rte_eth_dev_data data;
	struct rte_ether_addr macs[VIRTIO_CVQ_MAX_MAC_ADDRS];
};

static int
dh_setup(struct dharness *h, uint64_t features, uint16_t size)
{
	struct virtio_vq_layout l;
	int ret;

	memset(h, 0, sizeof(*h));
	h->hw.ops = &fake_ops;
	h->hw.vqs = h->vqs;
	h->hw.nb_vqs = RTE_DIM(h->vqs);
	h->hw.max_queue_pairs = MAX_PAIRS;
	h->hw.guest_features = features;
	h->hw.use_va = true;
	h->hw.weak_barriers = true;
	h->hw.started = true;
	rte_spinlock_init(&h->hw.state_lock);
	h->dev.data = &h->data;
	h->data.dev_private = &h->hw;
	h->data.mac_addrs = h->macs;
	h->data.nb_rx_queues = 2;
	h->data.nb_tx_queues = 2;
	snprintf(h->data.name, sizeof(h->data.name), "cvqtest");
	if (!(features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		return 0;
	ret = virtqueue_create(&h->hw, 2 * MAX_PAIRS, size, SOCKET_ID_ANY,
			       &h->vqs[2 * MAX_PAIRS]);
	if (ret < 0)
		return ret;
	virtio_cvq_reset(&h->hw);
	virtqueue_get_layout(h->vqs[2 * MAX_PAIRS], &l);
	cvq_setup(&l, features);
	return 0;
}

static void
dh_teardown(struct dharness *h)
{
	virtqueue_destroy(h->vqs[2 * MAX_PAIRS]);
	h->vqs[2 * MAX_PAIRS] = NULL;
}

static void *
async_device(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&async_kicked, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(20000);		/* a slow device */
	virtio_user_cvq_process(&cvq);
	return NULL;
}

static void
test_drv_sync(uint64_t layout, uint16_t size)
{
	struct rte_ether_addr a = { .addr_bytes = { 0x02, 0, 0, 0, 0, 9 } };
	struct rte_ether_addr m = { .addr_bytes = { 0x01, 0, 0x5e, 0, 0, 1 } };
	const struct virtio_user_cvq_state *st = &cvq.st;
	struct dharness h;
	int i;

	CHECK(dh_setup(&h, ALL_CTRL | layout, size) == 0);
	mode = DEV_SYNC;
	CHECK(virtio_cvq_promiscuous_disable(&h.dev) == 0 && !st->promisc);
	CHECK(virtio_cvq_allmulticast_enable(&h.dev) == 0 && st->allmulti);
	CHECK(virtio_cvq_mac_addr_add(&h.dev, &a, 1, 0) == 0);
	CHECK(st->n_uc == 1 && st->n_mc == 0);
	h.macs[1] = a;
	CHECK(virtio_cvq_mac_addr_add(&h.dev, &m, 2, 0) == 0);
	CHECK(st->n_uc == 1 && st->n_mc == 1);
	h.macs[2] = m;
	virtio_cvq_mac_addr_remove(&h.dev, 1);
	CHECK(st->n_uc == 0 && st->n_mc == 1);
	CHECK(virtio_cvq_mac_addr_set(&h.dev, &a) == 0 && st->mac_set &&
	      st->mac.addr_bytes[5] == 9);
	CHECK(virtio_cvq_mac_addr_set(&h.dev, &m) == -EINVAL);
	CHECK(virtio_cvq_vlan_filter_set(&h.dev, 5, 1) == 0 && st->n_vlans == 1);
	CHECK(virtio_cvq_vlan_filter_set(&h.dev, 5, 0) == 0 && st->n_vlans == 0);
	CHECK(virtio_cvq_queue_pairs_set(&h.hw, 3) == 0 && pairs_last == 3);
	CHECK(virtio_cvq_queue_pairs_set(&h.hw, MAX_PAIRS + 1) == -EIO);
	CHECK(virtio_cvq_announce_ack(&h.hw) == 0 && st->announce_acks == 1);
	/* Start: pairs from the ethdev queue count, VLAN table replayed. */
	h.data.dev_conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
	h.data.vlan_filter_conf.ids[0] = 1u << 7;
	h.data.vlan_filter_conf.ids[63] = UINT64_C(1) << 63;
	CHECK(virtio_cvq_start(&h.dev) == 0);
	CHECK(st->queue_pairs == 2 && st->n_vlans == 2 && (st->vlans[63] >> 63) == 1);
	/* Stopped port: accepted, nothing sent (the device is in reset). */
	h.hw.started = false;
	i = (int)st->cmds_ok;
	CHECK(virtio_cvq_promiscuous_enable(&h.dev) == 0 && (int)st->cmds_ok == i);
	h.hw.started = true;
	/* Many commands: the ring wraps. */
	for (i = 0; i < 4 * size; i++)
		CHECK(virtio_cvq_queue_pairs_set(&h.hw, 1 + i % MAX_PAIRS) == 0);
	CHECK(!virtqueue_is_broken(h.vqs[2 * MAX_PAIRS]));
	dh_teardown(&h);
}

static void
test_drv_slow(uint64_t layout)
{
	struct virtio_cvq_cmd c = { .class = VIRTIO_NET_CTRL_RX,
				    .cmd = VIRTIO_NET_CTRL_RX_PROMISC, .n_data = 1 };
	uint8_t off = 0;
	struct dharness h;
	pthread_t t;

	c.data[0].buf = &off;
	c.data[0].len = 1;
	CHECK(dh_setup(&h, ALL_CTRL | layout, 16) == 0);
	/* A device that never answers: bounded wait, then busy until it does. */
	mode = DEV_DEAD;
	CHECK(virtio_cvq_send_timeout(&h.hw, &c, 50) == -ETIMEDOUT);
	CHECK(virtio_cvq_send_timeout(&h.hw, &c, 50) == -EBUSY);
	CHECK(virtio_user_cvq_process(&cvq) == 1);	/* the late answer */
	mode = DEV_SYNC;
	CHECK(virtio_cvq_send(&h.hw, &c) == 0);
	/* A device answering from another thread, later (vDPA-like). */
	mode = DEV_ASYNC;
	async_kicked = 0;
	off = 1;
	cvq.st.promisc = false;
	CHECK(pthread_create(&t, NULL, async_device, NULL) == 0);
	CHECK(virtio_cvq_send(&h.hw, &c) == 0 && cvq.st.promisc);
	pthread_join(t, NULL);
	/* A device not (yet) serving its queue: the wait still ends. */
	mode = DEV_SYNC;
	cvq.ready = false;
	CHECK(virtio_cvq_send_timeout(&h.hw, &c, 20) == -ETIMEDOUT);
	cvq.ready = true;
	dh_teardown(&h);
}

static void
test_drv_no_cvq(void)
{
	struct rte_ether_addr a = { .addr_bytes = { 0x02, 0, 0, 0, 0, 9 } };
	struct dharness h;

	CHECK(dh_setup(&h, VIRTIO_BIT(VIRTIO_F_VERSION_1), 16) == 0);
	CHECK(virtio_cvq_get(&h.hw) == NULL);
	CHECK(virtio_cvq_promiscuous_enable(&h.dev) == -ENOTSUP);
	CHECK(virtio_cvq_promiscuous_disable(&h.dev) == -ENOTSUP);
	CHECK(virtio_cvq_allmulticast_enable(&h.dev) == -ENOTSUP);
	CHECK(virtio_cvq_allmulticast_disable(&h.dev) == -ENOTSUP);
	CHECK(virtio_cvq_mac_addr_add(&h.dev, &a, 1, 0) == -ENOTSUP);
	CHECK(virtio_cvq_vlan_filter_set(&h.dev, 5, 1) == -ENOTSUP);
	CHECK(virtio_cvq_queue_pairs_set(&h.hw, 1) == -ENOTSUP);
	CHECK(virtio_cvq_start(&h.dev) == 0);
	/* Without the control queue the primary MAC still goes to config space. */
	CHECK(virtio_cvq_mac_addr_set(&h.dev, &a) == 0);
}

static void
test_xstats_names(void)
{
	unsigned int i, n = virtio_user_cvq_xstats_count();
	bool promisc = false, vlans = false, macs = false;

	for (i = 0; i < n; i++) {
		CHECK(strncmp(virtio_user_cvq_xstats_name(i), "cvq_", 4) == 0);
		promisc |= strcmp(virtio_user_cvq_xstats_name(i), "cvq_promisc") == 0;
		vlans |= strcmp(virtio_user_cvq_xstats_name(i), "cvq_vlan_filters") == 0;
		macs |= strcmp(virtio_user_cvq_xstats_name(i), "cvq_mac_entries") == 0;
	}
	CHECK(promisc && vlans && macs && virtio_user_cvq_xstats_name(n) == NULL);
}

int
main(int argc, char **argv)
{
	const uint64_t packed = VIRTIO_BIT(VIRTIO_F_RING_PACKED);

	RTE_SET_USED(argc);
	if (th_eal_init(argv[0], "cvqtest", "pmd.net.virtio.*:debug") < 0)
		return 1;
	arena = rte_zmalloc("cvqtest_arena", ARENA_SIZE, 64);
	if (arena == NULL) {
		printf("out of DPDK memory\n");
		return 1;
	}
	test_xstats_names();
	test_dev_commands(false, 8);
	test_dev_commands(true, 8);
	test_dev_commands(true, 6);	/* packed rings need not be a power of two */
	test_dev_malformed(false, 16);
	test_dev_malformed(true, 16);
	test_drv_no_cvq();
	test_drv_sync(0, 16);
	test_drv_sync(packed, 16);
	test_drv_sync(packed, 5);
	test_drv_slow(0);
	test_drv_slow(packed);
	rte_free(arena);
	return th_finish();
}
