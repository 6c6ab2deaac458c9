#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Multi-queue traffic, every queue pair both ways, every byte checked:
# vu-test-frontend (our driver, queues=N, split or packed ring) in gen-verify
# mode against Debian's dpdk-testpmd with net_vhost (queues=N) in io forward
# mode, which returns each packet on the queue pair it came in on.
#
# usage: mq_traffic.sh <split|packed> <N> [count per queue]
# Asserts: the frontend PASSes (per queue: sent == received == count, every
# packet byte-identical and back on the queue it was sent on, mbuf pool full
# after close); per-queue counters non-zero on both sides: the frontend's
# VU-FRONTEND-Q lines and testpmd's per-stream forward stats (RX-packets ==
# TX-packets == count) for every queue K < N; our driver negotiated the ring
# layout asked for, MQ and the control queue (through which it set N pairs).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cvq_lib.sh"

RING=${1:?split|packed}
N=${2:?queue pairs}
COUNT=${3:-400}
vu_init "mq-$RING-$N"
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"

SOCK="$VU_RUN_DIR/vhost.sock"
vhost_start vh "$N" "$SOCK" io 0@1,1@1
tp_fwd_retry vh io
tp_run vh start

vu_eal_args fe -l 0
vu_start fe "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--log-level='pmd.net.virtio.*:info' \
	--vdev "net_virtio_user0,path=$SOCK,queues=$N,$(ring_devargs "$RING")" \
	-- --mode gen-verify --queues "$N" --count "$COUNT" --size 64,1518 \
	--pool-size 32768 --window 32 --timeout 60
vu_wait_exit fe 90
tp_run vh stop
vu_send vh quit
vu_wait_exit vh 20

grep -E "^VU-FRONTEND(-Q)? " "$(vu_logfile fe)" | grep -v xstats | sed 's/^/  /'
vu_eq "frontend exit status" "${VU_RC[fe]}" 0
vu_eq "frontend result" "$(vu_field fe '^VU-FRONTEND tx=' result)" PASS
vu_eq "frontend bad packets" "$(vu_field fe '^VU-FRONTEND tx=' rx_bad)" 0
vu_eq "testpmd exit status" "${VU_RC[vh]}" 0
for ((q = 0; q < N; q++)); do
	fe_tx=$(vu_field fe "^VU-FRONTEND-Q q=$q " tx)
	fe_rx=$(vu_field fe "^VU-FRONTEND-Q q=$q " rx)
	be_rx=$(tp_fwd_queue vh "$q" RX-packets)
	be_tx=$(tp_fwd_queue vh "$q" TX-packets)
	echo "  queue pair $q: frontend tx=$fe_tx rx=$fe_rx, testpmd rx=$be_rx tx=$be_tx"
	vu_eq "pair $q: frontend sent" "$fe_tx" "$COUNT"
	vu_eq "pair $q: frontend received back (verified)" "$fe_rx" "$COUNT"
	vu_eq "pair $q: testpmd received" "$be_rx" "$COUNT"
	vu_eq "pair $q: testpmd sent" "$be_tx" "$COUNT"
done
if [ "$VU_STOCK" = 0 ]; then
	feat=$(grep -oE "started, .*features 0x[0-9a-f]+" "$(vu_logfile fe)" | tail -n 1 |
		grep -oE "0x[0-9a-f]+$")
	vu_check "driver log names the negotiated features ($feat)" test -n "$feat"
	want=0
	[ "$RING" = packed ] && want=1
	vu_eq "VIRTIO_F_RING_PACKED negotiated" "$(feature_bit "$feat" 34)" "$want"
	vu_eq "VIRTIO_NET_F_MQ negotiated" "$(feature_bit "$feat" 22)" 1
	vu_eq "VIRTIO_NET_F_CTRL_VQ negotiated" "$(feature_bit "$feat" 17)" 1
fi
vu_pass "$N queue pairs ($RING ring): $COUNT packets each way on every pair, all verified"
