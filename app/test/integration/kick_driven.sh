#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The driver against a device that behaves like vdpa_sim_net (vhost-vdpa's
# simulator) rather than a polling vhost-user backend: vu-test-backend
# --kick-driven looks at a queue pair only after the driver kicked one of
# its vrings (notifications enabled, so the driver must kick after every
# publish), and --drop-full drops what finds no Rx buffer, as a NIC does.
#
# usage: kick_driven.sh <split|packed>
#   run 1, batches: the backend generates 4000 packets in batches of 250
#     (fewer than the 256 Rx buffers), each once the previous one came back
#     through the frontend's echo.  Every batch fits the ring only if the
#     driver re-posted every Rx buffer it consumed before it sent the packets
#     back (as the stock driver does; holding up to rx_free_thresh - 1 of them
#     back loses packets at a device that drops, as vdpa_sim_net does), and
#     only if it kicked the Rx vring at start (nothing is generated before).
#   run 2, hold: the frontend sends 4000 packets (mixed sizes) to a
#     kick-driven echo backend that keeps what the Rx vring cannot take until
#     the next Rx kick: Tx kicks and Rx refill kicks must all arrive.
# Asserts: both processes PASS, nothing dropped, counts equal on both sides.

. "$(dirname "$0")/lib.sh"

RING=${1:?split|packed}
case $RING in
split) PACKED=0 ;;
packed) PACKED=1 ;;
*) echo "ring must be split or packed, not '$RING'" >&2; exit 2 ;;
esac

vu_init "kick-$RING"

SOCK="$VU_RUN_DIR/vhost.sock"
COUNT=4000
QSIZE=256
RUN=0

# run_pair <backend args> -- <frontend args>: one backend/frontend pair.
run_pair() {
	local be fe be_args=() fe_args=()
	RUN=$((RUN + 1))
	be="be$RUN"
	fe="fe$RUN"
	while [ "$1" != -- ]; do be_args+=("$1"); shift; done
	shift
	fe_args=("$@")
	vu_eal_args "$be" -l 0
	vu_start "$be" "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --kick-driven \
		--count "$COUNT" --timeout 40 --linger-ms 500 "${be_args[@]}"
	vu_wait_socket "$SOCK" 10
	vu_eal_args "$fe" -l 1
	vu_start "$fe" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" --vdev \
		"net_virtio_user0,path=$SOCK,packed_vq=$PACKED,queue_size=$QSIZE" \
		-- --count "$COUNT" --timeout 40 --linger-ms 500 "${fe_args[@]}"
	vu_wait_exit "$fe" 60
	vu_wait_exit "$be" 20
	grep -E "^VU-(FRONTEND|BACKEND)" "$(vu_logfile "$fe")" "$(vu_logfile "$be")" |
		grep -vE "xstats|driver|objects" | sed 's/^/  /'
	vu_eq "run $RUN: backend dropped nothing" \
		"$(vu_field "$be" '^VU-BACKEND rx=' tx_dropped)" 0
	vu_eq "run $RUN: backend received" "$(vu_field "$be" '^VU-BACKEND rx=' rx)" "$COUNT"
	vu_eq "run $RUN: backend sent" "$(vu_field "$be" '^VU-BACKEND rx=' tx)" "$COUNT"
	vu_eq "run $RUN: backend bad packets" "$(vu_field "$be" '^VU-BACKEND rx=' rx_bad)" 0
	vu_eq "run $RUN: frontend received" "$(vu_field "$fe" '^VU-FRONTEND tx=' rx)" "$COUNT"
	vu_eq "run $RUN: frontend sent" "$(vu_field "$fe" '^VU-FRONTEND tx=' tx)" "$COUNT"
	vu_eq "run $RUN: frontend result" "$(vu_field "$fe" '^VU-FRONTEND tx=' result)" PASS
	vu_eq "run $RUN: backend result" "$(vu_field "$be" '^VU-BACKEND rx=' result)" PASS
	vu_eq "run $RUN: frontend exit status" "${VU_RC[$fe]}" 0
	vu_eq "run $RUN: backend exit status" "${VU_RC[$be]}" 0
}

# Bursts of one: the driver consumes buffers one at a time, as a request/response
# application does, so how many it holds back does not depend on timing.
run_pair --mode gen-verify --drop-full --batch $((QSIZE - 6)) --size 64,1518 -- \
	--mode echo --burst 1
run_pair --mode echo --check -- --mode gen-verify --size 64,1518,9000
vu_pass "$RING ring, kick-driven device: $COUNT packets each way, batched and held"
