#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# secondary_stats.sh
#
# vu-test-lifecycle --mode secondary: the primary runs verified echo traffic
# over our port, stops its bursts and reads the port's stats; a secondary
# process (--proc-type=secondary, same file prefix) must attach to the port
# and read exactly those stats and matching per-queue xstats, read infos and
# link, and get 0 with rte_errno ENOTSUP from rx/tx bursts (the documented
# contract: no datapath in a secondary).  cq=1, so the primary also has the
# device-side cvq_* xstats, which a secondary must not reach through the
# primary's function pointers.  The primary's port must still carry
# traffic afterwards.
#
# DPDK shares memory with a secondary only through hugepage files (not with
# --no-huge): 64 x 2 MB hugepages are reserved and mounted privately.

. "$(dirname "$0")/lib.sh"

vu_init secondary
: "${VU_LIFECYCLE:?VU_LIFECYCLE not set}"
vu_hugepages 64

SOCK=$VU_RUN_DIR/vhost.sock
vu_eal_args be -l 1
BE_CMD="$VU_BACKEND ${VU_EAL[*]} -- --socket $SOCK --mode echo --timeout 300"
VU_HUGE=1 vu_eal_args app -l 0
APP_EAL=("${VU_EAL[@]}" --huge-dir "$VU_HUGE_DIR" --single-file-segments)
prefix=${VU_PREFIXES[-1]}
SEC_CMD="$VU_LIFECYCLE -l 1 --proc-type=secondary --file-prefix $prefix --no-pci"
SEC_CMD+=" --huge-dir $VU_HUGE_DIR"
SEC_CMD+=" --no-telemetry --log-level=lib.eal:warning ${VU_DRIVER_ARGS[*]}"
SEC_CMD+=" -- --mode secondary-check"
vu_start app "$VU_LIFECYCLE" "${APP_EAL[@]}" "${VU_DRIVER_ARGS[@]}" -- --mode secondary \
	--vdev "net_virtio_user0,path=$SOCK,cq=1" --backend-cmd "$BE_CMD" \
	--backend-log "$VU_RUN_DIR/backend.log" --secondary-cmd "$SEC_CMD"
vu_wait_exit app 90

grep -E "^VU-LIFECYCLE" "$(vu_logfile app)" "$VU_RUN_DIR/backend.log"
vu_eq "app exit status" "${VU_RC[app]}" 0
vu_eq "primary result" "$(vu_field app 'mode=secondary ' result)" PASS
vu_check "secondary checks passed" grep -q "mode=secondary-check.*result=PASS" \
	"$VU_RUN_DIR/backend.log"
vu_pass
