#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# reconnect_cycles.sh <server|client> <split|packed> [cycles] [in_order]
#
# vu-test-lifecycle --mode reconnect: the vhost-user backend (vu-test-backend,
# echo) is SIGKILLed mid-traffic and restarted <cycles> times (default 20).
# "server": our port has server=1 and the backend connects (--client);
# "client": the backend listens and our port reconnects with backoff.  Each
# cycle: link down + LSC event, then link up + LSC event and verified echo
# traffic within 2 s of the backend's return, with no port reset: split and
# packed rings both resume in place (virtqueue_resume_base).  At the end no
# corrupted packet, the mbuf pool full after stop and the fd count of before
# the first cycle.  [in_order] (0/1) sets the devarg; without it the
# negotiated default applies (in order with DPDK vhost).  The driver's log
# says when a resume completed a chain the killed backend left half-reported
# (DPDK vhost without in-order, killed inside a burst): counted, not required.

. "$(dirname "$0")/lib.sh"

MODE=${1:?server|client}
RING=${2:?split|packed}
CYCLES=${3:-20}
IN_ORDER=${4:-}
vu_init "reconnect-$MODE-$RING${IN_ORDER:+-o$IN_ORDER}"
[ "$VU_STOCK" = 1 ] && [ "$MODE" = client ] &&
	vu_skip "the stock driver reconnects only in server mode"
: "${VU_LIFECYCLE:?VU_LIFECYCLE not set}"

SOCK=$VU_RUN_DIR/vhost.sock
VDEV="net_virtio_user0,path=$SOCK"
BE_MODE=()
[ "$MODE" = server ] && VDEV+=",server=1" && BE_MODE=(--client)
[ "$RING" = packed ] && VDEV+=",packed_vq=1"
[ -n "$IN_ORDER" ] && VDEV+=",in_order=$IN_ORDER"

vu_eal_args be -l 1
BE_CMD="$VU_BACKEND ${VU_EAL[*]} -- --socket $SOCK ${BE_MODE[*]} --mode echo --timeout 300"
vu_eal_args app -l 0
vu_start app "$VU_LIFECYCLE" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--log-level=pmd.net.virtio.driver:info -- --mode reconnect \
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
vu_check "one LSC up event per cycle" \
	[ "$(vu_field app 'mode=reconnect' lsc_up)" -ge "$CYCLES" ]
vu_eq "port resets ($RING rings resume in place)" \
	"$(vu_field app 'mode=reconnect' resets)" 0
HOLES=$(grep -c "left incomplete completed" "$(vu_logfile app)" || true)
vu_eq "fds after the cycles" "$(vu_field app 'mode=reconnect' fds_after)" \
	"$(vu_field app 'mode=reconnect' fds_before)"
vu_pass "worst traffic resume $(vu_field app 'mode=reconnect' worst_traffic_ms) ms," \
	"resets 0, half-reported chains completed on resume: $HOLES"
