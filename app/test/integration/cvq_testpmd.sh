#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Control-queue commands from Debian's interactive dpdk-testpmd over our
# driver (against testpmd net_vhost), and the state the device model
# recorded, read back as xstats ("show port xstats 0": cvq_*).
#
# usage: cvq_testpmd.sh <cq 1|0> <split|packed>
# cq=1 asserts: promisc off, allmulti on, two MAC addresses added and one
# removed, primary MAC set, VLAN filter on with VLANs 5 and 7 added and 7
# removed -- no command fails, and the device records promisc 0, allmulti 1,
# one MAC table entry (multicast), the primary MAC, one VLAN, no rejected
# command, no malformed chain; the same state after port stop / port start
# (replayed by ethdev and the driver); testpmd exits cleanly.
# cq=0 asserts: each of those commands fails with an error (ENOTSUP from the
# driver; VLAN filtering is not even offered) except "promisc off" and
# "mac_addr remove", which ethdev never passes on (promiscuous mode never got
# enabled, the address never got added) and "mac_addr set", which succeeds
# as with the stock driver (written to the device's config space); no cvq_* xstats; testpmd still
# exits cleanly.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cvq_lib.sh"

CQ=${1:?cq 0|1}
RING=${2:?split|packed}
vu_init "cvq-testpmd-cq$CQ-$RING"
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"
[ "$VU_STOCK" = 1 ] && vu_skip "cvq_* xstats are this driver's"

SOCK="$VU_RUN_DIR/vhost.sock"
vhost_start vh 1 "$SOCK" rxonly 0@1,1@1

vu_eal_args vu --lcores 0@0,1@0
vu_start_stdin vu "$VU_TESTPMD" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$SOCK,queues=1,cq=$CQ,$(ring_devargs "$RING")" -- \
	-i --total-num-mbufs=8192
vu_wait_log vu 20 "testpmd> "

LOG=$(vu_logfile vu)
CMDS=("set promisc 0 on" "set promisc 0 off" "set allmulti 0 on"
	"mac_addr add 0 02:00:00:00:00:09" "mac_addr add 0 01:00:5e:00:00:01"
	"mac_addr remove 0 02:00:00:00:00:09" "mac_addr set 0 02:aa:bb:cc:dd:ee"
	"vlan set filter on 0" "rx_vlan add 5 0" "rx_vlan add 7 0" "rx_vlan rm 7 0")
ERRS='rror|failed|not supported'
for c in "${CMDS[@]}"; do
	before=$(grep -cE "$ERRS" "$LOG")
	tp_run vu "$c"
	after=$(grep -cE "$ERRS" "$LOG")
	if [ "$CQ" = 1 ]; then
		vu_eq "'$c' succeeded" "$((after - before))" 0
	elif [ "$c" = "set promisc 0 off" ] || [ "${c#mac_addr remove}" != "$c" ]; then
		# ethdev skips the driver: promiscuous mode never got enabled,
		# the address never got added.
		vu_eq "'$c' is a no-op" "$((after - before))" 0
	elif [ "${c#mac_addr set}" != "$c" ]; then
		# As the stock driver: the primary MAC goes to config space.
		vu_eq "'$c' succeeded (config space)" "$((after - before))" 0
	else
		vu_check "'$c' failed cleanly" test "$after" -gt "$before"
	fi
done
tp_run vu "show port xstats 0"

check_state() {
	vu_eq "$1: cvq_promisc" "$(tp_xstat vu 0 cvq_promisc)" 0
	vu_eq "$1: cvq_allmulti" "$(tp_xstat vu 0 cvq_allmulti)" 1
	vu_eq "$1: cvq_mac_entries" "$(tp_xstat vu 0 cvq_mac_entries)" 1
	vu_eq "$1: cvq_mac_multicast" "$(tp_xstat vu 0 cvq_mac_multicast)" 1
	vu_eq "$1: cvq_mac_addr" "$(tp_xstat vu 0 cvq_mac_addr)" $((0x02aabbccddee))
	vu_eq "$1: cvq_vlan_filters" "$(tp_xstat vu 0 cvq_vlan_filters)" 1
	vu_eq "$1: cvq_queue_pairs" "$(tp_xstat vu 0 cvq_queue_pairs)" 1
	vu_eq "$1: cvq_commands_rejected" "$(tp_xstat vu 0 cvq_commands_rejected)" 0
	vu_eq "$1: cvq_chains_malformed" "$(tp_xstat vu 0 cvq_chains_malformed)" 0
}

if [ "$CQ" = 1 ]; then
	check_state "after the commands"
	tp_run vu "port stop 0"
	tp_run vu "port start 0" 30
	tp_run vu "show port xstats 0"
	check_state "after port stop / start"
else
	grep -qE "^cvq_[a-z_]+:" "$LOG" && vu_fail "cvq_* xstats without a control queue"
	echo "ok: no cvq_* xstats without a control queue"
	grep -E "not supported without" "$LOG" | sort -u | sed 's/^/  /'
fi
vu_send vu quit
vu_wait_exit vu 30
vu_send vh quit
vu_wait_exit vh 30
vu_eq "virtio testpmd exit status" "${VU_RC[vu]}" 0
vu_eq "vhost testpmd exit status" "${VU_RC[vh]}" 0
vu_pass "cq=$CQ ($RING ring): ${#CMDS[@]} control commands"
