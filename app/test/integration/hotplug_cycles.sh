#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# hotplug_cycles.sh [cycles]
#
# vu-test-lifecycle --mode hotplug: <cycles> (default 200) rounds of
# rte_eal_hotplug_add("vdev", "net_virtio_user1", ...), configure, start,
# 32 verified echo packets, stop, close, rte_eal_hotplug_remove against one
# vu-test-backend; fds, threads and DPDK heap must end where they began,
# resident memory within 4 MB, the mbuf pool full after every round.

. "$(dirname "$0")/lib.sh"

CYCLES=${1:-200}
vu_init hotplug
: "${VU_LIFECYCLE:?VU_LIFECYCLE not set}"

SOCK=$VU_RUN_DIR/vhost.sock
vu_eal_args be -l 1
BE_CMD="$VU_BACKEND ${VU_EAL[*]} -- --socket $SOCK --mode echo --timeout 300"
vu_eal_args app -l 0
vu_start app "$VU_LIFECYCLE" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" -- --mode hotplug \
	--cycles "$CYCLES" --vdev "net_virtio_user1,path=$SOCK" --backend-cmd "$BE_CMD" \
	--backend-log "$VU_RUN_DIR/backend.log"
vu_wait_exit app 120

grep -E "^VU-LIFECYCLE" "$(vu_logfile app)"
vu_eq "app exit status" "${VU_RC[app]}" 0
vu_eq "cycles" "$(vu_field app 'mode=hotplug' cycles)" "$CYCLES"
vu_eq "result" "$(vu_field app 'mode=hotplug' result)" PASS
vu_pass "$(vu_field app 'mode=hotplug' fds) fds, heap $(vu_field app 'mode=hotplug' heap)"
