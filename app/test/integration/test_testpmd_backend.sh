#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Debian's dpdk-testpmd over the virtio_user driver in io forward mode (with
# retry) against vu-test-backend gen-verify on 2 queue pairs: the backend
# sends patterned packets of 64, 1518 and 9000 bytes into the Rx vrings,
# testpmd loops them back, and the backend checks every byte, the queue and
# the order of what comes back -- both directions through testpmd proven.
# testpmd starts with --tx-first (its own burst, counted by the backend as
# foreign frames) so the backend knows testpmd's datapath is live before it
# generates: the virtio driver discards what its Rx rings hold at start.
# Asserts: backend PASS with received == sent == count x queues, no bad
# packet; testpmd's final stats RX == backend sent, TX == backend received
# (ours + foreign), no TX drop.

. "$(dirname "$0")/lib.sh"

vu_init testpmd-backend
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"

COUNT=3000
QUEUES=2
SOCK="$VU_RUN_DIR/vhost.sock"
# io with retry, and patient: up to 512 x 200 us before a burst is dropped.
printf '%s\n' "set fwd io retry" "set burst tx delay 200 retry 512" >"$VU_RUN_DIR/testpmd.cmds"

vu_eal_args be -l 0
vu_start be "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --mode gen-verify \
	--queues "$QUEUES" --count "$COUNT" --size 64,1518,9000 --foreign-ok --timeout 60
vu_wait_socket "$SOCK" 10

# Main lcore idles on CPU 0 (where the backend polls), forwarding on CPU 1.
vu_eal_args tp --lcores 0@0,1@1
vu_start_stdin tp "$VU_TESTPMD" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$SOCK,queues=$QUEUES" -- \
	--total-num-mbufs=16384 --rxq="$QUEUES" --txq="$QUEUES" --no-flush-rx --tx-first \
	--cmdline-file="$VU_RUN_DIR/testpmd.cmds" --max-pkt-len=9100 --enable-scatter \
	--tx-offloads=0x8000

vu_wait_log be 60 "event=done|result="
vu_stop tp 30 INT
vu_wait_exit be 20

grep -E "^VU-BACKEND" "$(vu_logfile be)" | sed 's/^/  /'
grep -A3 "Accumulated forward statistics" "$(vu_logfile tp)" | sed 's/^/  /'

want=$((COUNT * QUEUES))
tp_rx=$(vu_testpmd_fwd tp RX-packets)
tp_tx=$(vu_testpmd_fwd tp TX-packets)
tp_txdrop=$(vu_testpmd_fwd tp TX-dropped)
be_rx=$(vu_field be '^VU-BACKEND rx=' rx)
be_foreign=$(vu_field be '^VU-BACKEND rx=' rx_foreign)

vu_eq "backend exit status" "${VU_RC[be]}" 0
vu_eq "testpmd exit status" "${VU_RC[tp]}" 0
vu_eq "backend result" "$(vu_field be '^VU-BACKEND rx=' result)" PASS
vu_eq "backend sent" "$(vu_field be '^VU-BACKEND rx=' tx)" "$want"
vu_eq "backend received its own packets back" "$((be_rx - be_foreign))" "$want"
vu_eq "backend bad packets" "$(vu_field be '^VU-BACKEND rx=' rx_bad)" 0
vu_eq "backend queue pairs with traffic" "$(vu_field be '^VU-BACKEND rx=' queues_seen)" "$QUEUES"
vu_check "testpmd's --tx-first burst reached the backend ($be_foreign frames)" \
	test "${be_foreign:-0}" -gt 0
vu_eq "testpmd RX-packets (= backend sent)" "$tp_rx" "$want"
vu_eq "testpmd TX-packets (= backend received)" "$tp_tx" "$be_rx"
vu_eq "testpmd TX-dropped" "$tp_txdrop" 0
if [ "$VU_STOCK" = 0 ]; then
	vu_check "testpmd log shows our driver's probe line" \
		grep -q virtio-user-pmd "$(vu_logfile tp)"
fi
vu_pass "testpmd io forwarded $tp_rx packets, all verified by the backend"
