#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=dash
#
# /init of the test guest (packed into the initramfs by guest-run.sh): load
# the modules, mount the host's tree with a RAM overlay, run the command the
# host left on the control share, report its status there, power off.

/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /ctl /lower /upper /host
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "vu-guest: $*"; }
finish() {
	echo "$1" > /ctl/rc
	say "exit status $1 at $(cut -d' ' -f1 /proc/uptime) s; powering off"
	[ -n "$VU_GUEST_OUT" ] && umount "/host$VU_GUEST_OUT" 2>/dev/null
	sync
	umount /ctl
	poweroff -f
}

while read -r m; do
	insmod "/modules/$m.ko" || say "insmod $m FAILED"
done < /modules/order
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vuctl /ctl \
	|| { say "no control share"; poweroff -f; }
. /ctl/env
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower \
	|| { say "cannot mount the host's root"; finish 1; }
mount -t tmpfs -o mode=755 tmpfs /upper && mkdir -p /upper/u /upper/w \
	&& mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /host \
	|| { say "cannot set up the overlay"; finish 1; }
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm /host/dev/hugepages
mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t hugetlbfs -o pagesize=2M hugetlbfs /host/dev/hugepages
mount -t tmpfs tmpfs /host/run
mount -t tmpfs tmpfs /host/tmp
if [ -n "$VU_GUEST_OUT" ]; then
	mkdir -p "/host$VU_GUEST_OUT"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vuout "/host$VU_GUEST_OUT" \
		|| say "cannot mount $VU_GUEST_OUT"
fi
echo "$VU_GUEST_HUGEPAGES" > /proc/sys/vm/nr_hugepages
# No IPv6: a tap that comes up must not send router solicitations into a test.
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
ip link set lo up
say "kernel $(uname -r) up at $(cut -d' ' -f1 /proc/uptime) s," \
	"hugepages $(cat /proc/sys/vm/nr_hugepages), running the command"
cp /ctl/cmd.sh /host/run/.vu-guest-cmd.sh
export HOME=/root TERM=dumb LANG=C.UTF-8
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
chroot /host /bin/bash /run/.vu-guest-cmd.sh < /dev/null
finish $?
