#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Debian's dpdk-testpmd over the virtio_user driver against a second testpmd
# serving the socket with DPDK's vhost PMD (--vdev net_vhost0,iface=...).
# Both run interactively on a fifo so the traffic can be stopped on the
# virtio side first and the vhost side drained before it is stopped: the
# counts must then match exactly.
#
# usage: test_testpmd_vhost.sh txonly|io
#   txonly: virtio txonly -> vhost rxonly.
#     Asserts: virtio port TX-packets == vhost port RX-packets (> 0), and each
#     side's forward stats agree with its port stats.
#   io: virtio io started with tx_first <-> vhost io, packets circulate.
#     Asserts: vhost RX == virtio TX exactly; on each side TX + TX-dropped ==
#     RX (+ the 32-packet tx_first burst on the virtio side); what the vhost
#     side sent and the virtio side did not receive is at most one Rx ring
#     (parked after the virtio side stopped polling); traffic both ways.

. "$(dirname "$0")/lib.sh"

MODE=${1:?txonly|io}
vu_init "testpmd-vhost-$MODE"
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"

SOCK="$VU_RUN_DIR/vhost.sock"
RING=256
MIN_PKTS=20000

if [ "$MODE" = txonly ]; then
	VHOST_FWD=rxonly
	VIRTIO_FWD=txonly
	START=start
else
	VHOST_FWD=io
	VIRTIO_FWD=io
	START="start tx_first"
fi

# Forwarding lcores on different CPUs; the idle main lcores on the other one.
vu_eal_args vh --lcores 0@1,1@0
vu_start_stdin vh "$VU_TESTPMD" "${VU_EAL[@]}" --vdev "net_vhost0,iface=$SOCK,queues=1" -- \
	-i --total-num-mbufs=8192 --forward-mode="$VHOST_FWD"
vu_wait_socket "$SOCK" 15
vu_wait_log vh 15 "testpmd> "

vu_eal_args vu --lcores 0@0,1@1
vu_start_stdin vu "$VU_TESTPMD" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$SOCK,queues=1,queue_size=$RING" -- \
	-i --total-num-mbufs=8192 --forward-mode="$VIRTIO_FWD"
vu_wait_log vu 15 "testpmd> "

vu_tp_cmd vh start "forwarding - ports="
vu_tp_cmd vu "$START" "forwarding - ports="

# Bounded poll until enough traffic went through, then stop the virtio side.
sent_enough() {
	vu_tp_show_stats vu 0
	[ "$(vu_testpmd_port vu 0 TX-packets)" -ge "$MIN_PKTS" ]
}
vu_wait_for 30 "$MIN_PKTS packets sent by the virtio side" sent_enough
vu_tp_cmd vu stop "Accumulated forward statistics"
vu_tp_show_stats vu 0
vu_tx=$(vu_testpmd_port vu 0 TX-packets)
vu_rx=$(vu_testpmd_port vu 0 RX-packets)
vu_fwd_tx=$(vu_testpmd_fwd vu TX-packets)
vu_fwd_rx=$(vu_testpmd_fwd vu RX-packets)
vu_fwd_txdrop=$(vu_testpmd_fwd vu TX-dropped)

# The vhost side keeps polling: it must end up with exactly what was sent.
vu_tp_wait_rx_settled vh 0 "$vu_tx" 15 ||
	vu_fail "vhost side RX-packets ${VU_TP_RX:-?} never settled at virtio TX-packets $vu_tx"
vu_tp_cmd vh stop "Accumulated forward statistics"
vu_tp_show_stats vh 0
vh_rx=$(vu_testpmd_port vh 0 RX-packets)
vh_tx=$(vu_testpmd_port vh 0 TX-packets)
vh_fwd_rx=$(vu_testpmd_fwd vh RX-packets)
vh_fwd_tx=$(vu_testpmd_fwd vh TX-packets)
vh_fwd_txdrop=$(vu_testpmd_fwd vh TX-dropped)

vu_send vu quit
vu_wait_exit vu 20
vu_send vh quit
vu_wait_exit vh 20

echo "virtio side: port tx=$vu_tx rx=$vu_rx; fwd tx=$vu_fwd_tx rx=$vu_fwd_rx" \
	"tx_dropped=$vu_fwd_txdrop"
echo "vhost side:  port tx=$vh_tx rx=$vh_rx; fwd tx=$vh_fwd_tx rx=$vh_fwd_rx" \
	"tx_dropped=$vh_fwd_txdrop"
vu_eq "virtio testpmd exit status" "${VU_RC[vu]}" 0
vu_eq "vhost testpmd exit status" "${VU_RC[vh]}" 0
vu_check "virtio side sent at least $MIN_PKTS packets ($vu_tx)" test "$vu_tx" -ge "$MIN_PKTS"
vu_eq "vhost RX-packets == virtio TX-packets" "$vh_rx" "$vu_tx"
vu_eq "virtio forward TX == port TX" "$vu_fwd_tx" "$vu_tx"
vu_eq "vhost forward RX == port RX" "$vh_fwd_rx" "$vh_rx"
if [ "$MODE" = io ]; then
	parked=$((vh_tx - vu_rx))
	vu_eq "virtio forward RX == port RX" "$vu_fwd_rx" "$vu_rx"
	vu_eq "virtio: TX + TX-dropped == RX + 32 (tx_first burst)" \
		"$((vu_tx + vu_fwd_txdrop))" "$((vu_rx + 32))"
	vu_eq "vhost: TX + TX-dropped == RX" "$((vh_tx + vh_fwd_txdrop))" "$vh_rx"
	vu_check "virtio side received traffic ($vu_rx)" test "$vu_rx" -ge "$MIN_PKTS"
	vu_check "vhost TX - virtio RX in [0, $RING] ($parked parked in the Rx ring)" \
		test "$parked" -ge 0 -a "$parked" -le "$RING"
else
	vu_eq "vhost side sent nothing (rxonly)" "$vh_tx" 0
fi
if [ "$VU_STOCK" = 0 ]; then
	vu_check "testpmd log shows our driver's probe line" \
		grep -q virtio-user-pmd "$(vu_logfile vu)"
fi
vu_pass "$MODE: $vu_tx packets virtio->vhost, $vu_rx vhost->virtio"
