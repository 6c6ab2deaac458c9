/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VU_PKT_H
#define VU_PKT_H

/*
 * Patterned test packets shared by vu-test-backend and vu-test-frontend.
 *
 * Layout (all multi-byte fields big-endian):
 *   0  Ethernet: dst VU_PKT_DST_MAC, src VU_PKT_SRC_MAC, ethertype 0x88B5
 *  14  struct vu_pkt_hdr: magic, seq, total length, flags, generator id, check
 *  30  payload: byte at packet offset `off` is vu_pkt_byte(gen, seq, off)
 *
 * Every byte is a function of (generator, sequence, offset), so corruption,
 * truncation, padding, splicing of two packets, reordering and duplication
 * (the last two with struct vu_seq_track) are all detected by the receiver,
 * whatever the segmentation of the mbuf chain that carries the packet.
 */

#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

#define VU_PKT_ETHERTYPE 0x88B5u
#define VU_PKT_MAGIC 0x56555054u /* "VUPT" */
#define VU_PKT_HDR_OFF 14u
#define VU_PKT_MIN_LEN 30u
#define VU_PKT_MAX_LEN 65535u
#define VU_PKT_MAX_SEGS 64u
#define VU_PKT_WHY_LEN 192u

/* Generator ids: role in the high byte, queue index in the low byte. */
#define VU_GEN_BACKEND 0xB000u
#define VU_GEN_FRONTEND 0xF000u
#define VU_GEN_QUEUE(gen) ((gen) & 0xFFu)

struct vu_pkt_hdr {
	uint32_t magic;
	uint32_t seq;
	uint16_t len;   /* total frame length, Ethernet header included */
	uint16_t flags;
	uint16_t gen;
	uint16_t check; /* vu_pkt_hdr_check() of the fields above */
} __attribute__((packed));

/* What vu_pkt_verify() decoded from a good packet. */
struct vu_pkt_info {
	uint32_t seq;
	uint16_t len;
	uint16_t gen;
	uint16_t flags;
};

/* Expected byte at frame offset `off` of packet (gen, seq). */
static inline uint8_t
vu_pkt_byte(uint16_t gen, uint32_t seq, uint32_t off)
{
	uint32_t x = seq * 0x9E3779B1u + off * 0x85EBCA77u + gen * 0xC2B2AE3Du;

	return (uint8_t)((x >> 24) ^ (x >> 13));
}

/*
 * Build a packet of `len` bytes split evenly over at least `nb_segs` mbufs
 * from `mp` (more when the pool's data room requires). Returns the chain, or
 * NULL with *err set to a negative errno (-EINVAL bad len/segs, -EMSGSIZE
 * needs more than VU_PKT_MAX_SEGS segments, -ENOMEM pool empty).
 */
struct rte_mbuf *vu_pkt_build(struct rte_mempool *mp, uint16_t gen, uint32_t seq,
			      uint32_t len, unsigned int nb_segs, int *err);

/* True when the frame carries our ethertype (a test packet, good or bad). */
int vu_pkt_is_ours(const struct rte_mbuf *m);

/*
 * Check one received chain. Returns 0 and fills *info when every byte is as
 * expected; otherwise a negative errno (-EBADMSG content, -EPROTO chain
 * inconsistent, -EMSGSIZE length) and a one-line reason in why[] naming the
 * first bad offset with expected and received values.
 */
int vu_pkt_verify(const struct rte_mbuf *m, struct vu_pkt_info *info,
		  char *why, size_t why_len);

/* Per-generator sequence tracking: detects loss, duplication and reordering. */
struct vu_seq_track {
	uint32_t next[65536]; /* next expected seq, per generator id */
	uint64_t seen[65536 / 64]; /* generator ids seen since init/restart */
	int any_start;        /* after a restart: a stream's first seq is its baseline */
};

/* Every stream starts at seq 0. */
void vu_seq_track_init(struct vu_seq_track *t);
/* New connection: streams continue at any seq, then must stay consecutive. */
void vu_seq_track_restart(struct vu_seq_track *t);

/*
 * Record (gen, seq). Returns 0 when seq is the next expected one, -EALREADY
 * for a duplicate or late packet, -ERANGE for a gap (lost packets; tracking
 * resyncs after the gap); why[] says which.
 */
int vu_seq_track_check(struct vu_seq_track *t, uint16_t gen, uint32_t seq,
		       char *why, size_t why_len);

/* Parse "64" or "64,1518,9000" into sizes[]; returns the count or -EINVAL. */
int vu_pkt_parse_sizes(const char *arg, uint32_t *sizes, unsigned int max);

/* Parse a strict unsigned integer (decimal, or hex with 0x); -EINVAL/-ERANGE. */
int vu_parse_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out);

/* Monotonic time in nanoseconds. */
uint64_t vu_now_ns(void);

#endif /* VU_PKT_H */
