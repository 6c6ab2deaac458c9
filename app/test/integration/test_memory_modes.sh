#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Memory modes of the frontend process (vhost-user needs fd-backed memory it
# can share, in few enough regions):
#   1. --no-huge (memfd, what every other test uses): traffic passes.
#   2. 2 MB hugepages with --single-file-segments: traffic passes, pool full.
#   3. hugepages WITHOUT --single-file-segments: one fd per page, too many
#      regions for vhost-user. Our driver must fail the probe with a message
#      naming --single-file-segments; Debian's stock driver only logs
#      "Too many memory regions" (later, when the device starts). Either way
#      no traffic may pass and the process must fail.
# Hugepages: 128 x 2 MB reserved and mounted privately by vu_hugepages (lib.sh).

. "$(dirname "$0")/lib.sh"

vu_init memory-modes
SOCK="$VU_RUN_DIR/vhost.sock"

if [ "$VU_STOCK" = 1 ]; then
	NO_SFS_TEXT="Too many memory regions"
else
	NO_SFS_TEXT="--single-file-segments"
fi

# run_pair <name> <frontend timeout> <EAL memory args...>: echo backend (memfd),
# frontend with the given memory arguments, 500 packets of 64 and 1518 bytes.
run_pair() {
	local name=$1 tmo=$2
	shift 2
	vu_eal_args "be-$name" -l 0
	vu_start "be-$name" "$VU_BACKEND" "${VU_EAL[@]}" -- --socket "$SOCK" \
		--mode echo --count 500 --timeout 30
	vu_wait_socket "$SOCK" 10
	VU_HUGE=1 vu_eal_args "fe-$name" -l 1
	vu_start "fe-$name" "$VU_FRONTEND" "${VU_EAL[@]}" "$@" "${VU_DRIVER_ARGS[@]}" \
		--vdev "net_virtio_user0,path=$SOCK" -- --count 500 --size 64,1518 \
		--timeout "$tmo"
	vu_wait_exit "fe-$name" $((tmo + 20))
	vu_stop "be-$name" 10 INT
	grep -E "^VU-FRONTEND (tx=|pool|fail)|memory region|single-file" \
		"$(vu_logfile "fe-$name")" |
		sed 's/^/  /'
}

expect_pass() {
	vu_eq "$1: frontend exit status" "${VU_RC[fe-$1]}" 0
	vu_eq "$1: frontend result" "$(vu_field "fe-$1" '^VU-FRONTEND tx=' result)" PASS
	vu_eq "$1: packets looped back" "$(vu_field "fe-$1" '^VU-FRONTEND tx=' rx)" 500
	vu_eq "$1: mbuf pool full after close" \
		"$(vu_field "fe-$1" 'pool after_close' avail)" \
		"$(vu_field "fe-$1" 'pool after_close' size)"
}

# 1. memfd
run_pair nohuge 30 --no-huge -m 256
expect_pass nohuge

# 2./3. hugepages
vu_hugepages 128
HUGE_DIR=$VU_HUGE_DIR

run_pair sfs 30 -m 64 --huge-dir "$HUGE_DIR" --single-file-segments
expect_pass sfs
rm -f "$HUGE_DIR"/*

run_pair nosfs 5 -m 64 --huge-dir "$HUGE_DIR"
vu_check "nosfs: frontend fails (status ${VU_RC[fe-nosfs]})" test "${VU_RC[fe-nosfs]}" -ne 0
vu_check "nosfs: no packet came back" \
	test "$(vu_field fe-nosfs '^VU-FRONTEND tx=' rx)" = "" -o \
	"$(vu_field fe-nosfs '^VU-FRONTEND tx=' rx)" = 0
vu_check "nosfs: log names the problem ('$NO_SFS_TEXT')" \
	grep -qF -- "$NO_SFS_TEXT" "$(vu_logfile fe-nosfs)"
if [ "$VU_STOCK" = 0 ]; then
	# The table is sent when the port starts (memory can grow after probe),
	# so ours refuses there, with -ENOSPC end to end; a probe-time refusal
	# would be as good.
	vu_check "nosfs: our driver refused the port (no port, or start: -ENOSPC)" \
		grep -qE "error: (no port 0|port 0 setup failed: No space left on device)" \
		"$(vu_logfile fe-nosfs)"
fi
vu_pass "no-huge, hugepages+single-file-segments pass; without it: '$NO_SFS_TEXT'"
