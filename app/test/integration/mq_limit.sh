#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Queue-pair limits: the backend's own maximum (vhost-user GET_QUEUE_NUM),
# not a fixed 8, and the devargs rules that tie queues to the control queue.
#
# Asserts: against a minimal vhost-user peer (python) whose GET_QUEUE_NUM
# says 2, our driver's probe with queues=3 fails with an error naming 3 and 2
# and no port appears.  Against Debian's testpmd net_vhost: queues=2,cq=0 is
# rejected by the devargs parser naming cq and queues; queues=129 (above
# VIRTIO_MAX_QUEUE_PAIRS) is rejected; queues=2 (cq turned on by queues>1)
# probes and carries traffic on 2 pairs.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cvq_lib.sh"

vu_init mq-limit
[ -n "${VU_TESTPMD_MISSING:-}" ] && vu_skip "$VU_TESTPMD not installed"
[ "$VU_STOCK" = 1 ] && vu_skip "checks this driver's error messages"

SOCK="$VU_RUN_DIR/vhost.sock"
vhost_start vh 2 "$SOCK" io 0@1,1@1

RUN=0
# probe <devargs tail>: vu-test-frontend on the port; its log is fe<RUN>.log.
probe() {
	RUN=$((RUN + 1))
	vu_eal_args "fe$RUN" -l 0
	vu_start "fe$RUN" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
		--vdev "net_virtio_user0,path=$SOCK,$1" -- --mode gen-verify --queues "$2" \
		--count 100 --timeout 20
	vu_wait_exit "fe$RUN" 40
	FE_LOG=$(vu_logfile "fe$RUN")
}

# DPDK 22.11's vhost library answers GET_QUEUE_NUM with 128 whatever
# net_vhost's queues=N: a minimal vhost-user peer that offers 2 pairs.
FAKE_SOCK="$VU_RUN_DIR/fake.sock"
cat >"$VU_RUN_DIR/fake_backend.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
FEATURES = (1 << 32) | (1 << 30) | (1 << 22) | (1 << 15)
# GET_FEATURES, GET_PROTOCOL_FEATURES (MQ only), GET_QUEUE_NUM
REPLIES = {1: FEATURES, 15: 1 << 0, 17: 2}
while True:
    hdr = c.recv(12, socket.MSG_WAITALL)
    if len(hdr) < 12:
        break
    req, flags, size = struct.unpack("<III", hdr)
    if size:
        c.recv(size, socket.MSG_WAITALL)
    if req in REPLIES or flags & 0x8:
        c.sendall(struct.pack("<IIIQ", req, 0x5, 8, REPLIES.get(req, 0)))
PY
vu_start fake python3 "$VU_RUN_DIR/fake_backend.py" "$FAKE_SOCK"
vu_wait_socket "$FAKE_SOCK" 10
RUN=$((RUN + 1))
vu_eal_args "fe$RUN" -l 0
vu_start "fe$RUN" "$VU_FRONTEND" "${VU_EAL[@]}" "${VU_DRIVER_ARGS[@]}" \
	--vdev "net_virtio_user0,path=$FAKE_SOCK,queues=3" -- --queues 1 --count 1 --timeout 5
vu_wait_exit "fe$RUN" 40
FE_LOG=$(vu_logfile "fe$RUN")
vu_check "queues=3 against a backend serving 2: error names both numbers" \
	grep -qE "queues=3 but the backend on .* serves at most 2 queue pairs" "$FE_LOG"
vu_check "queues=3: no port" grep -q "VU-FRONTEND error: no port" "$FE_LOG"
vu_wait_exit fake 20

probe queues=2,cq=0 1
vu_check "queues=2,cq=0: rejected by the devargs parser" \
	grep -qE "cq=0: queues>1 needs the control queue" "$FE_LOG"
vu_check "queues=2,cq=0: no port" grep -q "VU-FRONTEND error: no port" "$FE_LOG"

probe queues=129 1
vu_check "queues=129: rejected" grep -qE "queues.*129" "$FE_LOG"
vu_check "queues=129: no port" grep -q "VU-FRONTEND error: no port" "$FE_LOG"

tp_fwd_retry vh io
tp_run vh start
probe queues=2 2
vu_eq "queues=2: frontend result" "$(vu_field "fe$RUN" '^VU-FRONTEND tx=' result)" PASS
vu_eq "queues=2: frontend used 2 pairs" "$(vu_field "fe$RUN" '^VU-FRONTEND port=' queues)" 2

vu_send vh quit
vu_wait_exit vh 30
vu_pass "backend limit and devargs rules enforced"
