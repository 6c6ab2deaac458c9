#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Packed virtqueues (packed_vq=1): vu-test-frontend (virtio_user driver under
# test) against vu-test-backend (DPDK vhost library), both directions, every
# byte of every packet verified.
#
# usage: packed_frontend_backend.sh <mrg_rxbuf 0|1> <in_order 0|1> <queue_size> [segs]
#   Run 1: gen-verify on one queue pair with sizes 64, 1518, 9000 in turn,
#     100 x queue_size (+ 37, so laps do not line up with the pattern)
#     packets each way: both rings wrap at least 100 times in one run.
#   Runs 2 and 3 (segs > 1 only): the same sizes, the frontend transmitting
#     each packet as <segs> segments: through an indirect table, then with
#     VIRTIO_RING_F_INDIRECT_DESC withheld by the backend, as a chain of a
#     header descriptor (NEXT) and one descriptor per segment.
# Asserts per run: both processes PASS; frontend tx == backend rx and backend
# tx == frontend rx == count; no bad packet on either side; port stats agree;
# the mbuf pool is full again after close; VIRTIO_F_RING_PACKED, MRG_RXBUF
# and IN_ORDER negotiated as asked.

. "$(dirname "$0")/lib.sh"

MRG=${1:?mrg_rxbuf}
INORDER=${2:?in_order}
QSIZE=${3:?queue_size}
SEGS=${4:-1}

vu_init "packed-fb-m$MRG-o$INORDER-q$QSIZE-s$SEGS"

SOCK="$VU_RUN_DIR/vhost.sock"
SIZES=64,1518,9000
DEVARGS="queues=1,packed_vq=1,queue_size=$QSIZE,mrg_rxbuf=$MRG,in_order=$INORDER"
RUN=0

# Feature bit negotiated (from the backend's new_device line): 0 or 1.
feature_bit() {
	local f
	f=$(vu_field "$1" "event=new_device" features)
	echo $(((f >> $2) & 1))
}

not_in_log() {
	! grep -q -- "$2" "$(vu_logfile "$1")"
}

# run_pair <count> <segs> [backend feature mask to withhold]
run_pair() {
	local count=$1 segs=$2 nofeat=${3:-0} be fe mbuf=2176
	RUN=$((RUN + 1))
	be="be$RUN"
	fe="fe$RUN"
	# Without mergeable buffers a 9000-byte frame must fit one Rx buffer.
	[ "$MRG" = 0 ] && mbuf=10240
	vu_eal_args "$be" -l 0
	vu_start "$be" "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --mode gen-verify \
		--queues 1 --count "$count" --size "$SIZES" --timeout 60 --check \
		--disable-features "$nofeat"
	vu_wait_socket "$SOCK" 10
	vu_eal_args "$fe" -l 1
	vu_start "$fe" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
		--vdev "net_virtio_user0,path=$SOCK,$DEVARGS" \
		-- --mode gen-verify --queues 1 --count "$count" --size "$SIZES" \
		--segs "$segs" --mbuf-size "$mbuf" --pool-size 8192 --timeout 60
	vu_wait_exit "$fe" 80
	vu_wait_exit "$be" 20
	echo "run $RUN: packed ring of $QSIZE, sizes $SIZES, $count packets each way, segs $segs"
	grep -E "^VU-(FRONTEND|BACKEND)" "$(vu_logfile "$fe")" "$(vu_logfile "$be")" |
		grep -v xstats | sed 's/^/  /'
	vu_eq "frontend exit status" "${VU_RC[$fe]}" 0
	vu_eq "backend exit status" "${VU_RC[$be]}" 0
	vu_eq "frontend result" "$(vu_field "$fe" '^VU-FRONTEND tx=' result)" PASS
	vu_eq "backend result" "$(vu_field "$be" '^VU-BACKEND rx=' result)" PASS
	vu_eq "frontend sent" "$(vu_field "$fe" '^VU-FRONTEND tx=' tx)" "$count"
	vu_eq "backend received (= frontend sent)" "$(vu_field "$be" '^VU-BACKEND rx=' rx)" "$count"
	vu_eq "backend sent" "$(vu_field "$be" '^VU-BACKEND rx=' tx)" "$count"
	vu_eq "frontend received (= backend sent)" \
		"$(vu_field "$fe" '^VU-FRONTEND tx=' rx)" "$count"
	vu_eq "frontend bad packets" "$(vu_field "$fe" '^VU-FRONTEND tx=' rx_bad)" 0
	vu_eq "backend bad packets" "$(vu_field "$be" '^VU-BACKEND rx=' rx_bad)" 0
	vu_eq "port stats ipackets" "$(vu_field "$fe" '^VU-FRONTEND stats' ipackets)" "$count"
	vu_eq "port stats opackets" "$(vu_field "$fe" '^VU-FRONTEND stats' opackets)" "$count"
	vu_eq "mbuf pool full after close" \
		"$(vu_field "$fe" 'pool after_close' avail)" \
		"$(vu_field "$fe" 'pool after_close' size)"
	vu_check "no queue marked broken by the driver" \
		not_in_log "$fe" "device error"
	vu_eq "negotiated VIRTIO_F_RING_PACKED" "$(feature_bit "$be" 34)" 1
	vu_eq "negotiated VIRTIO_NET_F_MRG_RXBUF" "$(feature_bit "$be" 15)" "$MRG"
	vu_eq "negotiated VIRTIO_F_IN_ORDER" "$(feature_bit "$be" 35)" "$INORDER"
	vu_eq "negotiated VIRTIO_RING_F_INDIRECT_DESC" "$(feature_bit "$be" 28)" \
		"$([ "$nofeat" = 0 ] && echo 1 || echo 0)"
}

run_pair $((100 * QSIZE + 37)) 1
if [ "$SEGS" -gt 1 ]; then
	run_pair 3000 "$SEGS"
	run_pair 3000 "$SEGS" 0x10000000
fi
vu_pass "packed ring of $QSIZE, mrg_rxbuf=$MRG in_order=$INORDER segs=$SEGS: $RUN runs"
