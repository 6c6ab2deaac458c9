# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers shared by the control-queue and multi-queue tests (cvq_*.sh,
# mq_*.sh); sourced after lib.sh, never run.

# tp_run <name> <command>: one testpmd command; waits for the next prompt.
tp_run() {
	vu_tp_cmd "$1" "$2" "testpmd> " "${3:-20}"
}

# tp_xstat <name> <port> <xstat>: value in the last "show port xstats" block.
tp_xstat() {
	awk -v hdr="NIC extended statistics for port $2" -v key="$3:" '
		index($0, hdr) { blk = 1; val = ""; next }
		blk && /testpmd> / { blk = 0 }
		blk && $1 == key { val = $2 }
		END { print val }' "$(vu_logfile "$1")"
}

# tp_fwd_queue <name> <queue> <field>: RX-packets, TX-packets or TX-dropped
# of stream "RX Port= 0/Queue= <queue>" in the output of the last "stop"
# (testpmd prints no block, so empty, for a stream that moved nothing).
tp_fwd_queue() {
	awk -v hdr="RX Port= 0/Queue= *$2 -> " -v key="$3:" '
		/Telling cores to stop/ { val = "" }
		$0 ~ hdr { blk = 1; next }
		blk { for (i = 1; i < NF; i++) if ($i == key) val = $(i + 1); blk = 0 }
		END { print val }' "$(vu_logfile "$1")"
}

# ring_devargs <split|packed>: the devargs choosing the ring layout.
ring_devargs() {
	case "$1" in
	split) echo "packed_vq=0" ;;
	packed) echo "packed_vq=1" ;;
	*) vu_fail "ring type '$1': split or packed" ;;
	esac
}

# vhost_start <name> <queues> <sock> <fwd mode> [cores]: Debian's testpmd with
# net_vhost (queues=N on the port and in testpmd), interactive.  Forwarding
# modes run with Tx retry (set by tp_fwd_retry) so that a momentarily full
# virtio Rx ring delays a packet instead of dropping it.
vhost_start() {
	vu_eal_args "$1" --lcores "${5:-0@1,1@1}"
	vu_start_stdin "$1" "$VU_TESTPMD" "${VU_EAL[@]}" \
		--vdev "net_vhost0,iface=$3,queues=$2" -- -i --total-num-mbufs=32768 \
		--rxq="$2" --txq="$2" --forward-mode="$4"
	vu_wait_socket "$3" 15
	vu_wait_log "$1" 20 "testpmd> "
}

# tp_fwd_retry <name> <mode>: "set fwd <mode> retry" (io, mac).
tp_fwd_retry() {
	tp_run "$1" "set burst tx delay 20 retry 2000"
	tp_run "$1" "set fwd $2 retry"
}

# feature_bit <hex features> <bit>: 0 or 1.
feature_bit() {
	echo $((($1 >> $2) & 1))
}
