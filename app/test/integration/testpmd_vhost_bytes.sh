#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Split or packed virtqueues against Debian's dpdk-testpmd serving the
# socket with DPDK's vhost PMD (--vdev net_vhost0,iface=...) in io forward
# mode with retry: every packet vu-test-frontend sends over the driver under
# test comes back through testpmd and is verified byte for byte, in order,
# none lost or duplicated -- both directions of the ring proven, with
# testpmd (not our own backend) on the device side.
#
# usage: testpmd_vhost_bytes.sh <split|packed> <mrg_rxbuf 0|1> <in_order 0|1> <queue_size>
#        [segs] [vectorized 0|1]
#   Sizes 64, 1518 and 9000 in turn, 100 x queue_size (+ 37) packets: both
#   rings wrap at least 100 times.  With [segs] > 1 the frontend transmits
#   each packet as that many segments.  With vectorized=1 the driver's start
#   log must name the Rx burst it chose: vectorized where it applies (split,
#   mrg_rxbuf=0), else the reason it is not.
# Asserts: frontend PASS with tx == rx == count, no bad packet, port stats
# agree, mbuf pool full after close, no queue marked broken; testpmd's own
# counters: RX == TX == count, nothing dropped.

. "$(dirname "$0")/lib.sh"

RING=${1:?split|packed}
MRG=${2:?mrg_rxbuf}
INORDER=${3:?in_order}
QSIZE=${4:?queue_size}
SEGS=${5:-1}
VEC=${6:-0}
case $RING in
split) PACKED=0 ;;
packed) PACKED=1 ;;
*) echo "ring must be split or packed, not '$RING'" >&2; exit 2 ;;
esac

vu_init "$RING-tp-m$MRG-o$INORDER-q$QSIZE-s$SEGS-v$VEC"
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"

SOCK="$VU_RUN_DIR/vhost.sock"
SIZES=64,1518,9000
DEVARGS="queues=1,packed_vq=$PACKED,queue_size=$QSIZE,mrg_rxbuf=$MRG,in_order=$INORDER"
DEVARGS+=",vectorized=$VEC"
COUNT=$((100 * QSIZE + 37))
MBUF=2176
# Without mergeable buffers a 9000-byte frame must fit one Rx buffer.
[ "$MRG" = 0 ] && MBUF=10240

not_in_log() {
	! grep -q -- "$2" "$(vu_logfile "$1")"
}

# At most one burst of our packets in flight (--window): even a starved
# frontend then leaves testpmd's retry room in our Rx ring, so a loss is a
# driver bug, not load.
# testpmd forwards on CPU 0, its idle main lcore on CPU 1 with the frontend.
vu_eal_args vh --lcores 0@1,1@0
vu_start_stdin vh "$VU_TESTPMD" "${VU_EAL[@]}" --vdev "net_vhost0,iface=$SOCK,queues=1" -- \
	-i --total-num-mbufs=16384 --forward-mode=io
vu_wait_socket "$SOCK" 15
vu_wait_log vh 15 "testpmd> "
vu_tp_cmd vh "set fwd io retry" "Set io packet forwarding mode with retry"
vu_tp_cmd vh "set burst tx delay 200 retry 512" "testpmd> "
vu_tp_cmd vh start "forwarding.* - ports="

vu_eal_args fe -l 1 --log-level=pmd.net.virtio.driver:info
vu_start fe "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$SOCK,$DEVARGS" \
	-- --mode gen-verify --queues 1 --count "$COUNT" --size "$SIZES" \
	--segs "$SEGS" --mbuf-size "$MBUF" --pool-size 8192 --window 32 --timeout 60
vu_wait_exit fe 80

vu_tp_cmd vh stop "Accumulated forward statistics"
vu_tp_show_stats vh 0
vh_rx=$(vu_testpmd_port vh 0 RX-packets)
vh_tx=$(vu_testpmd_port vh 0 TX-packets)
vh_txdrop=$(vu_testpmd_fwd vh TX-dropped)
vu_send vh quit
vu_wait_exit vh 20

grep -E "^VU-FRONTEND" "$(vu_logfile fe)" | grep -v xstats | sed 's/^/  /'
echo "testpmd (vhost side): port rx=$vh_rx tx=$vh_tx; fwd tx_dropped=$vh_txdrop"
vu_eq "frontend exit status" "${VU_RC[fe]}" 0
vu_eq "testpmd exit status" "${VU_RC[vh]}" 0
vu_eq "frontend result" "$(vu_field fe '^VU-FRONTEND tx=' result)" PASS
vu_eq "frontend sent" "$(vu_field fe '^VU-FRONTEND tx=' tx)" "$COUNT"
vu_eq "frontend received its packets back" "$(vu_field fe '^VU-FRONTEND tx=' rx)" "$COUNT"
vu_eq "frontend bad packets" "$(vu_field fe '^VU-FRONTEND tx=' rx_bad)" 0
vu_eq "port stats ipackets" "$(vu_field fe '^VU-FRONTEND stats' ipackets)" "$COUNT"
vu_eq "port stats opackets" "$(vu_field fe '^VU-FRONTEND stats' opackets)" "$COUNT"
vu_eq "mbuf pool full after close" \
	"$(vu_field fe 'pool after_close' avail)" "$(vu_field fe 'pool after_close' size)"
vu_check "no queue marked broken by the driver" not_in_log fe "device error"
if [ "$VEC" = 1 ] && [ "$RING" = split ] && [ "$MRG" = 0 ]; then
	vu_check "Rx burst is the vectorized one" grep -q "Rx single-buffer.* vectorized" \
		"$(vu_logfile fe)"
elif [ "$VEC" = 1 ]; then
	vu_check "vectorized Rx refused with its reason" grep -q "vectorized Rx not used: " \
		"$(vu_logfile fe)"
else
	vu_check "Rx burst is not vectorized" not_in_log fe "vectorized,"
fi
vu_eq "testpmd RX-packets (= frontend sent)" "$vh_rx" "$COUNT"
vu_eq "testpmd TX-packets (= frontend received)" "$vh_tx" "$COUNT"
vu_eq "testpmd TX-dropped" "$vh_txdrop" 0
vu_pass "$RING ring of $QSIZE, mrg_rxbuf=$MRG in_order=$INORDER segs=$SEGS:" \
	"$COUNT packets each way through testpmd"
