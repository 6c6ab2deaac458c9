#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# reconnect_cycles.sh <server|client> <split|packed> [cycles]
#
# vu-test-lifecycle --mode reconnect: the vhost-user backend (vu-test-backend,
# echo) is SIGKILLed mid-traffic and restarted <cycles> times (default 20).
# "server": our port has server=1 and the backend connects (--client);
# "client": the backend listens and our port reconnects with backoff.  Each
# cycle: link down + LSC event, then link up and verified echo traffic within
# 2 s of the backend's return; at the end no corrupted packet, the mbuf pool
# full after stop and the fd count of before the first cycle.  A packed ring
# cannot be resumed in place: the driver raises RTE_ETH_EVENT_INTR_RESET and
# the app resets the port (counted as resets=N in the summary).

. "$(dirname "$0")/lib.sh"

MODE=${1:?server|client}
RING=${2:?split|packed}
CYCLES=${3:-20}
vu_init "reconnect-$MODE-$RING"
[ "$VU_STOCK" = 1 ] && [ "$MODE" = client ] &&
	vu_skip "the stock driver reconnects only in server mode"
: "${VU_LIFECYCLE:?VU_LIFECYCLE not set}"

SOCK=$VU_RUN_DIR/vhost.sock
VDEV="net_virtio_user0,path=$SOCK"
BE_MODE=()
[ "$MODE" = server ] && VDEV+=",server=1" && BE_MODE=(--client)
[ "$RING" = packed ] && VDEV+=",packed_vq=1"

vu_eal_args be -l 1
BE_CMD="$VU_BACKEND ${VU_EAL[*]} -- --socket $SOCK ${BE_MODE[*]} --mode echo --timeout 300"
vu_eal_args app -l 0
vu_start app "$VU_LIFECYCLE" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" -- --mode reconnect \
	--cycles "$CYCLES" --resume-ms 2000 --vdev "$VDEV" --backend-cmd "$BE_CMD" \
	--backend-log "$VU_RUN_DIR/backend.log"
vu_wait_exit app $((30 + CYCLES * 15))

grep -E "^VU-LIFECYCLE" "$(vu_logfile app)"
vu_eq "app exit status" "${VU_RC[app]}" 0
vu_eq "cycles" "$(vu_field app 'mode=reconnect' cycles)" "$CYCLES"
vu_eq "result" "$(vu_field app 'mode=reconnect' result)" PASS
vu_eq "corrupted packets" "$(vu_field app 'mode=reconnect' rx_bad)" 0
vu_check "one LSC down event per cycle" \
	[ "$(vu_field app 'mode=reconnect' lsc_down)" -ge "$CYCLES" ]
if [ "$RING" = split ]; then
	vu_check "one LSC up event per cycle" \
		[ "$(vu_field app 'mode=reconnect' lsc_up)" -ge "$CYCLES" ]
	vu_eq "port resets (split rings resume in place)" \
		"$(vu_field app 'mode=reconnect' resets)" 0
fi
vu_eq "fds after the cycles" "$(vu_field app 'mode=reconnect' fds_after)" \
	"$(vu_field app 'mode=reconnect' fds_before)"
vu_pass "worst traffic resume $(vu_field app 'mode=reconnect' worst_traffic_ms) ms"
