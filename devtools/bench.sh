#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench.sh [ipp|mpps|all]: compare our net_virtio_user with Debian's stock one,
# path by path (split/packed x mergeable x in-order, 64 and 1518 bytes).
#
#   ipp   instructions per packet of the port's Tx and Rx bursts, counted by
#         callgrind in one process against an in-process vhost-user backend
#         (app/bench/ipp.c).  Deterministic; every run is done twice per
#         driver and the two counts must be identical.  ~1 minute.
#   mpps  two processes: Debian's dpdk-testpmd with net_vhost on CPU 1,
#         dpdk-testpmd over the port under test on CPU 0; txonly->rxonly,
#         rxonly<-txonly and io loopback; stock and ours alternate (ABAB...),
#         BENCH_REPS times each; the frontend's CPU cycles/packet and Mpps per
#         window, with the VM's vCPU placement measured before and after.
#   all   both (default).
#
# Installs what it needs (devtools/setup.sh, gnuplot-nox), builds, prints the
# tables and writes build/bench/results.csv, build/bench/*.png and
# build/bench/build-info.txt (compiler, flags, stock package version).
#
# Knobs (environment):
#   BENCH_PATHS   comma list of paths (default: all 8, see app/bench/ipp.c)
#   BENCH_LENS    comma list of frame lengths (default 64,1518)
#   BENCH_BURSTS  ipp: counted bursts per direction (default 1024)
#   BENCH_VECTORIZED=1  ipp: devarg vectorized=1 for both drivers (the stock
#                 driver then takes its SSE split Rx where it applies; its
#                 AVX-512 packed paths need a CPU valgrind does not emulate)
#   BENCH_MODES   mpps: comma list of txonly,rxonly,io (default all three)
#   BENCH_REPS    mpps: repetitions per driver and case (default 3)
#   BENCH_WINDOW  mpps: seconds per measurement window (default 3)
#   BENCH_NEAR_NS mpps: round trip (ns) below which the placement is "near"
#                 (default 200)
#   BENCH_BUSY_NS mpps: round trip (ns) above which a CPU is taken as shared
#                 with another task and the window left out (default 1000)
#   BENCH_HUGEPAGES mpps: 2 MB pages to reserve for the run (default 320)
#   BENCH_TP_ARGS mpps: extra testpmd options for both sides (e.g.
#                 --record-burst-stats)
#   BENCH_PERF=1  mpps: profile CPU 0 during each window (perf record -e
#                 cpu-clock; installs linux-perf) and report the driver's
#                 own cycles per packet: the frontend's cycles times the
#                 share of its busy samples in the driver's shared object
#   BENCH_PLUGIN  our plugin to measure (default: the one in build/)
#   BENCH_BASE_PLUGIN mpps: a plugin to measure in the stock column instead
#                 of Debian's driver: an A/B of two builds of ours, same
#                 windows, same placement classes (the table still says stock)
#   BENCH_NO_BUILD=1  measure the plugin already in build/ (build only the
#                 bench programs), e.g. while the driver sources are mid-edit

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

part=${1:-all}
case "$part" in
ipp | mpps | all) ;;
*)
	echo "usage: $0 [ipp|mpps|all]" >&2
	exit 2
	;;
esac

readonly ALL_PATHS=split,split-mrg,split-ino,split-mrg-ino,\
packed,packed-mrg,packed-ino,packed-mrg-ino
paths=${BENCH_PATHS:-$ALL_PATHS}
lens=${BENCH_LENS:-64,1518}
bursts=${BENCH_BURSTS:-1024}
vectorized=${BENCH_VECTORIZED:-0}
modes=${BENCH_MODES:-txonly,rxonly,io}
reps=${BENCH_REPS:-3}
window=${BENCH_WINDOW:-3}
near_ns=${BENCH_NEAR_NS:-200}
busy_ns=${BENCH_BUSY_NS:-1000}
hugepages=${BENCH_HUGEPAGES:-320}

out=$root/build/bench
run=$out/run		# sockets; under build/, which is not world-writable
plugin=${BENCH_PLUGIN:-$root/build/drivers/net/virtio/librte_net_virtio_user.so}
base_plugin=${BENCH_BASE_PLUGIN:-}
perf_on=${BENCH_PERF:-0}
stock_so=$(compgen -G '/usr/lib/x86_64-linux-gnu/dpdk/pmds-*/librte_net_virtio.so.*' | head -n 1 ||
	true)
pfx=bench$$

log() { echo "bench: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------- cleanup
declare -A tp_pid=() tp_fd=()
hp_orig=""
hp_mounted=""

cleanup() {
	local name
	for name in "${!tp_pid[@]}"; do
		kill -INT "${tp_pid[$name]}" 2>/dev/null || true
	done
	for name in "${!tp_pid[@]}"; do
		wait "${tp_pid[$name]}" 2>/dev/null || true
	done
	rm -rf "$run" /var/run/dpdk/"$pfx"-* 2>/dev/null || true
	if [ -n "$hp_mounted" ]; then
		rm -f "$hp_mounted"/"$pfx"* 2>/dev/null || true
	fi
	if [ -n "$hp_orig" ]; then
		echo "$hp_orig" >/proc/sys/vm/nr_hugepages || true
	fi
	if [ -n "$hp_mounted" ]; then
		umount "$hp_mounted" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup
# need_pkg COMMAND PACKAGE WHAT: install PACKAGE unless COMMAND exists.
need_pkg() {
	command -v "$1" >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		log "warning: $1 missing and not root: no $3"
		return 1
	fi
	log "installing $2 for the $3"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "$2" >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "$2" \
			>/dev/null; } ||
		{ log "warning: $2 not installed: no $3"; return 1; }
}

setup() {
	bash devtools/setup.sh
	need_pkg gnuplot gnuplot-nox plots || true
	if [ "$perf_on" = 1 ] && ! need_pkg perf linux-perf "driver profiles"; then
		perf_on=0
	fi
	if [ -f build/build.ninja ] && [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
		ninja -C build app/bench/vu-bench-ipp app/bench/vu-bench-placement ||
			log "warning: bench programs not built by meson: compiling them directly"
	elif [ -f build/build.ninja ]; then
		ninja -C build
	else
		bash devtools/build.sh
	fi
	[ -f "$plugin" ] || die "$plugin not built"
	[ -n "$stock_so" ] || die "Debian's stock net_virtio PMD not found (package dpdk)"
	mkdir -p "$out"
	rm -rf "$run"
	mkdir -p "$run"
	chmod 755 "$run"
}

# The bench programs: meson's when app/meson.build builds app/bench, else an
# equivalent direct compile (same DPDK flags from pkg-config).
bench_bin() {
	local name=$1 src=$2
	shift 2
	if [ -x "build/app/bench/$name" ]; then
		echo "$root/build/app/bench/$name"
		return
	fi
	mkdir -p "$out/bin"
	gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API \
		"app/bench/$src" -o "$out/bin/$name" "$@" >&2
	echo "$out/bin/$name"
}

build_info() {
	local f=$out/build-info.txt pkg
	pkg=$(dpkg-query -S "$stock_so" 2>/dev/null | cut -d: -f1)
	{
		echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "host: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
		echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(
			git diff --quiet 2>/dev/null || echo ' (dirty)')"
		echo "compiler: $(cc --version | head -n 1)"
		echo "libdpdk: $(pkg-config --modversion libdpdk), cflags: $(pkg-config --cflags libdpdk)"
		echo "stock driver: $stock_so"
		echo "stock package: $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)"
		echo "stock .comment: $(readelf -p .comment "$stock_so" 2>/dev/null |
			sed -n 's/^ *\[ *[0-9a-f]*\] *//p' | sort -u | tr '\n' ' ')" \
			"(empty: Debian strips it; its build log says gcc 12, -O2 -march=corei7)"
		[ -z "$base_plugin" ] || echo "stock column (BENCH_BASE_PLUGIN): $base_plugin"
		echo "ours: $plugin"
		echo "ours .comment: $(readelf -p .comment "$plugin" 2>/dev/null |
			sed -n 's/^ *\[ *[0-9a-f]*\] *//p' | sort -u | tr '\n' ' ')"
		echo "ours DW_AT_producer: $(readelf --debug-dump=info "$plugin" 2>/dev/null |
			grep -m1 DW_AT_producer | sed 's/.*: //' || true)"
		python3 - build <<'PY'
import json, subprocess, sys
b = sys.argv[1]
opts = json.loads(subprocess.run(['meson', 'introspect', b, '--buildoptions'],
                                 capture_output=True, text=True, check=True).stdout)
keep = ('buildtype', 'optimization', 'debug', 'b_ndebug', 'b_lto', 'c_args', 'c_std',
        'warning_level', 'sdk_headers')
print('meson options: ' + ', '.join('%s=%s' % (o['name'], o['value'])
                                    for o in opts if o['name'] in keep))
try:
    cmds = json.load(open(b + '/compile_commands.json'))
    cmd = next(c['command'] for c in cmds if c['file'].endswith('virtio_rxtx_split.c'))
    print('ours compile: ' + cmd)
except (OSError, StopIteration) as e:
    print('ours compile: ? (%s)' % e)
PY
	} >"$f"
	log "build info in $f"
}

# ---------------------------------------------------------------- ipp
# ipp_run DRIVER N: one callgrind run over the whole matrix.
ipp_run() {
	local drv=$1 n=$2 dir=$out/ipp/$1-$2 expect
	local -a eal=(--no-huge -m 256 --no-pci -l 0 --file-prefix "$pfx-ipp")
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$drv" = ours ]; then
		eal+=(-d "$plugin")
		expect=librte_net_virtio_user.so
	else
		expect=$(basename "${stock_so%%.so*}").so
	fi
	log "ipp: $drv run $n"
	if ! timeout 180 valgrind --tool=callgrind --fair-sched=yes \
		--instr-atstart=no --collect-atstart=no \
		--callgrind-out-file="$dir/callgrind.out" \
		"$ipp_bin" "${eal[@]}" -- --socket "$run/ipp.sock" --expect "$expect" \
		--path "$paths" --len "$lens" --bursts "$bursts" --vectorized "$vectorized" \
		>"$dir/stdout.txt" 2>"$dir/stderr.txt"; then
		tail -n 20 "$dir/stderr.txt" >&2
		die "ipp: $drv run $n failed (log in $dir)"
	fi
	rm -rf /var/run/dpdk/"$pfx"-ipp
	grep -E '^(DRIVER|SKIP)' "$dir/stdout.txt" | sed "s/^/bench: ipp: $drv: /" >&2 || true
}

bench_ipp() {
	local drv n
	rm -rf "$out/ipp"
	for n in 1 2; do
		for drv in stock ours; do
			ipp_run "$drv" "$n"
		done
	done
}

# ---------------------------------------------------------------- mpps
hp_reserve() {
	local have
	[ "$(id -u)" -eq 0 ] || die "mpps needs root (hugepages)"
	# A private mount: nobody else's files, nothing left behind.
	mkdir -p "$out/hugetlbfs"
	if ! mountpoint -q "$out/hugetlbfs"; then
		mount -t hugetlbfs -o pagesize=2M nodev "$out/hugetlbfs" ||
			die "cannot mount hugetlbfs on $out/hugetlbfs"
	fi
	hp_mounted=$out/hugetlbfs
	hp_orig=$(cat /proc/sys/vm/nr_hugepages)
	echo $((hp_orig + hugepages)) >/proc/sys/vm/nr_hugepages
	have=$(cat /proc/sys/vm/nr_hugepages)
	[ "$have" -ge $((hp_orig + hugepages)) ] ||
		die "could reserve only $((have - hp_orig)) of $hugepages 2 MB pages"
	log "mpps: $hugepages 2 MB pages reserved, hugetlbfs on $hp_mounted (both undone at exit)"
}

# Round trip of a cache line between CPU 0 and 1, in ns ("busy" if a CPU is).
placement() {
	local line
	line=$(timeout 30 "$placement_bin" --cpus 0,1 2>/dev/null) || { echo busy; return; }
	sed -n 's/.*rtt_ns=\([0-9.]*\).*/\1/p' <<<"$line"
}

# tp_start NAME CPU ARGS...: interactive dpdk-testpmd on CPU, fed by a fifo.
tp_start() {
	local name=$1 cpu=$2 fd
	shift 2
	rm -f "$run/$name.in"
	mkfifo "$run/$name.in"
	# shellcheck disable=SC2086 # BENCH_TP_ARGS holds options: split on purpose
	timeout -s INT $((window + 90)) dpdk-testpmd --lcores "0@$cpu,1@$cpu" \
		-m 256 --single-file-segments --huge-dir "$hp_mounted" --no-pci \
		--file-prefix "$pfx-$name" "$@" ${BENCH_TP_ARGS:-} <"$run/$name.in" >"$wdir/$name.log" 2>&1 &
	tp_pid[$name]=$!
	exec {fd}>"$run/$name.in"
	tp_fd[$name]=$fd
}

tp_prompts() { grep -o 'testpmd> ' "$wdir/$1.log" 2>/dev/null | wc -l; }

# tp_wait NAME N: bounded poll until NAME printed N prompts; 1 if it died.
tp_wait() {
	local name=$1 want=$2 i
	for ((i = 0; i < 600; i++)); do
		[ "$(tp_prompts "$name")" -ge "$want" ] && return 0
		kill -0 "${tp_pid[$name]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# tp_cmd NAME CMD...: send commands, wait until each was processed.
tp_cmd() {
	local name=$1 n
	shift
	n=$(tp_prompts "$name")
	printf '%s\n' "$@" >&"${tp_fd[$name]}" || return 1
	tp_wait "$name" $((n + $#))
}

tp_stop() {
	local name=$1 i fd
	[ -n "${tp_pid[$name]:-}" ] || return 0
	fd=${tp_fd[$name]}
	{ printf 'stop\nquit\n' >&"$fd"; } 2>/dev/null || true
	exec {fd}>&-
	for ((i = 0; i < 300; i++)); do
		kill -0 "${tp_pid[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "${tp_pid[$name]}" 2>/dev/null || true
	wait "${tp_pid[$name]}" 2>/dev/null || true
	unset "tp_pid[$name]" "tp_fd[$name]"
	rm -rf "$run/$name.in" /var/run/dpdk/"$pfx-$name"
	rm -f "$hp_mounted"/"$pfx-$name"* 2>/dev/null || true
}

path_devargs() {
	local p=$1 packed=0 mrg=0 ino=0
	case "$p" in packed*) packed=1 ;; esac
	case "$p" in *-mrg*) mrg=1 ;; esac
	case "$p" in *-ino) ino=1 ;; esac
	echo "queue_size=256,mrg_rxbuf=$mrg,in_order=$ino,packed_vq=$packed"
}

# window_profile WDIR DSO: sample CPU 0 for the window; WDIR/driver-share.txt
# gets DSO's share of all samples and the busy (not idle) share, in %.
window_profile() {
	local wdir=$1 dso=$2
	perf record -q -e cpu-clock -C 0 -o "$wdir/perf.data" -- sleep "$window" 2>/dev/null ||
		return 0
	perf report -i "$wdir/perf.data" --sort dso --stdio 2>/dev/null |
		awk -v dso="$dso" '$1 ~ /%$/ { p = $1 + 0; if ($2 == dso) d += p;
			if ($2 != "[kernel.kallsyms]") b += p }
			END { printf "%.2f %.2f\n", d, b }' >"$wdir/driver-share.txt"
	rm -f "$wdir/perf.data"
}

# One window: DRIVER PATH LEN MODE REP; appends a line to mpps-windows.txt.
mpps_window() {
	local drv=$1 p=$2 len=$3 mode=$4 rep=$5 fe_mode be_mode start rtt0 rtt1 ok=1
	local sock=$run/vh.sock
	local -a fe_eal=()
	wdir=$out/mpps/$p-$len-$mode-$drv-$rep
	rm -rf "$wdir" "$sock"
	mkdir -p "$wdir"
	case "$mode" in
	txonly) fe_mode=txonly be_mode=rxonly start=start ;;
	rxonly) fe_mode=rxonly be_mode=txonly start=start ;;
	io) fe_mode=io be_mode=io start="start tx_first 4" ;;
	esac
	[ "$drv" = ours ] && fe_eal=(-d "$plugin")
	[ "$drv" = stock ] && [ -n "$base_plugin" ] && fe_eal=(-d "$base_plugin")
	rtt0=$(placement)
	tp_start be 1 --vdev "net_vhost0,iface=$sock,queues=1" -- -i \
		--total-num-mbufs 16384 --nb-cores 1 --txpkts "$len" --forward-mode="$be_mode"
	tp_wait be 1 || ok=0
	if [ $ok = 1 ]; then
		tp_start fe 0 "${fe_eal[@]}" --vdev "net_virtio_user0,path=$sock,$(path_devargs "$p")" \
			-- -i --total-num-mbufs 16384 --nb-cores 1 --txpkts "$len" \
			--record-core-cycles --forward-mode="$fe_mode"
		tp_wait fe 1 || ok=0
	fi
	# Consumer first, then the producer; warm up 1 s, then the window.
	if [ $ok = 1 ]; then
		if [ "$mode" = rxonly ]; then
			tp_cmd fe start && tp_cmd be start || ok=0
		else
			tp_cmd be start && tp_cmd fe "$start" || ok=0
		fi
	fi
	if [ $ok = 1 ]; then
		sleep 1
		tp_cmd fe 'clear fwd stats all' 'show port stats all' &&
			tp_cmd be 'clear fwd stats all' 'show port stats all' || ok=0
		if [ "$perf_on" = 1 ]; then
			window_profile "$wdir" "$(basename "${fe_eal[1]:-$stock_so}")"
		else
			sleep "$window"
		fi
		tp_cmd fe 'show port stats all' 'show fwd stats all' &&
			tp_cmd be 'show port stats all' 'show fwd stats all' || ok=0
	fi
	tp_stop fe
	tp_stop be
	rtt1=$(placement)
	echo "$drv $p $len $mode $rep $rtt0 $rtt1 $ok $wdir" >>"$out/mpps-windows.txt"
	log "mpps: $p $len $mode $drv rep $rep: rtt ${rtt0}/${rtt1} ns$([ $ok = 1 ] || echo ', FAILED')"
}

bench_mpps() {
	local p len mode rep drv
	rm -rf "$out/mpps" "$out/mpps-windows.txt"
	hp_reserve
	for p in ${paths//,/ }; do
		for len in ${lens//,/ }; do
			for mode in ${modes//,/ }; do
				for ((rep = 1; rep <= reps; rep++)); do
					for drv in stock ours; do
						mpps_window "$drv" "$p" "$len" "$mode" "$rep"
					done
				done
			done
		done
	done
}

# ---------------------------------------------------------------- main
setup
# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
ipp_bin=$(bench_bin vu-bench-ipp ipp.c $(pkg-config --cflags --libs libdpdk) -ldl)
placement_bin=$(bench_bin vu-bench-placement placement.c -pthread)
build_info
case "$part" in
ipp) bench_ipp ;;
mpps) bench_mpps ;;
all)
	bench_ipp
	bench_mpps
	;;
esac
python3 app/bench/report.py --out "$out" --near-ns "$near_ns" --busy-ns "$busy_ns" --part "$part"
