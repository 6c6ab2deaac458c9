#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# guest-suite.sh GROUP [CASE...]: the backend test cases, run INSIDE the test
# guest (guest-run.sh) as root.  GROUP is "kernel" (vhost-net + tap) or
# "vdpa" (vhost-vdpa on vdpa_sim_net); with no CASE, every case of the group
# runs.  Each case prints "guest case <name>: PASS|FAIL (<s> s)" and, on
# failure, the logs of the processes it ran.  Exit status: 0 iff all passed.
#
# Environment: VU_PLUGIN (our driver .so), VU_FRONTEND (vu-test-frontend).

set -u
set -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${VU_PLUGIN:?VU_PLUGIN must name the driver plugin}"
: "${VU_FRONTEND:?VU_FRONTEND must name vu-test-frontend}"
TAPCHECK="python3 $here/tapcheck.py"
COUNT=${VU_GUEST_COUNT:-300}	# packets per queue and case
SIZES=64,1514,333
VDPA_MAC=02:56:55:00:00:01	# the destination MAC of the test frames
LOGS=/tmp/vu-guest-logs
mkdir -p "$LOGS"
# vhost-vdpa pins every mapped page: RLIMIT_MEMLOCK (8 MiB by default) must allow it.
ulimit -l unlimited

case_name=""
case_failed=0
n_pass=0
n_fail=0
failed_cases=()

log() { echo "[$case_name] $*"; }
fail() { log "FAIL: $*"; case_failed=1; }
check() {  # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then log "ok: $what"; else fail "$what"; fi
}
has() { grep -qE -- "$2" "$1"; }

# frontend NAME DEVARGS EAL_EXTRA FRONTEND_ARGS...: run vu-test-frontend, log in $LOGS/NAME.log
frontend() {
	local name=$1 devargs=$2 eal=$3
	shift 3
	# shellcheck disable=SC2086
	timeout -k 5 120 "$VU_FRONTEND" -l 0 --no-pci --no-telemetry --file-prefix "vg-$name" \
		$eal -d "$VU_PLUGIN" --vdev "net_virtio_user0,$devargs" \
		--log-level='pmd.net.virtio.*:info' -- --expect-driver "$VU_PLUGIN" "$@" \
		> "$LOGS/$name.log" 2>&1
}

dump_logs() {
	local f
	for f in "$LOGS"/*.log; do
		[ -e "$f" ] || continue
		echo "----- $(basename "$f") (last 40 lines) -----"
		tail -n 40 "$f"
	done
}

run_case() {
	local t0=$SECONDS
	case_name=$1
	case_failed=0
	rm -f "$LOGS"/*.log
	echo "=== guest case $case_name"
	"case_$case_name"
	if [ $case_failed = 0 ]; then
		n_pass=$((n_pass + 1))
		echo "guest case $case_name: PASS ($((SECONDS - t0)) s)"
	else
		dump_logs
		n_fail=$((n_fail + 1))
		failed_cases+=("$case_name")
		echo "guest case $case_name: FAIL ($((SECONDS - t0)) s)"
	fi
}

# A probe that must fail: exit status 2 (setup error, no crash), the message in the log.
expect_probe_failure() {  # expect_probe_failure LOGNAME RC REGEX
	check "probe fails cleanly (exit status $2, want 2)" [ "$2" = 2 ]
	check "the error says: /$3/" has "$LOGS/$1.log" "$3"
	check "no segfault or panic" bash -c "! grep -qiE 'segmentation|panic|abort' $LOGS/$1.log"
}

tap_stat() { cat "/sys/class/net/$1/statistics/$2"; }

# ------------------------------------------------------------- vhost-kernel

# kernel_loop NAME TAP QUEUES EXTRA_DEVARGS: the port sends COUNT frames per
# queue into the tap; tapcheck verifies each and writes it back; the port
# verifies each frame it gets back.  The tap is persistent, so its counters
# outlive the port.
kernel_loop() {
	local name=$1 tap=$2 q=$3 extra=$4 rx0 tx0 rx1 tx1 n rc
	$TAPCHECK mktap "$tap" > "$LOGS/$name-mktap.log" 2>&1 \
		|| { fail "cannot create tap $tap"; return; }
	rx0=$(tap_stat "$tap" rx_packets)
	tx0=$(tap_stat "$tap" tx_packets)
	rm -f /tmp/tapcheck.ready
	$TAPCHECK echo --iface "$tap" --count "$COUNT" --queues "$q" --timeout 90 \
		--ready /tmp/tapcheck.ready > "$LOGS/$name-tapcheck.log" 2>&1 &
	local tc=$!
	n=0
	while [ ! -e /tmp/tapcheck.ready ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	frontend "$name" "path=/dev/vhost-net,iface=$tap,queues=$q$extra" "--no-huge -m 256" \
		--mode gen-verify --count "$COUNT" --queues "$q" --size "$SIZES" --timeout 60
	rc=$?
	wait $tc
	check "tapcheck verified $COUNT frames per queue from the port" [ $? = 0 ]
	check "the port got back all its frames intact (exit status $rc)" [ $rc = 0 ]
	check "our plugin served the port" has "$LOGS/$name.log" "driver-check=PASS"
	check "backend is vhost-kernel on tap $tap" has "$LOGS/$name.log" "vhost-kernel.*tap $tap"
	rx1=$(tap_stat "$tap" rx_packets)
	tx1=$(tap_stat "$tap" tx_packets)
	log "tap $tap counters: rx_packets +$((rx1 - rx0)) (from the port), tx_packets" \
		"+$((tx1 - tx0)) (to the port)"
	check "tap rx_packets grew by >= $((q * COUNT))" [ $((rx1 - rx0)) -ge $((q * COUNT)) ]
	check "tap tx_packets grew by >= $((q * COUNT))" [ $((tx1 - tx0)) -ge $((q * COUNT)) ]
	ip link del "$tap" 2>/dev/null
}

case_kernel_split() { kernel_loop kernel_split vuk0 1 ""; }

case_kernel_mq() {
	kernel_loop kernel_mq vuk1 2 ""
	check "tapcheck saw both queues' streams" \
		has "$LOGS/kernel_mq-tapcheck.log" "per_queue=$COUNT,$COUNT "
}

# vhost-net has no packed ring: packed_vq=1 must fall back to split and work.
case_kernel_packed() {
	kernel_loop kernel_packed vuk2 1 ",packed_vq=1"
	check "falls back to the split ring, saying so" \
		has "$LOGS/kernel_packed.log" "offers no packed ring"
}

# No iface=: the kernel names the tap (tap%d), it takes the port's MAC, and
# frames written into it reach the port byte for byte (the port echoes them).
case_kernel_default_name() {
	local mac=02:11:22:33:44:55 existing rc
	existing=$(ls /sys/class/net | paste -sd, -)
	$TAPCHECK inject --existing "$existing" --count "$COUNT" --sizes "$SIZES" \
		--expect-mac "$mac" --timeout 60 > "$LOGS/default_name-tapcheck.log" 2>&1 &
	local tc=$!
	frontend default_name "path=/dev/vhost-net,mac=$mac" "--no-huge -m 256" \
		--mode echo --count "$COUNT" --timeout 60 --linger-ms 2000
	rc=$?
	wait $tc
	check "tapcheck: frames written into the tap came back intact" [ $? = 0 ]
	check "the kernel named the tap tap<N>" has "$LOGS/default_name-tapcheck.log" "iface=tap[0-9]+ "
	check "the port received and echoed $COUNT frames (exit status $rc)" [ $rc = 0 ]
	check "the tap went away with the port" \
		bash -c "! ls /sys/class/net | grep -qE '^tap[0-9]+$'"
}

case_kernel_no_cap_net_admin() {
	local rc
	setpriv --bounding-set -net_admin --inh-caps -net_admin -- \
		"$VU_FRONTEND" -l 0 --no-pci --no-telemetry --file-prefix vg-nocap --no-huge -m 128 \
		-d "$VU_PLUGIN" --vdev net_virtio_user0,path=/dev/vhost-net -- --count 1 \
		> "$LOGS/nocap.log" 2>&1
	rc=$?
	expect_probe_failure nocap $rc "TUNSETIFF failed: Operation not permitted.*CAP_NET_ADMIN"
}

# Last of its group: vhost_net cannot be loaded again (the guest has no module tree).
case_kernel_no_device() {
	local rc
	rmmod vhost_net || { fail "cannot unload vhost_net"; return; }
	# The node as kmod's static-nodes leave it when the module is not there.
	mknod /tmp/vhost-net c 10 238
	frontend nodev "path=/tmp/vhost-net" "--no-huge -m 128" --count 1
	rc=$?
	expect_probe_failure nodev $rc \
		"path=/tmp/vhost-net: no driver serves char device 10:238 \\(is its kernel module"
	rm -f /tmp/vhost-net
	# Without the module devtmpfs has no /dev/vhost-net at all.
	if [ ! -e /dev/vhost-net ]; then
		frontend nodev2 "path=/dev/vhost-net" "--no-huge -m 128" --count 1
		expect_probe_failure nodev2 $? \
			"path=/dev/vhost-net: no such device \\(load the vhost_net kernel module\\)"
	fi
}

# ------------------------------------------------------------- vhost-vdpa

vdpa_add() {  # vdpa_add NAME MGMTDEV [ARGS...]: echo the /dev/vhost-vdpa-N it became
	local name=$1 n=0 d
	shift
	vdpa dev add name "$name" mgmtdev "$@" || return 1
	while [ $n -lt 100 ]; do
		for d in /sys/bus/vdpa/devices/"$name"/vhost-vdpa-*; do
			if [ -e "$d" ] && [ -e "/dev/${d##*/}" ]; then
				echo "/dev/${d##*/}"
				return 0
			fi
		done
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

vdpa_del() {  # vdpa_del NAME
	local f
	for f in /sys/bus/vdpa/devices/"$1"/vhost-vdpa-*/uevent; do
		umount "$f" 2>/dev/null
	done
	vdpa dev del "$1"
}

# vdpa_loop NAME IOVA_MODE EAL_MEM EXTRA_DEVARGS: vdpa_sim_net loops every
# frame back.  It drops a frame when the port's Rx ring is empty (as a NIC
# would), so the frontend keeps at most one burst in flight (--window 32, far
# below the Rx ring's 256 buffers): any loss is a bug.
vdpa_loop() {
	local name=$1 mode=$2 mem=$3 extra=$4 dev rc count=2000	# ~8 Rx ring laps
	dev=$(vdpa_add "vd-$name" vdpasim_net mac "$VDPA_MAC") \
		|| { fail "vdpa dev add failed"; return; }
	frontend "$name" "path=$dev$extra" "--iova-mode=$mode $mem" \
		--mode gen-verify --count "$count" --size "$SIZES" --window 32 --timeout 60
	rc=$?
	vdpa_del "vd-$name"
	check "the port got back all $count frames intact (exit status $rc)" [ $rc = 0 ]
	check "our plugin served the port" has "$LOGS/$name.log" "driver-check=PASS"
	check "EAL ran IOVA as ${mode^^}" has "$LOGS/$name.log" "IOVA mode '${mode^^}'"
	check "backend is vhost-vdpa" has "$LOGS/$name.log" "on vhost-vdpa backend $dev"
}

case_vdpa_va() { vdpa_loop vdpa_va va "--no-huge -m 256" ""; }
case_vdpa_pa() { vdpa_loop vdpa_pa pa "-m 256" ""; }
case_vdpa_va_hugepages() { vdpa_loop vdpa_va_huge va "-m 256" ""; }

case_vdpa_packed() {
	vdpa_loop vdpa_packed va "--no-huge -m 256" ",packed_vq=1"
	check "falls back to the split ring, saying so" \
		has "$LOGS/vdpa_packed.log" "offers no packed ring"
}

case_vdpa_wrong_type() {
	local dev rc
	dev=$(vdpa_add vd-blk vdpasim_blk) || { fail "vdpa dev add (block) failed"; return; }
	frontend wrongtype "path=$dev" "--no-huge -m 128" --count 1
	rc=$?
	vdpa_del vd-blk
	expect_probe_failure wrongtype $rc "virtio block device \(id 2\), not a network device"
}

case_vdpa_no_permission() {
	local dev rc
	dev=$(vdpa_add vd-perm vdpasim_net mac "$VDPA_MAC") || { fail "vdpa dev add failed"; return; }
	XDG_RUNTIME_DIR=/tmp setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$VU_FRONTEND" -l 0 --no-pci --no-telemetry --file-prefix vg-noperm --no-huge -m 128 \
		-d "$VU_PLUGIN" --vdev "net_virtio_user0,path=$dev" -- --count 1 \
		> "$LOGS/noperm.log" 2>&1
	rc=$?
	vdpa_del vd-perm
	expect_probe_failure noperm $rc "cannot open $dev: Permission denied"
}

# The devargs parser recognises a vhost-vdpa device by its sysfs link name (its
# uevent has no DEVNAME: the device has neither bus nor class).
case_vdpa_detect() {
	local dev rc
	dev=$(vdpa_add vd-det vdpasim_net mac "$VDPA_MAC") \
		|| { fail "vdpa dev add failed"; return; }
	frontend detect "path=$dev" "--no-huge -m 256" --mode gen-verify --count 10 --timeout 30
	rc=$?
	vdpa_del vd-det
	check "probe detects $dev as vhost-vdpa and traffic flows (exit status $rc)" [ $rc = 0 ]
}

case_vdpa_no_mq() {
	local dev rc
	dev=$(vdpa_add vd-mq vdpasim_net mac "$VDPA_MAC") || { fail "vdpa dev add failed"; return; }
	frontend nomq "path=$dev,queues=2" "--no-huge -m 128" --count 1
	rc=$?
	vdpa_del vd-mq
	expect_probe_failure nomq $rc "queues=2"
}

# ------------------------------------------------------------------- main

group=${1:?usage: guest-suite.sh kernel|vdpa [CASE...]}
shift
case $group in
kernel) cases=(kernel_split kernel_mq kernel_packed kernel_default_name
	       kernel_no_cap_net_admin kernel_no_device) ;;
vdpa) cases=(vdpa_va vdpa_pa vdpa_va_hugepages vdpa_packed vdpa_wrong_type
	     vdpa_no_permission vdpa_no_mq vdpa_detect) ;;
*) echo "unknown group $group" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && cases=("$@")
for c in "${cases[@]}"; do run_case "$c"; done
echo "guest suite $group: $n_pass passed, $n_fail failed${failed_cases[*]:+: ${failed_cases[*]}}"
[ $n_fail = 0 ]
