#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Reconfiguring the number of queue pairs on a running port: Debian's
# dpdk-testpmd over our driver (queues=8, split or packed ring) against
# dpdk-testpmd with net_vhost (queues=8), both in io forward mode, packets
# ping-ponging on every queue pair after "start tx_first".  Phases of 8, 2,
# then 8 pairs, each after "port stop / port config all rxq|txq N / port
# start": the driver sends VQ_PAIRS_SET N through the control queue at start.
#
# usage: mq_reconfig.sh <split|packed>
# Asserts per phase: the device recorded N pairs (cvq_queue_pairs xstat);
# the vhost side forwarded packets on exactly the queues 0..N-1 (per-stream
# RX-packets > 0 there, 0 on N..7) and the virtio side received on each of
# them (rx_qK_good_packets > 0); both processes exit cleanly.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cvq_lib.sh"

RING=${1:?split|packed}
MAX=8
vu_init "mq-reconfig-$RING"
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"

SOCK="$VU_RUN_DIR/vhost.sock"
vhost_start vh "$MAX" "$SOCK" io 0@1,1@1
tp_fwd_retry vh io
tp_run vh start

vu_eal_args vu --lcores 0@0,1@0
vu_start_stdin vu "$VU_TESTPMD" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$SOCK,queues=$MAX,$(ring_devargs "$RING")" -- \
	-i --total-num-mbufs=32768 --rxq="$MAX" --txq="$MAX" --forward-mode=io
vu_wait_log vu 20 "testpmd> "

received_enough() {
	vu_tp_show_stats vu 0
	[ "$(vu_testpmd_port vu 0 RX-packets)" -ge "$1" ]
}

phase() {
	local n=$1 q rx
	tp_run vu "port stop 0"
	tp_run vu "port config all rxq $n"
	tp_run vu "port config all txq $n"
	tp_run vu "port start 0" 30
	tp_run vu "clear port stats 0"
	tp_run vh stop
	tp_run vh start
	tp_run vu "start tx_first"
	vu_wait_for 30 "traffic on $n pair(s)" received_enough 20000
	tp_run vu stop
	tp_run vh stop
	tp_run vh start
	tp_run vu "show port xstats 0"
	echo "phase with $n pair(s):"
	vu_eq "  device recorded queue pairs" "$(tp_xstat vu 0 cvq_queue_pairs)" "$n"
	for ((q = 0; q < MAX; q++)); do
		rx=$(tp_fwd_queue vh "$q" RX-packets)
		if [ "$q" -lt "$n" ]; then
			vu_check "  vhost queue $q forwarded ($rx)" test "${rx:-0}" -gt 0
			rx=$(tp_xstat vu 0 "rx_q${q}_good_packets")
			vu_check "  virtio rx queue $q received ($rx)" test "${rx:-0}" -gt 0
		else
			vu_eq "  vhost queue $q idle" "${rx:-0}" 0
		fi
	done
}

phase 8
phase 2
phase 8
vu_send vu quit
vu_wait_exit vu 30
vu_send vh quit
vu_wait_exit vh 30
vu_eq "virtio testpmd exit status" "${VU_RC[vu]}" 0
vu_eq "vhost testpmd exit status" "${VU_RC[vh]}" 0
vu_pass "8 -> 2 -> 8 queue pairs ($RING ring): traffic on exactly the enabled pairs"
