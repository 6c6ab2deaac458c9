/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-ring single-buffer Rx, four used entries at a time in SSE4.1
 * registers (devarg vectorized=1; virtio_rx_vec_usable says when).
 *
 * A group of four goes the vector way when its used entries sit back to
 * back in the used ring (no wrap), name four consecutive descriptors (in
 * order: the next four slots; out of order: any four ids in a row, each in
 * flight) and give every one a length the scalar burst would take: a
 * header and an Ethernet header, at most the buffer.  Anything else (a
 * wrap, fewer than four left, a bad id or length, a device completing out
 * of order) takes one entry through the scalar steps of
 * virtio_rxtx_split.h, which drop a bad length or mark the queue broken
 * exactly as the scalar burst does; the next entry tries a group again.
 * So the used ring stays UNTRUSTED here too: every id and length is
 * checked, in vector compares, before anything is read through it.
 *
 * The mbufs get what virtio_rx_rearm writes, in two 16-byte stores:
 * rearm_data and ol_flags (0); packet_type (0), pkt_len, data_len,
 * vlan_tci (0) and the RSS hash (0, no flag says it is valid).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_vect.h>

#include "virtio_rxtx.h"
#include "virtio_rxtx_split.h"
#include "virtqueue.h"

#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)

#include <smmintrin.h>

#define SPLIT_VEC_GROUP 4

_Static_assert(offsetof(struct rte_mbuf, ol_flags) ==
	       offsetof(struct rte_mbuf, rearm_data) + 8, "rearm_data, ol_flags adjacent");
_Static_assert(offsetof(struct rte_mbuf, pkt_len) ==
	       offsetof(struct rte_mbuf, rx_descriptor_fields1) + 4, "pkt_len at +4");
_Static_assert(offsetof(struct rte_mbuf, data_len) ==
	       offsetof(struct rte_mbuf, rx_descriptor_fields1) + 8, "data_len at +8");
_Static_assert(offsetof(struct rte_mbuf, vlan_tci) ==
	       offsetof(struct rte_mbuf, rx_descriptor_fields1) + 10, "vlan_tci at +10");
_Static_assert(offsetof(struct rte_mbuf, hash) ==
	       offsetof(struct rte_mbuf, rx_descriptor_fields1) + 12, "hash at +12");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used element: id, len");

/* Per-burst constants in registers. */
struct split_vec_consts {
	__m128i rearm;		/* rearm_data (mbuf_initializer), ol_flags 0 */
	__m128i step;		/* 0, 1, 2, 3 */
	__m128i min_len;	/* header + Ethernet header, in every lane */
	__m128i len_span;	/* buf_len - min_len */
	__m128i hdr_size;
	__m128i fields[SPLIT_VEC_GROUP];	/* packet k's length into rx_descriptor_fields1 */
};

/* Shuffle putting the 32-bit lane k of a length vector at pkt_len and data_len. */
#define SPLIT_VEC_FIELDS(k) _mm_set_epi8(-1, -1, -1, -1, -1, -1,		\
					 4 * (k) + 1, 4 * (k),			\
					 4 * (k) + 3, 4 * (k) + 2, 4 * (k) + 1, 4 * (k),	\
					 -1, -1, -1, -1)

static __rte_always_inline void
split_vec_consts_init(struct split_vec_consts *k, const struct virtio_rx_burst *b)
{
	k->rearm = _mm_set_epi64x(0, (long long)b->mbuf_init);
	k->step = _mm_set_epi32(3, 2, 1, 0);
	k->min_len = _mm_set1_epi32((int)b->min_len);
	k->len_span = _mm_set1_epi32((int)b->len_span);
	k->hdr_size = _mm_set1_epi32(b->hdr_size);
	k->fields[0] = SPLIT_VEC_FIELDS(0);
	k->fields[1] = SPLIT_VEC_FIELDS(1);
	k->fields[2] = SPLIT_VEC_FIELDS(2);
	k->fields[3] = SPLIT_VEC_FIELDS(3);
}

/* Store the received fields of packet k of a group (lengths plen). */
static __rte_always_inline void
split_vec_rearm(const struct split_vec_consts *k, struct rte_mbuf *m, __m128i plen,
		unsigned int i)
{
	_mm_storeu_si128((__m128i *)(void *)&m->rearm_data, k->rearm);
	_mm_storeu_si128((__m128i *)(void *)&m->rx_descriptor_fields1,
			 _mm_shuffle_epi8(plen, k->fields[i]));
}

/* virtio_rx_deliver's counters for a packet of len bytes. */
static __rte_always_inline void
split_vec_stats(struct virtnet_stats *st, const struct virtio_rx_burst *b,
		const struct rte_mbuf *m, uint32_t len)
{
	virtnet_stats_pkt(st, len, (const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM,
			  b->dst_stats);
}

/*
 * Out of order: the four ids the group consumed join the burst's chain of
 * consumed ids, in order (split_rx_link for the first, then id0 + 1..3).
 */
static __rte_always_inline void
split_vec_link(struct split_rx_cursor *c, uint16_t id0)
{
	struct vq_desc_extra *dx = c->dx;

	split_rx_link(c, id0);
	dx[id0].next = (uint16_t)(id0 + 1);
	dx[id0 + 1].next = (uint16_t)(id0 + 2);
	dx[id0 + 2].next = (uint16_t)(id0 + 3);
	c->last = (uint16_t)(id0 + 3);
}

/*
 * Deliver the group of four used entries at the cursor into out, or return
 * false having consumed nothing when it does not qualify (see the top).
 * *bytes collects the packet lengths, lane by lane.
 */
static __rte_always_inline bool
split_vec_group(struct virtnet_rx *rxq, struct split_rx_cursor *c,
		const struct split_vec_consts *k, const struct virtio_rx_burst *b,
		struct rte_mbuf **out, __m128i *bytes, const bool in_order)
{
	uint16_t slot = c->cons & c->mask;
	const __m128i *u = (const __m128i *)(uintptr_t)&c->used[slot];
	struct vq_desc_extra *dx = c->dx;
	__m128i e01, e23, ids, lens, v, ok, plen;
	struct rte_mbuf *m0, *m1, *m2, *m3;
	uint32_t id0;

	if (unlikely(slot > c->mask - (SPLIT_VEC_GROUP - 1)))
		return false;
	/* After split_used_count's acquire: entries below used->idx are final. */
	e01 = _mm_loadu_si128(u);
	e23 = _mm_loadu_si128(u + 1);
	ids = _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(e01), _mm_castsi128_ps(e23),
					      _MM_SHUFFLE(2, 0, 2, 0)));
	lens = _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(e01), _mm_castsi128_ps(e23),
					       _MM_SHUFFLE(3, 1, 3, 1)));
	id0 = in_order ? slot : (uint32_t)_mm_cvtsi128_si32(ids);
	if (!in_order && unlikely(id0 > (uint32_t)c->mask - (SPLIT_VEC_GROUP - 1)))
		return false;
	/* ids: id0 + 0..3; lengths: len - min_len <= len_span, unsigned. */
	ok = _mm_cmpeq_epi32(ids, _mm_add_epi32(_mm_set1_epi32((int)id0), k->step));
	v = _mm_sub_epi32(lens, k->min_len);
	ok = _mm_and_si128(ok, _mm_cmpeq_epi32(_mm_min_epu32(v, k->len_span), v));
	if (unlikely(_mm_movemask_ps(_mm_castsi128_ps(ok)) != 0xf))
		return false;
	m0 = dx[id0].cookie;
	m1 = dx[id0 + 1].cookie;
	m2 = dx[id0 + 2].cookie;
	m3 = dx[id0 + 3].cookie;
	/* In order the id is the slot, in flight (split_used_count); out of
	 * order an id without a buffer goes to split_rx_pop, which breaks. */
	if (!in_order && unlikely(m0 == NULL || m1 == NULL || m2 == NULL || m3 == NULL))
		return false;
	dx[id0].cookie = NULL;
	dx[id0 + 1].cookie = NULL;
	dx[id0 + 2].cookie = NULL;
	dx[id0 + 3].cookie = NULL;
	if (!in_order)
		split_vec_link(c, (uint16_t)id0);

	plen = _mm_sub_epi32(lens, k->hdr_size);
	*bytes = _mm_add_epi32(*bytes, plen);
	split_vec_rearm(k, m0, plen, 0);
	split_vec_rearm(k, m1, plen, 1);
	split_vec_rearm(k, m2, plen, 2);
	split_vec_rearm(k, m3, plen, 3);
	out[0] = m0;
	out[1] = m1;
	out[2] = m2;
	out[3] = m3;
	split_vec_stats(&rxq->stats, b, m0, (uint32_t)_mm_extract_epi32(plen, 0));
	split_vec_stats(&rxq->stats, b, m1, (uint32_t)_mm_extract_epi32(plen, 1));
	split_vec_stats(&rxq->stats, b, m2, (uint32_t)_mm_extract_epi32(plen, 2));
	split_vec_stats(&rxq->stats, b, m3, (uint32_t)_mm_extract_epi32(plen, 3));
	c->cons += SPLIT_VEC_GROUP;
	c->left -= SPLIT_VEC_GROUP;
	c->taken += SPLIT_VEC_GROUP;
	return true;
}

/* Sum of the four 32-bit lanes (each at most a burst's bytes / 4). */
static __rte_always_inline uint64_t
split_vec_hsum(__m128i v)
{
	return (uint64_t)(uint32_t)_mm_extract_epi32(v, 0) + (uint32_t)_mm_extract_epi32(v, 1) +
	       (uint32_t)_mm_extract_epi32(v, 2) + (uint32_t)_mm_extract_epi32(v, 3);
}

static __rte_always_inline uint16_t
split_recv_vec(struct virtnet_rx *rxq, struct rte_mbuf **pkts, uint16_t n, const bool in_order)
{
	struct virtqueue *vq = rxq->vq;
	struct rte_mbuf **out = pkts, **end = pkts + n, *m;
	struct split_vec_consts k;
	struct split_rx_cursor c;
	struct virtio_rx_burst b;
	__m128i bytes = _mm_setzero_si128();
	bool published;
	uint32_t len;

	if (unlikely(!split_rx_begin(rxq, &c, &b, &published, in_order)))
		return 0;
	c.first = c.last = 0;	/* set with c.taken's first increment; for the compiler */
	split_vec_consts_init(&k, &b);

	while (out != end && c.left > 0) {
		if (likely(c.left >= SPLIT_VEC_GROUP && end - out >= SPLIT_VEC_GROUP) &&
		    likely(split_vec_group(rxq, &c, &k, &b, out, &bytes, in_order))) {
			out += SPLIT_VEC_GROUP;
			continue;
		}
		m = split_rx_pop(vq, &c, &len, in_order);
		if (unlikely(m == NULL))
			break;
		if (virtio_rx_first(rxq, &b, m, len) &&
		    virtio_rx_deliver(rxq, &b, m, len - b.hdr_size))
			*out++ = m;
	}
	return split_rx_end(rxq, &c, (uint16_t)(out - pkts), b.bytes + split_vec_hsum(bytes),
			    published, in_order);
}

uint16_t
virtio_split_recv_vec(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv_vec(rxq, pkts, n, false);
}

uint16_t
virtio_split_recv_vec_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return split_recv_vec(rxq, pkts, n, true);
}

bool
virtio_rx_vec_built(void)
{
	return true;
}

#else /* no SSE4.1: the scalar bursts serve vectorized=1 */

uint16_t
virtio_split_recv_vec(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return virtio_split_recv(rxq, pkts, n);
}

uint16_t
virtio_split_recv_vec_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return virtio_split_recv_inorder(rxq, pkts, n);
}

bool
virtio_rx_vec_built(void)
{
	return false;
}

#endif
