/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu-pkt-selftest: proves the packet checker is not vacuous. Every damage
 * class the integration tests rely on (corruption, truncation, padding,
 * splicing, broken chains, loss, duplication, reordering) must be reported
 * with the expected error and a reason naming the place. Exit 0 on success.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vu_pkt.h"

static int vst_failures;

static void
vst_expect(const char *what, int got, int want, const char *why, const char *must_contain)
{
	bool ok = got == want && (must_contain == NULL || strstr(why, must_contain) != NULL);

	printf("%s: %s (ret %d, want %d) %s\n", ok ? "ok" : "FAIL", what, got, want,
	       got < 0 ? why : "");
	vst_failures += !ok;
}

static int
vst_verify(const struct rte_mbuf *m, char *why)
{
	struct vu_pkt_info info;

	why[0] = '\0';
	return vu_pkt_verify(m, &info, why, VU_PKT_WHY_LEN);
}

/* Byte at frame offset `off` of a chain, for damaging it. */
static uint8_t *
vst_byte(struct rte_mbuf *m, uint32_t off)
{
	for (; m != NULL; m = m->next) {
		if (off < m->data_len)
			return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
		off -= m->data_len;
	}
	return NULL;
}

static void
vst_good_shapes(struct rte_mempool *mp)
{
	static const uint32_t sizes[] = { 30, 60, 64, 1518, 9000 };
	static const unsigned int segs[] = { 0, 1, 2, 4, 7 };
	char why[VU_PKT_WHY_LEN], what[96];
	unsigned int i, j;
	int err;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		for (j = 0; j < RTE_DIM(segs); j++) {
			struct rte_mbuf *m = vu_pkt_build(mp, 0xF001, i * 10 + j, sizes[i],
							  segs[j], &err);

			snprintf(what, sizeof(what), "good packet len %u segs>=%u", sizes[i],
				 segs[j]);
			if (m == NULL) {
				vst_expect(what, err, 0, "", NULL);
				continue;
			}
			vst_expect(what, vst_verify(m, why), 0, why, NULL);
			rte_pktmbuf_free(m);
		}
	}
}

static void
vst_damage(struct rte_mempool *mp)
{
	char why[VU_PKT_WHY_LEN];
	struct rte_mbuf *m, *n;
	int err;

	m = vu_pkt_build(mp, 0xB000, 7, 1518, 3, &err);
	*vst_byte(m, 1000) ^= 0x01;
	vst_expect("one flipped payload bit", vst_verify(m, why), -EBADMSG, why, "offset 1000");
	*vst_byte(m, 1000) ^= 0x01;
	*vst_byte(m, 8) ^= 0xFF;
	vst_expect("corrupt source MAC", vst_verify(m, why), -EBADMSG, why, "offset 8");
	*vst_byte(m, 8) ^= 0xFF;
	*vst_byte(m, 18) ^= 0x01; /* seq: the header check must catch it */
	vst_expect("corrupt header seq", vst_verify(m, why), -EBADMSG, why, "check");
	*vst_byte(m, 18) ^= 0x01;
	rte_pktmbuf_lastseg(m)->data_len--;
	m->pkt_len--;
	vst_expect("truncated by one byte", vst_verify(m, why), -EMSGSIZE, why, "truncated");
	m->pkt_len++;
	vst_expect("chain sum != pkt_len", vst_verify(m, why), -EPROTO, why, "data_len");
	rte_pktmbuf_lastseg(m)->data_len++;
	m->nb_segs++;
	vst_expect("nb_segs wrong", vst_verify(m, why), -EPROTO, why, "nb_segs");
	m->nb_segs--;
	/* Splice: the tail of packet 8 behind the head of packet 7. */
	n = vu_pkt_build(mp, 0xB000, 8, 1518, 3, &err);
	rte_pktmbuf_free(m->next->next);
	m->next->next = n->next->next;
	n->next->next = NULL;
	n->nb_segs = 2;
	n->pkt_len = n->data_len + n->next->data_len;
	vst_expect("spliced packets", vst_verify(m, why), -EBADMSG, why, "seq 7");
	rte_pktmbuf_free(n);
	rte_pktmbuf_free(m);
	m = vu_pkt_build(mp, 0xB000, 9, 64, 1, &err);
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 63) = 0;
	rte_pktmbuf_append(m, 4);
	vst_expect("padded frame", vst_verify(m, why), -EMSGSIZE, why, "padded");
	rte_pktmbuf_free(m);
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m, 20);
	vst_expect("runt frame", vst_verify(m, why), -EMSGSIZE, why, "runt");
	rte_pktmbuf_free(m);
}

static void
vst_sequence(void)
{
	static struct vu_seq_track t;
	char why[VU_PKT_WHY_LEN] = "";

	vu_seq_track_init(&t);
	vst_expect("seq 0", vu_seq_track_check(&t, 1, 0, why, sizeof(why)), 0, why, NULL);
	vst_expect("seq 1", vu_seq_track_check(&t, 1, 1, why, sizeof(why)), 0, why, NULL);
	vst_expect("duplicate", vu_seq_track_check(&t, 1, 1, why, sizeof(why)), -EALREADY, why,
		   "duplicate");
	vst_expect("gap", vu_seq_track_check(&t, 1, 5, why, sizeof(why)), -ERANGE, why,
		   "3 packet(s) missing");
	vst_expect("late (reordered)", vu_seq_track_check(&t, 1, 4, why, sizeof(why)),
		   -EALREADY, why, "reordered");
	vst_expect("other generator independent", vu_seq_track_check(&t, 2, 0, why,
		   sizeof(why)), 0, why, NULL);
}

/* EAL cleanup, then remove the (by then empty) runtime directory EAL made. */
static void
vst_eal_cleanup(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0] != '\0')
		rmdir(dir);
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "vu-pkt-selftest: EAL init failed\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("vst_pool", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "vu-pkt-selftest: no pool\n");
		vst_eal_cleanup();
		return 2;
	}
	vst_good_shapes(mp);
	vst_damage(mp);
	vst_sequence();
	printf("%s: %d failure(s), pool %u/%u\n", vst_failures ? "FAIL" : "PASS", vst_failures,
	       rte_mempool_avail_count(mp), 1024u);
	if (rte_mempool_avail_count(mp) != 1024)
		vst_failures++;
	rte_mempool_free(mp);
	vst_eal_cleanup();
	return vst_failures ? 1 : 0;
}
