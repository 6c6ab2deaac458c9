#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Which shared object serves net_virtio_user0?  EAL auto-loads Debian's stock
# PMDs (librte_net_virtio.so registers a driver of the same name); a -d plugin
# registers first and must win.
#   1. vu-test-frontend --expect-driver <expected .so>: the port's Rx and Tx
#      burst functions resolve (dladdr) into that object; traffic passes.
#      With our plugin, the stock object must be loaded in the same process
#      too (so the plugin won against it, not by its absence).
#   2. Negative control: --expect-driver naming another object must fail.
#   3. testpmd over the same driver probes the port; with our plugin its log
#      carries our probe line ("virtio-user-pmd").

. "$(dirname "$0")/lib.sh"

vu_init driver-identity
SOCK="$VU_RUN_DIR/vhost.sock"
STOCK_SO=$(ls /usr/lib/*/dpdk/pmds-*/librte_net_virtio.so 2>/dev/null | head -n 1)
[ -n "$STOCK_SO" ] || vu_skip "Debian's stock librte_net_virtio.so not found"
if [ "$VU_STOCK" = 1 ]; then
	EXPECT=$STOCK_SO
else
	EXPECT=$VU_PLUGIN
fi
echo "expected driver object: $EXPECT ($(realpath "$EXPECT"))"

# run_frontend <name> <expect path> <backend mode> <count>
run_frontend() {
	vu_eal_args "be-$1" -l 0
	vu_start "be-$1" "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --mode "$3" \
		--count "$4" --timeout 30
	vu_wait_socket "$SOCK" 10
	vu_eal_args "fe-$1" -l 1
	vu_start "fe-$1" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
		--vdev "net_virtio_user0,path=$SOCK" -- --count "$4" --size 64,1518 \
		--expect-driver "$2" --timeout 30
	vu_wait_exit "fe-$1" 40
	vu_stop "be-$1" 10 INT
	grep -E "^VU-FRONTEND (driver|virtio_objects|fail|tx=)" "$(vu_logfile "fe-$1")" |
		sed 's/^/  /'
}

run_frontend pos "$EXPECT" echo 500
vu_eq "frontend exit status with --expect-driver $EXPECT" "${VU_RC[fe-pos]}" 0
vu_check "frontend reports driver-check=PASS" \
	grep -q "driver-check=PASS" "$(vu_logfile fe-pos)"
vu_eq "object serving the port" "$(vu_field fe-pos '^VU-FRONTEND driver=' real)" \
	"$(realpath "$EXPECT")"
vu_eq "traffic through it" "$(vu_field fe-pos '^VU-FRONTEND tx=' result)" PASS
if [ "$VU_STOCK" = 0 ]; then
	vu_check "stock $STOCK_SO also loaded in the process" \
		grep -qE "virtio_objects=.*librte_net_virtio\.so" "$(vu_logfile fe-pos)"
fi

# Negative control: any other object must be rejected.
WRONG=$(realpath "$VU_BACKEND")
run_frontend neg "$WRONG" echo 10
vu_eq "frontend exit status with --expect-driver $WRONG" "${VU_RC[fe-neg]}" 1
vu_check "frontend names the mismatch" \
	grep -q "fail: port served by $(realpath "$EXPECT"), expected $WRONG" \
	"$(vu_logfile fe-neg)"

# testpmd probes the port with the same driver selection.
vu_eal_args be-tp -l 0
vu_start be-tp "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" --mode sink --timeout 30
vu_wait_socket "$SOCK" 10
vu_eal_args tp --lcores 0@0,1@1
vu_start_stdin tp "$VU_TESTPMD" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--log-level=pmd.net.virtio.init:info --vdev "net_virtio_user0,path=$SOCK" -- \
	--total-num-mbufs=8192 --forward-mode=rxonly
vu_wait_log tp 20 "Press enter to exit"
vu_stop tp 20 INT
vu_stop be-tp 10 INT
vu_eq "testpmd exit status" "${VU_RC[tp]}" 0
vu_check "testpmd probed net_virtio_user0 as port 0" grep -qE "^Port 0: " "$(vu_logfile tp)"
if [ "$VU_STOCK" = 0 ]; then
	vu_check "testpmd log shows our driver's probe line" \
		grep -q virtio-user-pmd "$(vu_logfile tp)"
else
	echo "note: stock driver, probe-line check (virtio-user-pmd) skipped"
fi
vu_pass "port served by $(realpath "$EXPECT")"
