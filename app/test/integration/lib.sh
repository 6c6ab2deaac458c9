# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # VU_* variables are read by the sourcing scripts
#
# Shared helpers for the integration tests; sourced, never run.
#
# Environment (set by app/test/meson.build):
#   VU_PLUGIN    our driver plugin (.so), or the word "stock" for Debian's driver
#   VU_BACKEND   vu-test-backend binary
#   VU_FRONTEND  vu-test-frontend binary
#   VU_TEST_DRIVER=stock  overrides VU_PLUGIN: run against the stock driver
#   VU_KEEP=1    keep the run directory (logs, sockets) after the test
#
# Every process is started in the background under `timeout`, recorded, and
# killed by the EXIT trap, which also removes the run directory and the EAL
# runtime directories (/var/run/dpdk/<prefix>) of every prefix handed out.

set -u
set -o pipefail

VU_SKIP=77
VU_TESTPMD=${VU_TESTPMD:-dpdk-testpmd}
VU_PROC_TIMEOUT=${VU_PROC_TIMEOUT:-90}
VU_RUNTIME_BASE=/var/run/dpdk

declare -A VU_PID=()     # name -> pid of the `timeout` wrapper
declare -A VU_FIFO_FD=() # name -> fd of the kept-open stdin fifo
declare -A VU_RC=()      # name -> exit status once reaped
VU_PREFIXES=()
VU_CLEANUP_HOOKS=()
VU_FAILED=0

vu_log() {
	echo "[$(date +%H:%M:%S.%3N)] $*"
}

# Dump every process log, then fail the test.
vu_fail() {
	local f
	VU_FAILED=1
	echo "FAIL: $*"
	for f in "$VU_RUN_DIR"/*.log; do
		[ -e "$f" ] || continue
		echo "----- $(basename "$f") (last 60 lines) -----"
		tail -n 60 "$f"
	done
	exit 1
}

vu_skip() {
	echo "SKIP: $*"
	exit "$VU_SKIP"
}

# vu_check <description> <command...>: run a condition, print what was checked.
vu_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		vu_fail "$what"
	fi
}

# vu_eq <description> <got> <want>
vu_eq() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1 ($2)"
	else
		vu_fail "$1: got '$2', want '$3'"
	fi
}

vu_cleanup() {
	local name pid i fd p hook
	for name in "${!VU_PID[@]}"; do
		pid=${VU_PID[$name]}
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	for name in "${!VU_PID[@]}"; do
		pid=${VU_PID[$name]}
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for name in "${!VU_FIFO_FD[@]}"; do
		fd=${VU_FIFO_FD[$name]}
		exec {fd}>&-
	done
	# Hooks run once every process is gone (e.g. unmount, give memory back).
	for hook in "${VU_CLEANUP_HOOKS[@]}"; do
		"$hook" || true
	done
	for p in "${VU_PREFIXES[@]}"; do
		[ -n "$p" ] && rm -rf "${VU_RUNTIME_BASE:?}/$p"
	done
	if [ "${VU_KEEP:-0}" = 1 ]; then
		echo "run directory kept: $VU_RUN_DIR"
	else
		rm -rf "$VU_RUN_DIR"
	fi
}

# vu_hugepages <count>: add <count> 2 MB hugepages to the system's pool and
# mount a private hugetlbfs at $VU_HUGE_DIR; both are given back at exit
# (only our pages, so a concurrent user's reservation survives).  Skips (77)
# when that cannot be done (not root, not enough memory, no hugetlbfs).
VU_HUGE_PAGES=0
VU_HUGE_MOUNTED=0
vu_hugepages() {
	local nr=/proc/sys/vm/nr_hugepages orig before after
	VU_HUGE_DIR="$VU_RUN_DIR/hugepages"
	[ -w "$nr" ] || vu_skip "cannot write $nr (not root?)"
	VU_CLEANUP_HOOKS+=(vu_hugepages_restore)
	orig=$(cat "$nr")
	before=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	echo $((orig + $1)) >"$nr" 2>/dev/null && VU_HUGE_PAGES=$1
	after=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	[ $((after - before)) -ge "$1" ] ||
		vu_skip "could only add $((after - before)) of $1 hugepages"
	echo "reserved $1 x 2 MB hugepages (nr_hugepages $orig -> $(cat "$nr"))"
	mkdir -p "$VU_HUGE_DIR"
	mount -t hugetlbfs -o pagesize=2M nodev "$VU_HUGE_DIR" || vu_skip "cannot mount hugetlbfs"
	VU_HUGE_MOUNTED=1
}

# Unmount with a bounded retry (processes may still be unmapping), then take
# our pages back out of nr_hugepages.
vu_hugepages_restore() {
	local i now nr=/proc/sys/vm/nr_hugepages
	if [ "$VU_HUGE_MOUNTED" = 1 ]; then
		rm -f "$VU_HUGE_DIR"/* 2>/dev/null
		for _ in $(seq 50); do
			umount "$VU_HUGE_DIR" 2>/dev/null && break
			sleep 0.1
		done
		if mountpoint -q "$VU_HUGE_DIR"; then
			echo "umount $VU_HUGE_DIR failed; lazy unmount"
			umount -l "$VU_HUGE_DIR"
		fi
	fi
	if [ "$VU_HUGE_PAGES" -gt 0 ]; then
		now=$(cat "$nr")
		echo $((now > VU_HUGE_PAGES ? now - VU_HUGE_PAGES : 0)) >"$nr"
	fi
}

# vu_init <test name>: run directory, driver selection, traps.
vu_init() {
	VU_TEST=$1
	VU_START_NS=$(date +%s%N)
	# mktemp -d creates the directory 0700: not world-writable, sockets may live here.
	VU_RUN_DIR=$(mktemp -d "/tmp/vu-$VU_TEST.XXXXXX") || exit 1
	trap vu_cleanup EXIT
	trap 'echo "interrupted"; exit 130' INT TERM

	if [ "${VU_TEST_DRIVER:-}" = stock ]; then
		VU_PLUGIN=stock
	fi
	: "${VU_PLUGIN:?VU_PLUGIN not set}"
	: "${VU_BACKEND:?VU_BACKEND not set}"
	: "${VU_FRONTEND:?VU_FRONTEND not set}"
	if [ "$VU_PLUGIN" = stock ]; then
		VU_STOCK=1
		VU_DRIVER_ARGS=()
		# The stock driver keeps Rx buffers in its rings until close.
		export VU_FRONTEND_POOL_CHECK=close
		VU_DRIVER_DESC="Debian's stock net_virtio_user (auto-loaded PMD)"
	else
		VU_STOCK=0
		[ -f "$VU_PLUGIN" ] || vu_fail "plugin $VU_PLUGIN does not exist"
		VU_DRIVER_ARGS=(-d "$VU_PLUGIN")
		VU_DRIVER_DESC="plugin $VU_PLUGIN"
	fi
	command -v "$VU_TESTPMD" >/dev/null || VU_TESTPMD_MISSING=1
	vu_log "test $VU_TEST: driver $VU_DRIVER_DESC, run dir $VU_RUN_DIR"
}

# vu_eal_args <name> <core args...>: EAL arguments for one process in VU_EAL,
# with a unique --file-prefix whose runtime directory is removed at exit.
# Memory is memfd-backed (--no-huge) so vhost-user can share it.
vu_eal_args() {
	local name=$1
	shift
	local p="vu-$VU_TEST-$name-$$"
	VU_PREFIXES+=("$p")
	VU_EAL=("$@" --file-prefix "$p" --no-pci --no-telemetry
		--log-level=lib.eal:warning --log-level=lib.vhost.config:warning)
	if [ "${VU_HUGE:-0}" = 0 ]; then
		VU_EAL+=(--no-huge -m 256)
	fi
}

# vu_start <name> <command...>: background process, output in <name>.log,
# line-buffered so the log can be polled while the process runs.
vu_start() {
	local name=$1
	shift
	timeout -k 5 "$VU_PROC_TIMEOUT" stdbuf -oL -eL "$@" >"$VU_RUN_DIR/$name.log" 2>&1 \
		</dev/null &
	VU_PID[$name]=$!
	vu_log "started $name (pid $!): $*"
}

# vu_start_stdin <name> <command...>: like vu_start with stdin on a fifo the
# script keeps open (testpmd waits on it; vu_send writes commands to it).
vu_start_stdin() {
	local name=$1 fifo="$VU_RUN_DIR/$1.stdin" fd
	shift
	mkfifo "$fifo" || vu_fail "mkfifo $fifo"
	# Opened read-write: never blocks, and keeps a writer so stdin never sees EOF.
	exec {fd}<>"$fifo"
	VU_FIFO_FD[$name]=$fd
	timeout -k 5 "$VU_PROC_TIMEOUT" stdbuf -oL -eL "$@" >"$VU_RUN_DIR/$name.log" 2>&1 <"$fifo" &
	VU_PID[$name]=$!
	vu_log "started $name (pid $!): $*"
}

# vu_send <name> <line>: one line on the process's stdin fifo.
vu_send() {
	local fd=${VU_FIFO_FD[$1]}
	echo "$2" >&"$fd"
}

vu_logfile() {
	echo "$VU_RUN_DIR/$1.log"
}

vu_alive() {
	kill -0 "${VU_PID[$1]}" 2>/dev/null
}

# vu_wait_for <seconds> <what> <command...>: bounded poll until command succeeds.
vu_wait_for() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.05
	done
	vu_fail "timed out after ${secs}s waiting for $what"
}

vu_wait_socket() {
	vu_wait_for "$2" "socket $1" test -S "$1"
}

# vu_wait_log <name> <seconds> <extended regex> [min count]
vu_wait_log() {
	local f
	f=$(vu_logfile "$1")
	vu_wait_for "$2" "'$3' in $1.log" vu_log_has "$f" "$3" "${4:-1}"
}

vu_log_has() {
	local n
	n=$(grep -cE -- "$2" "$1" 2>/dev/null)
	[ "${n:-0}" -ge "$3" ]
}

# vu_wait_exit <name> <seconds>: reap the process; its status goes to VU_RC[name].
vu_wait_exit() {
	local name=$1 pid=${VU_PID[$1]}
	vu_wait_for "$2" "$name to exit" vu_not_alive "$name"
	wait "$pid"
	VU_RC[$name]=$?
	unset "VU_PID[$name]"
	vu_log "$name exited with status ${VU_RC[$name]}"
}

vu_not_alive() {
	! vu_alive "$1"
}

# vu_stop <name> <seconds> [signal]: signal (default INT) and reap.
vu_stop() {
	local name=$1
	vu_alive "$name" && kill "-${3:-INT}" "${VU_PID[$name]}"
	vu_wait_exit "$name" "$2"
}

# vu_field <name> <line regex> <key>: value of key=<v> on the last matching line.
vu_field() {
	grep -E -- "$2" "$(vu_logfile "$1")" | tail -n 1 | tr ' ' '\n' |
		sed -n "s/^$3=//p" | head -n 1
}

# vu_testpmd_stat <name> <section regex> <field>: from the last block whose
# header matches the regex, the number after "<field>:" (e.g. RX-packets).
vu_testpmd_stat() {
	awk -v sec="$2" -v key="$3:" '
		$0 ~ sec { inblk = 1; val = ""; next }
		inblk && /^ *[#+-]+ *$/ { inblk = 0 }
		inblk { for (i = 1; i < NF; i++) if ($i == key) { val = $(i + 1); found = val } }
		END { print found }' "$(vu_logfile "$1")"
}

# Final stats testpmd prints on exit ("Accumulated forward statistics").
vu_testpmd_fwd() {
	vu_testpmd_stat "$1" "Accumulated forward statistics" "$2"
}

# Port statistics from the last "show port stats" ("NIC statistics for port").
vu_testpmd_port() {
	vu_testpmd_stat "$1" "NIC statistics for port $2" "$3"
}

vu_elapsed() {
	echo $((($(date +%s%N) - VU_START_NS) / 1000000))
}

vu_pass() {
	echo "PASS: $VU_TEST ($(vu_elapsed) ms) $*"
	exit 0
}

# vu_tp_cmd <name> <command> <regex> [seconds]: send an interactive testpmd
# command and wait until <regex> has appeared once more in its log.
vu_tp_cmd() {
	local f n
	f=$(vu_logfile "$1")
	n=$(grep -cE -- "$3" "$f")
	vu_send "$1" "$2"
	vu_wait_for "${4:-10}" "output of '$2' from $1" vu_log_has "$f" "$3" $((n + 1))
}

# vu_tp_show_stats <name> <port>: "show port stats"; read the result with
# vu_testpmd_port <name> <port> <field> afterwards (not in a subshell).
vu_tp_show_stats() {
	vu_tp_cmd "$1" "show port stats $2" "Tx-pps:"
}

# vu_tp_wait_rx_settled <name> <port> <want> <seconds>: poll port stats until
# RX-packets reaches <want> and stops moving (sets VU_TP_RX).
vu_tp_wait_rx_settled() {
	local deadline prev=-1
	deadline=$(($(date +%s%N) + $4 * 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		vu_tp_show_stats "$1" "$2"
		VU_TP_RX=$(vu_testpmd_port "$1" "$2" RX-packets)
		[ "$VU_TP_RX" -ge "$3" ] && [ "$VU_TP_RX" = "$prev" ] && return 0
		prev=$VU_TP_RX
		sleep 0.1
	done
	return 1
}
