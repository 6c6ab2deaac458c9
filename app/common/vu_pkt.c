/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vu_pkt.h"

/* Longest chain vu_pkt_verify() walks before calling the chain broken. */
#define VU_PKT_VERIFY_MAX_SEGS 4096u

static const uint8_t vu_pkt_dst_mac[6] = { 0x02, 0x56, 0x55, 0x00, 0x00, 0x01 };
static const uint8_t vu_pkt_src_mac[6] = { 0x02, 0x56, 0x55, 0x00, 0x00, 0x02 };

static uint16_t
vu_pkt_hdr_check(uint32_t seq, uint16_t len, uint16_t flags, uint16_t gen)
{
	uint32_t s = (VU_PKT_MAGIC >> 16) + (VU_PKT_MAGIC & 0xFFFFu) +
		     (seq >> 16) + (seq & 0xFFFFu) + len + flags + gen;

	s = (s & 0xFFFFu) + (s >> 16);
	s = (s & 0xFFFFu) + (s >> 16);
	return (uint16_t)~s;
}

/* The first VU_PKT_MIN_LEN bytes of packet (gen, seq, len) into out[]. */
static void
vu_pkt_head_make(uint8_t *out, uint16_t gen, uint32_t seq, uint16_t len)
{
	struct vu_pkt_hdr h = {
		.magic = rte_cpu_to_be_32(VU_PKT_MAGIC),
		.seq = rte_cpu_to_be_32(seq),
		.len = rte_cpu_to_be_16(len),
		.flags = 0,
		.gen = rte_cpu_to_be_16(gen),
		.check = rte_cpu_to_be_16(vu_pkt_hdr_check(seq, len, 0, gen)),
	};
	uint16_t type = rte_cpu_to_be_16(VU_PKT_ETHERTYPE);

	memcpy(out, vu_pkt_dst_mac, 6);
	memcpy(out + 6, vu_pkt_src_mac, 6);
	memcpy(out + 12, &type, 2);
	memcpy(out + VU_PKT_HDR_OFF, &h, sizeof(h));
}

static void
vu_pkt_seg_fill(uint8_t *dst, uint32_t n, uint32_t off, const uint8_t *head,
		uint16_t gen, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < n; i++, off++)
		dst[i] = off < VU_PKT_MIN_LEN ? head[off] : vu_pkt_byte(gen, seq, off);
}

struct rte_mbuf *
vu_pkt_build(struct rte_mempool *mp, uint16_t gen, uint32_t seq, uint32_t len,
	     unsigned int nb_segs, int *err)
{
	struct rte_mbuf *head = NULL, *last = NULL, *m;
	uint8_t hdr[VU_PKT_MIN_LEN];
	uint32_t room, off = 0, i;

	room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	if (len < VU_PKT_MIN_LEN || len > VU_PKT_MAX_LEN || nb_segs > VU_PKT_MAX_SEGS ||
	    nb_segs > len || room == 0) {
		*err = -EINVAL;
		return NULL;
	}
	nb_segs = RTE_MAX(nb_segs, (len + room - 1) / room);
	if (nb_segs > VU_PKT_MAX_SEGS) {
		*err = -EMSGSIZE;
		return NULL;
	}
	vu_pkt_head_make(hdr, gen, seq, (uint16_t)len);
	for (i = 0; i < nb_segs; i++) {
		/* Even split; the first len % nb_segs segments get one byte more. */
		uint32_t n = len / nb_segs + (i < len % nb_segs ? 1 : 0);

		m = rte_pktmbuf_alloc(mp);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			*err = -ENOMEM;
			return NULL;
		}
		vu_pkt_seg_fill(rte_pktmbuf_mtod(m, uint8_t *), n, off, hdr, gen, seq);
		m->data_len = (uint16_t)n;
		off += n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
		}
		last = m;
	}
	head->pkt_len = len;
	*err = 0;
	return head;
}

/* Walk the chain: segment count and byte count must match the head's claims. */
static int
vu_pkt_chain_check(const struct rte_mbuf *m, char *why, size_t why_len)
{
	const struct rte_mbuf *s;
	uint32_t segs = 0;
	uint64_t bytes = 0;

	for (s = m; s != NULL && segs < VU_PKT_VERIFY_MAX_SEGS; s = s->next) {
		segs++;
		bytes += s->data_len;
	}
	if (s != NULL) {
		snprintf(why, why_len, "chain longer than %u segments", VU_PKT_VERIFY_MAX_SEGS);
		return -EPROTO;
	}
	if (segs != m->nb_segs || bytes != m->pkt_len) {
		snprintf(why, why_len,
			 "chain inconsistent: nb_segs=%u walked=%u pkt_len=%u "
			 "sum(data_len)=%" PRIu64,
			 m->nb_segs, segs, m->pkt_len, bytes);
		return -EPROTO;
	}
	return 0;
}

/* Decode and check Ethernet + test header from the first VU_PKT_MIN_LEN bytes. */
static int
vu_pkt_head_check(const uint8_t *got, uint32_t pkt_len, struct vu_pkt_info *info,
		  char *why, size_t why_len)
{
	struct vu_pkt_hdr h;
	uint8_t want[VU_PKT_MIN_LEN];
	uint32_t i;

	memcpy(&h, got + VU_PKT_HDR_OFF, sizeof(h));
	info->seq = rte_be_to_cpu_32(h.seq);
	info->len = rte_be_to_cpu_16(h.len);
	info->gen = rte_be_to_cpu_16(h.gen);
	info->flags = rte_be_to_cpu_16(h.flags);
	if (rte_be_to_cpu_32(h.magic) != VU_PKT_MAGIC) {
		snprintf(why, why_len, "offset %u: bad magic 0x%08x (want 0x%08x), len %u",
			 VU_PKT_HDR_OFF, rte_be_to_cpu_32(h.magic), VU_PKT_MAGIC, pkt_len);
		return -EBADMSG;
	}
	if (rte_be_to_cpu_16(h.check) !=
	    vu_pkt_hdr_check(info->seq, info->len, info->flags, info->gen)) {
		snprintf(why, why_len, "header check 0x%04x bad (seq %u gen 0x%04x len %u)",
			 rte_be_to_cpu_16(h.check), info->seq, info->gen, info->len);
		return -EBADMSG;
	}
	vu_pkt_head_make(want, info->gen, info->seq, info->len);
	want[VU_PKT_HDR_OFF + 10] = got[VU_PKT_HDR_OFF + 10]; /* flags: any value */
	want[VU_PKT_HDR_OFF + 11] = got[VU_PKT_HDR_OFF + 11];
	want[VU_PKT_HDR_OFF + 14] = got[VU_PKT_HDR_OFF + 14]; /* check covers flags */
	want[VU_PKT_HDR_OFF + 15] = got[VU_PKT_HDR_OFF + 15];
	for (i = 0; i < VU_PKT_MIN_LEN; i++) {
		if (got[i] != want[i]) {
			snprintf(why, why_len,
				 "seq %u gen 0x%04x offset %u (header): expected 0x%02x got 0x%02x",
				 info->seq, info->gen, i, want[i], got[i]);
			return -EBADMSG;
		}
	}
	if (info->len != pkt_len) {
		snprintf(why, why_len, "seq %u gen 0x%04x: header length %u but frame has %u (%s)",
			 info->seq, info->gen, info->len, pkt_len,
			 pkt_len < info->len ? "truncated" : "padded");
		return -EMSGSIZE;
	}
	return 0;
}

int
vu_pkt_is_ours(const struct rte_mbuf *m)
{
	uint8_t buf[2];
	const uint8_t *p;

	if (m == NULL || m->pkt_len < RTE_ETHER_HDR_LEN)
		return 0;
	p = rte_pktmbuf_read(m, 12, sizeof(buf), buf);
	return p != NULL && ((p[0] << 8) | p[1]) == VU_PKT_ETHERTYPE;
}

int
vu_pkt_verify(const struct rte_mbuf *m, struct vu_pkt_info *info, char *why, size_t why_len)
{
	uint8_t buf[VU_PKT_MIN_LEN];
	const uint8_t *head, *p;
	const struct rte_mbuf *s;
	uint32_t off = 0, seg = 0, i;
	int ret;

	if (m == NULL) {
		snprintf(why, why_len, "NULL mbuf");
		return -EINVAL;
	}
	ret = vu_pkt_chain_check(m, why, why_len);
	if (ret < 0)
		return ret;
	if (m->pkt_len < VU_PKT_MIN_LEN) {
		snprintf(why, why_len, "runt frame of %u bytes (minimum %u)",
			 m->pkt_len, VU_PKT_MIN_LEN);
		return -EMSGSIZE;
	}
	head = rte_pktmbuf_read(m, 0, VU_PKT_MIN_LEN, buf);
	ret = vu_pkt_head_check(head, m->pkt_len, info, why, why_len);
	if (ret < 0)
		return ret;
	for (s = m; s != NULL; s = s->next, seg++) {
		p = rte_pktmbuf_mtod(s, const uint8_t *);
		for (i = 0; i < s->data_len; i++, off++) {
			uint8_t want;

			if (off < VU_PKT_MIN_LEN)
				continue;
			want = vu_pkt_byte(info->gen, info->seq, off);
			if (p[i] != want) {
				snprintf(why, why_len,
					 "seq %u gen 0x%04x len %u offset %u (seg %u +%u): "
					 "expected 0x%02x got 0x%02x",
					 info->seq, info->gen, info->len, off, seg, i, want, p[i]);
				return -EBADMSG;
			}
		}
	}
	return 0;
}

void
vu_seq_track_init(struct vu_seq_track *t)
{
	memset(t, 0, sizeof(*t));
}

void
vu_seq_track_restart(struct vu_seq_track *t)
{
	memset(t->seen, 0, sizeof(t->seen));
	t->any_start = 1;
}

int
vu_seq_track_check(struct vu_seq_track *t, uint16_t gen, uint32_t seq, char *why,
		   size_t why_len)
{
	uint64_t bit = UINT64_C(1) << (gen % 64);
	uint32_t want = t->next[gen];

	if (t->any_start && (t->seen[gen / 64] & bit) == 0)
		want = seq;
	t->seen[gen / 64] |= bit;
	if (seq == want) {
		t->next[gen] = seq + 1;
		return 0;
	}
	if (seq < want) {
		snprintf(why, why_len,
			 "gen 0x%04x: seq %u duplicate or reordered (next expected %u)",
			 gen, seq, want);
		return -EALREADY;
	}
	snprintf(why, why_len, "gen 0x%04x: seq %u after %u: %u packet(s) missing",
		 gen, seq, want, seq - want);
	t->next[gen] = seq + 1;
	return -ERANGE;
}

int
vu_parse_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end = NULL;

	if (arg == NULL || *arg == '\0' || *arg == '-' || *arg == '+' || *arg == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || end == arg || *end != '\0')
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
vu_pkt_parse_sizes(const char *arg, uint32_t *sizes, unsigned int max)
{
	char buf[256], *tok, *save = NULL;
	unsigned int n = 0;
	uint64_t v;

	if (arg == NULL || strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (n == max || vu_parse_u64(tok, VU_PKT_MIN_LEN, VU_PKT_MAX_LEN, &v) < 0)
			return -EINVAL;
		sizes[n++] = (uint32_t)v;
	}
	return n == 0 ? -EINVAL : (int)n;
}

uint64_t
vu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
