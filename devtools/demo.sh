#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# demo.sh: build the driver, then push traffic through it.
#
#   backend  : Debian's dpdk-testpmd with the vhost PMD (net_vhost0) serving a
#              vhost-user socket, forward mode io (it sends back what it gets),
#              on CPU 1
#   frontend : dpdk-testpmd with our plugin (-d) and net_virtio_user0 on that
#              socket, forward mode io with --tx-first (it starts the traffic,
#              then forwards what comes back), on CPU 0, for DEMO_SECONDS
#
# Packets circulate through both directions of our port.  Both testpmds are
# stopped with SIGINT so they print their final statistics; the last line
# compares what each side sent and received.  Exit status 0 only if packets
# went both ways and every packet our port sent reached the backend.
#
# Environment:
#   DEMO_DRIVER=ours|stock  ours (default) loads build/.../librte_net_virtio_user.so
#                           with -d; stock uses the net_virtio_user PMD Debian's
#                           testpmd loads by itself.
#   DEMO_SECONDS=N          how long the frontend transmits (default 5).

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

driver=${DEMO_DRIVER:-ours}
seconds=${DEMO_SECONDS:-5}
case "$driver" in
ours | stock) ;;
*) echo "demo: error: DEMO_DRIVER must be 'ours' or 'stock', not '$driver'" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[1-9][0-9]{0,2}$ ]] ||
	{ echo "demo: error: DEMO_SECONDS must be 1..999, not '$seconds'" >&2; exit 2; }

bash devtools/build.sh

readonly PLUGIN=$root/build/drivers/net/virtio/librte_net_virtio_user.so
readonly RUN=$root/build/run
readonly SOCK=$RUN/demo-vhost.sock
readonly BE_PREFIX=vu-demo-backend
readonly FE_PREFIX=vu-demo-frontend
readonly BE_LOG=$RUN/backend.log
readonly FE_LOG=$RUN/frontend.log
readonly STARTUP_LIMIT=60	# seconds for EAL init / socket creation
readonly STOP_LIMIT=30		# seconds for a SIGINT'ed testpmd to exit

testpmd=$(command -v dpdk-testpmd) ||
	{ echo "demo: error: dpdk-testpmd not found (package dpdk)" >&2; exit 1; }

be_pid=""
fe_pid=""

stop_pid()
{
	local pid=$1 i

	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	for ((i = 0; i < STOP_LIMIT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		# pid is a `timeout`, the leader of its own process group.
		echo "demo: pid $pid ignored SIGINT for ${STOP_LIMIT}s, killing its group" >&2
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	stop_pid "$fe_pid"
	stop_pid "$be_pid"
	exec 3>&-
	rm -f "$SOCK" "$RUN/stdin"
	rm -rf "/var/run/dpdk/$BE_PREFIX" "/var/run/dpdk/$FE_PREFIX"
}
trap cleanup EXIT

# Private run directory (0700): nobody else can plant or replace the socket.
mkdir -p "$RUN"
chmod 0700 "$RUN"
rm -f "$SOCK" "$RUN/stdin" "$BE_LOG" "$FE_LOG"

# testpmd's stdout goes to a log we poll, hence stdbuf -oL below.
# testpmd without --interactive waits for Enter on stdin before exiting; give
# both a fifo we hold open (fd 3) so they run until SIGINT.
mkfifo -m 0600 "$RUN/stdin"
exec 3<>"$RUN/stdin"

# Print the final forward statistics of a testpmd log.
final_stats()
{
	sed -n '/Forward statistics for port\|Accumulated forward statistics/,/^ *[+][+]*$/p' "$1"
}

# Value of FIELD (RX-packets, TX-packets) in the accumulated statistics block.
accumulated()
{
	awk -v field="$2:" '/Accumulated forward statistics/ { a = 1; next }
		a { for (i = 1; i < NF; i++) if ($i == field) { print $(i + 1); exit } }' "$1"
}

# Bounded poll: wait until CMD succeeds while PID lives, at most LIMIT s.
wait_for()
{
	local pid=$1 limit=$2 i
	shift 2

	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

echo "demo: starting the vhost-user backend on CPU 1 ($SOCK)"
timeout -s INT -k 10 $((STARTUP_LIMIT + seconds + 60)) \
	stdbuf -oL "$testpmd" --lcores 0@1,1@1 --no-huge -m 256 --no-pci \
	--file-prefix "$BE_PREFIX" \
	--vdev "net_vhost0,iface=$SOCK,queues=1" -- \
	--forward-mode=io --total-num-mbufs 8192 <&3 >"$BE_LOG" 2>&1 &
be_pid=$!
if ! wait_for "$be_pid" "$STARTUP_LIMIT" test -S "$SOCK"; then
	echo "demo: error: backend did not create $SOCK; its log:" >&2
	cat "$BE_LOG" >&2
	exit 1
fi

plugin_args=()
if [ "$driver" = ours ]; then
	plugin_args=(-d "$PLUGIN")
	label="our driver"
	echo "demo: starting the frontend on CPU 0 with our driver ($PLUGIN)"
else
	label="the stock driver"
	echo "demo: starting the frontend on CPU 0 with Debian's stock net_virtio_user"
fi
timeout -s INT -k 10 $((STARTUP_LIMIT + seconds + 30)) \
	stdbuf -oL "$testpmd" --lcores 0@0,1@0 --no-huge -m 256 --no-pci \
	--file-prefix "$FE_PREFIX" \
	"${plugin_args[@]}" --vdev "net_virtio_user0,path=$SOCK" -- \
	--forward-mode=io --tx-first --stats-period 1 --total-num-mbufs 8192 \
	<&3 >"$FE_LOG" 2>&1 &
fe_pid=$!
if ! wait_for "$fe_pid" "$STARTUP_LIMIT" grep -q 'start packet forwarding' "$FE_LOG"; then
	echo "demo: error: frontend did not start forwarding; its log:" >&2
	cat "$FE_LOG" >&2
	exit 1
fi
if grep -q 'No probed ethernet devices' "$FE_LOG"; then
	echo "demo: error: net_virtio_user0 did not probe with $label:" >&2
	grep -E 'virtio|vdev|EAL: (Bus|Error|Cannot)' "$FE_LOG" >&2 || true
	exit 1
fi

echo "demo: transmitting for ${seconds}s"
sleep "$seconds"	# the traffic interval itself, not a synchronisation
stop_pid "$fe_pid"
fe_pid=""
echo "=== frontend (net_virtio_user0, $label) final statistics"
final_stats "$FE_LOG"

stop_pid "$be_pid"
be_pid=""
echo "=== backend (net_vhost0) final statistics"
final_stats "$BE_LOG"

sent=$(accumulated "$FE_LOG" TX-packets)
got=$(accumulated "$FE_LOG" RX-packets)
be_rx=$(accumulated "$BE_LOG" RX-packets)
be_tx=$(accumulated "$BE_LOG" TX-packets)
echo "demo: $label sent ${sent:-?} and received ${got:-?} packets;" \
	"the backend received ${be_rx:-?} and sent ${be_tx:-?}"
if [ "${sent:-0}" -gt 0 ] && [ "${got:-0}" -gt 0 ] && [ "${sent:-0}" = "${be_rx:-x}" ]; then
	exit 0
fi
echo "demo: error: traffic did not flow both ways (logs: $FE_LOG, $BE_LOG)" >&2
exit 1
