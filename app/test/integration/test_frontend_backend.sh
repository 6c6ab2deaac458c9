#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vu-test-frontend (virtio_user driver under test) against vu-test-backend
# (DPDK vhost library), both directions, every byte of every packet verified.
#
# usage: test_frontend_backend.sh <mrg_rxbuf 0|1> <in_order 0|1> [segs]
#   For each size (64, 1518, 9000): both sides generate --count packets per
#   queue pair on 2 queue pairs and verify all they receive (content, queue,
#   order, no loss, no duplicates). Then one echo run with mixed sizes: the
#   frontend must get every packet back byte-identical.
#   With [segs] > 1 the frontend transmits each packet as that many segments.
# Asserts: both processes PASS; frontend tx == backend rx and backend tx ==
# frontend rx == count x queues; no bad packet; negotiated features match the
# devargs; port stats/xstats agree with the frontend's counts; the mbuf pool is
# full again after the port is closed.

. "$(dirname "$0")/lib.sh"

MRG=${1:?mrg_rxbuf}
INORDER=${2:?in_order}
SEGS=${3:-1}
QUEUES=2

vu_init "fb-m$MRG-o$INORDER-s$SEGS"

SOCK="$VU_RUN_DIR/vhost.sock"
RUN=0

# Feature bit negotiated (from the backend's new_device line): 0 or 1.
feature_bit() {
	local f
	f=$(vu_field "$1" "event=new_device" features)
	echo $(((f >> $2) & 1))
}

# run_pair <backend mode> <count> <sizes> <mbuf size>
run_pair() {
	local mode=$1 count=$2 sizes=$3 mbuf=$4 be fe want fe_mode=gen-verify queues=$QUEUES
	RUN=$((RUN + 1))
	be="be$RUN"
	fe="fe$RUN"
	[ "$mode" = echo ] && queues=1
	want=$((count * queues))
	vu_eal_args "$be" -l 0
	vu_start "$be" "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --mode "$mode" \
		--queues "$queues" --count "$count" --size "$sizes" --timeout 40 --check
	vu_wait_socket "$SOCK" 10
	vu_eal_args "$fe" -l 1
	vu_start "$fe" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" --vdev \
		"net_virtio_user0,path=$SOCK,queues=$queues,mrg_rxbuf=$MRG,in_order=$INORDER" \
		-- --mode "$fe_mode" --queues "$queues" --count "$count" --size "$sizes" \
		--segs "$SEGS" --mbuf-size "$mbuf" --timeout 40
	vu_wait_exit "$fe" 60
	vu_wait_exit "$be" 20
	echo "run $RUN: backend $mode, sizes $sizes, $queues queue pair(s), $count packets each," \
		"segs $SEGS, mbuf $mbuf"
	grep -E "^VU-(FRONTEND|BACKEND)" "$(vu_logfile "$fe")" "$(vu_logfile "$be")" |
		grep -v xstats | sed 's/^/  /'
	vu_eq "frontend exit status" "${VU_RC[$fe]}" 0
	vu_eq "backend exit status" "${VU_RC[$be]}" 0
	vu_eq "frontend result" "$(vu_field "$fe" '^VU-FRONTEND tx=' result)" PASS
	vu_eq "backend result" "$(vu_field "$be" '^VU-BACKEND rx=' result)" PASS
	vu_eq "frontend sent" "$(vu_field "$fe" '^VU-FRONTEND tx=' tx)" "$want"
	vu_eq "backend received (= frontend sent)" "$(vu_field "$be" '^VU-BACKEND rx=' rx)" "$want"
	vu_eq "frontend received" "$(vu_field "$fe" '^VU-FRONTEND tx=' rx)" "$want"
	vu_eq "frontend bad packets" "$(vu_field "$fe" '^VU-FRONTEND tx=' rx_bad)" 0
	vu_eq "backend bad packets" "$(vu_field "$be" '^VU-BACKEND rx=' rx_bad)" 0
	if [ "$mode" = gen-verify ]; then
		vu_eq "backend sent (= frontend received)" \
			"$(vu_field "$be" '^VU-BACKEND rx=' tx)" "$want"
		vu_eq "backend queue pairs with traffic" \
			"$(vu_field "$be" '^VU-BACKEND rx=' queues_seen)" "$queues"
	else
		vu_eq "backend echoed" "$(vu_field "$be" '^VU-BACKEND rx=' tx)" "$want"
	fi
	vu_eq "port stats ipackets" "$(vu_field "$fe" '^VU-FRONTEND stats' ipackets)" "$want"
	vu_eq "port stats opackets" "$(vu_field "$fe" '^VU-FRONTEND stats' opackets)" "$want"
	vu_eq "mbuf pool full after close" \
		"$(vu_field "$fe" 'pool after_close' avail)" \
		"$(vu_field "$fe" 'pool after_close' size)"
	vu_eq "negotiated VIRTIO_NET_F_MRG_RXBUF" "$(feature_bit "$be" 15)" "$MRG"
	vu_eq "negotiated VIRTIO_F_IN_ORDER" "$(feature_bit "$be" 35)" "$INORDER"
}

# Without mergeable buffers a 9000-byte frame must fit one Rx buffer.
big_mbuf=2176
[ "$MRG" = 0 ] && big_mbuf=10240

run_pair gen-verify 2000 64 2176
run_pair gen-verify 2000 1518 2176
run_pair gen-verify 1000 9000 "$big_mbuf"
run_pair echo 3000 64,1518,9000 "$big_mbuf"
vu_pass "mrg_rxbuf=$MRG in_order=$INORDER segs=$SEGS: 4 runs"
