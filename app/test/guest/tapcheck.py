#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tapcheck.py: the kernel side of the vhost-kernel tests, on a tap interface.

Frames are the patterned test packets of app/common/vu_pkt.h (re-implemented
here): every byte is a function of (generator, sequence, offset), so a raw
socket can check every byte of what the DPDK port sent, and the port can
check every byte of what we send.

  mktap NAME           create a persistent multi-queue vnet-header tap whose
                       queue steering (an eBPF program) sends a frame to the
                       queue its generator id names, then bring it up
  echo --iface NAME    verify every test frame the port sends into the tap and
                       write it back into the tap (to the port)
  inject --iface NAME  write --count frames into the tap and verify that the
                       port echoes each back intact and in order

Prints one summary line "TAPCHECK ... result=PASS|FAIL"; exit 0 on PASS.
"""

import argparse
import ctypes
import errno
import fcntl
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
ETHERTYPE = 0x88B5
MAGIC = 0x56555054
DST_MAC = bytes([0x02, 0x56, 0x55, 0x00, 0x00, 0x01])
SRC_MAC = bytes([0x02, 0x56, 0x55, 0x00, 0x00, 0x02])
GEN_BACKEND = 0xB000
GEN_FRONTEND = 0xF000
MIN_LEN = 30
GEN_OFF = 26  # Ethernet (14) + magic, seq, len, flags (12): the generator id

TUNSETIFF = 0x400454CA
TUNSETPERSIST = 0x400454CB
TUNSETSTEERINGEBPF = 0x800454E0
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE = 0x0002, 0x1000, 0x4000, 0x0100


def pkt_byte(gen, seq, off):
    x = (seq * 0x9E3779B1 + off * 0x85EBCA77 + gen * 0xC2B2AE3D) & 0xFFFFFFFF
    return ((x >> 24) ^ (x >> 13)) & 0xFF


def hdr_check(seq, length, flags, gen):
    s = (MAGIC >> 16) + (MAGIC & 0xFFFF) + (seq >> 16) + (seq & 0xFFFF) + length + flags + gen
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def build(gen, seq, length):
    head = DST_MAC + SRC_MAC + struct.pack(">H", ETHERTYPE)
    head += struct.pack(">IIHHHH", MAGIC, seq, length, 0, gen, hdr_check(seq, length, 0, gen))
    return head + bytes(pkt_byte(gen, seq, off) for off in range(MIN_LEN, length))


def verify(frame):
    """(gen, seq, None) for a good frame, (None, None, why) otherwise."""
    if len(frame) < MIN_LEN:
        return None, None, "runt frame of %d bytes" % len(frame)
    magic, seq, length, flags, gen, check = struct.unpack(">IIHHHH", frame[14:MIN_LEN])
    if magic != MAGIC or check != hdr_check(seq, length, flags, gen):
        return None, None, "bad header"
    if length != len(frame):
        return None, None, "gen 0x%04x seq %u: %d bytes, header says %d" % (
            gen, seq, len(frame), length)
    want = build(gen, seq, length)
    if frame != want:
        off = next(i for i in range(length) if frame[i] != want[i])
        return None, None, "gen 0x%04x seq %u: byte %d is 0x%02x, want 0x%02x" % (
            gen, seq, off, frame[off], want[off])
    return gen, seq, None


def is_test_frame(frame):
    return len(frame) >= 14 and struct.unpack(">H", frame[12:14])[0] == ETHERTYPE


def steering_prog():
    """eBPF socket filter returning the frame's byte GEN_OFF + 1 (queue id)."""
    def insn(code, dst, src, off, imm):
        return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)
    code = (insn(0xBF, 6, 1, 0, 0)             # r6 = r1 (skb), for LD_ABS
            + insn(0x30, 0, 0, 0, GEN_OFF + 1)  # r0 = skb[GEN_OFF + 1] (u8)
            + insn(0x95, 0, 0, 0, 0))           # return r0: the tun queue
    buf = ctypes.create_string_buffer(code)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = struct.pack("<IIQQIIQII", 1, len(code) // 8, ctypes.addressof(buf),
                       ctypes.addressof(lic), 0, 0, 0, 0, 0).ljust(128, b"\0")
    abuf = ctypes.create_string_buffer(attr, len(attr))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(ctypes.c_long(321), ctypes.c_long(5), abuf, ctypes.c_long(len(attr)))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "bpf(BPF_PROG_LOAD)")
    return fd


def cmd_mktap(args):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", args.name.encode(), flags))
    fcntl.ioctl(fd, TUNSETPERSIST, 1)
    prog = steering_prog()
    fcntl.ioctl(fd, TUNSETSTEERINGEBPF, struct.pack("i", prog))
    os.close(prog)
    os.close(fd)  # detach our queue: the port's pairs become queues 0, 1, ...
    os.system("ip link set dev %s up" % args.name)
    print("TAPCHECK mktap %s result=PASS" % args.name)
    return 0


def open_raw(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
    s.bind((iface, ETH_P_ALL))
    return s


def recv_frames(s, deadline):
    """Yield incoming frames until the deadline (our own writes are skipped)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if not select.select([s], [], [], min(left, 0.5))[0]:
            continue
        try:
            frame, addr = s.recvfrom(65536)
        except OSError as e:
            # The tap went away (the port closed): the error comes first,
            # what was queued before it can still be read.
            if e.errno != errno.ENETDOWN:
                raise
            continue
        if addr[2] != PACKET_OUTGOING:
            yield frame


def cmd_echo(args):
    s = open_raw(args.iface)
    if args.ready:
        open(args.ready, "w").close()
    got = [0] * args.queues
    nxt = [0] * args.queues
    bad = foreign = 0
    deadline = time.monotonic() + args.timeout
    for frame in recv_frames(s, deadline):
        if not is_test_frame(frame):
            foreign += 1
            continue
        gen, seq, why = verify(frame)
        q = gen & 0xFF if gen is not None else None
        if why is None and ((gen & 0xFF00) != GEN_FRONTEND or q >= args.queues):
            why = "gen 0x%04x is not a frontend queue" % gen
        if why is None and seq != nxt[q]:
            why = "queue %u: seq %u, want %u" % (q, seq, nxt[q])
        if why is not None:
            bad += 1
            if bad <= 8:
                print("TAPCHECK bad: %s" % why)
            continue
        nxt[q] = seq + 1
        got[q] += 1
        s.send(frame)
        if min(got) >= args.count:
            break
    ok = bad == 0 and min(got) >= args.count
    print("TAPCHECK echo iface=%s per_queue=%s bad=%d foreign=%d result=%s" % (
        args.iface, ",".join(map(str, got)), bad, foreign, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


def wait_new_tap(before, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = sorted(set(os.listdir("/sys/class/net")) - before)
        taps = [n for n in new if os.path.exists("/sys/class/net/%s/tun_flags" % n)]
        if taps:
            return taps[0]
        time.sleep(0.05)
    return None


def cmd_inject(args):
    iface = args.iface
    if iface is None:
        iface = wait_new_tap(set(args.existing.split(",")), args.timeout)
        if iface is None:
            print("TAPCHECK inject: no new tap appeared result=FAIL")
            return 1
    # The port gives a tap it created its MAC when it starts, after the probe.
    mac_deadline = time.monotonic() + (10 if args.expect_mac else 0)
    while True:
        with open("/sys/class/net/%s/address" % iface) as f:
            mac = f.read().strip()
        if not args.expect_mac or mac == args.expect_mac.lower():
            break
        if time.monotonic() >= mac_deadline:
            break
        time.sleep(0.05)
    print("TAPCHECK inject iface=%s mac=%s" % (iface, mac))
    if args.expect_mac and mac != args.expect_mac.lower():
        print("TAPCHECK inject: tap MAC %s, want %s result=FAIL" % (mac, args.expect_mac))
        return 1
    os.system("ip link set dev %s up" % iface)
    s = open_raw(iface)
    sizes = [int(x) for x in args.sizes.split(",")]
    deadline = time.monotonic() + args.timeout
    sent = back = bad = 0
    for seq in range(args.count):
        s.send(build(GEN_BACKEND, seq, sizes[seq % len(sizes)]))
        sent += 1
    for frame in recv_frames(s, deadline):
        if not is_test_frame(frame):
            continue
        gen, seq, why = verify(frame)
        if why is None and (gen != GEN_BACKEND or seq != back):
            why = "gen 0x%04x seq %u, want gen 0x%04x seq %u" % (gen, seq, GEN_BACKEND, back)
        if why is not None:
            bad += 1
            if bad <= 8:
                print("TAPCHECK bad: %s" % why)
            continue
        back += 1
        if back == args.count:
            break
    ok = bad == 0 and back == args.count
    print("TAPCHECK inject iface=%s sent=%d echoed=%d bad=%d result=%s" % (
        iface, sent, back, bad, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mktap")
    m.add_argument("name")
    e = sub.add_parser("echo")
    e.add_argument("--iface", required=True)
    e.add_argument("--count", type=int, required=True)
    e.add_argument("--queues", type=int, default=1)
    e.add_argument("--timeout", type=float, default=60)
    e.add_argument("--ready", help="file to create once the socket is bound")
    i = sub.add_parser("inject")
    i.add_argument("--iface", help="default: the first tap that appears")
    i.add_argument("--existing", default="", help="interfaces present before (with no --iface)")
    i.add_argument("--count", type=int, required=True)
    i.add_argument("--sizes", default="64")
    i.add_argument("--expect-mac")
    i.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    return {"mktap": cmd_mktap, "echo": cmd_echo, "inject": cmd_inject}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
