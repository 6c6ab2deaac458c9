#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# guest-run.sh [--prepare] [--] CMD [ARGS...]
#
# Run CMD as root inside a throw-away QEMU guest booted from a Debian 6.12
# kernel that has vhost-net, tun, vhost-vdpa and the vDPA network simulator,
# with this machine's whole file tree shared in (9p, read-only, made writable
# in guest RAM by a tmpfs overlay), and return CMD's exit status.  The vhost
# backends of net_virtio_user are tested there against a real kernel.
#
# First use prepares everything, idempotently, under a lock:
#   * apt-get install qemu-system-x86, busybox-static (and the module build
#     tools) if missing;
#   * the kernel image and modules of linux-image-6.12-amd64 (unpacked, never
#     installed), cached in $VU_GUEST_CACHE/<release>/;
#   * vdpa_sim, vdpa_sim_net and vdpa_sim_blk (and vringh), which Debian does
#     not build, compiled out of tree from the same version's linux-source
#     against the same version's headers;
#   * an initramfs: static busybox, the modules, guest-init.sh as /init.
# --prepare stops there.  Preparation failures exit 1 loudly (never a skip).
#
# In the guest, before CMD: the modules are loaded, /dev/vhost-net and
# /dev/net/tun exist, hugetlbfs is mounted with $VU_GUEST_HUGEPAGES 2 MiB
# pages, /run and /tmp are fresh tmpfs, IPv6 is off (no stray frames on taps),
# and CMD runs in the caller's cwd with stdin /dev/null.  vDPA devices are
# created by CMD itself (`vdpa dev add`).  Nothing the guest writes reaches
# the host, except under $VU_GUEST_OUT (shared read-write at the same path).
#
# Environment:
#   VU_GUEST_CACHE      cache directory (/var/cache/vu-guest)
#   VU_GUEST_KMETA      kernel meta package (linux-image-6.12-amd64)
#   VU_GUEST_TIMEOUT    seconds for the whole guest run (600)
#   VU_GUEST_MEM        guest RAM in MiB (2048)
#   VU_GUEST_HUGEPAGES  2 MiB hugepages in the guest (256)
#   VU_GUEST_OUT        host directory shared read-write into the guest
#   VU_GUEST_LOG        console copy (<cache>/last-console.log)
#   VU_GUEST_ENV        names of environment variables to pass into the guest
#
# Exit status: CMD's; 124 guest timed out; 1 preparation or boot failure.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VU_GUEST_CACHE:-/var/cache/vu-guest}
KMETA=${VU_GUEST_KMETA:-linux-image-6.12-amd64}
TIMEOUT=${VU_GUEST_TIMEOUT:-600}
MEM=${VU_GUEST_MEM:-2048}
HUGEPAGES=${VU_GUEST_HUGEPAGES:-256}
OUT=${VU_GUEST_OUT:-}
LOG=${VU_GUEST_LOG:-$CACHE/last-console.log}
PASS_ENV=${VU_GUEST_ENV:-}

# Modules the guest loads, dependencies first (closure computed below).
MODULES="9p 9pnet_virtio overlay tun vhost_net vhost_vdpa vdpa_sim_net vdpa_sim_blk"
# Sources of the simulator, from linux-source-<series>.
SIM_SOURCES="drivers/vdpa/vdpa_sim/vdpa_sim.c drivers/vdpa/vdpa_sim/vdpa_sim.h
	drivers/vdpa/vdpa_sim/vdpa_sim_net.c drivers/vdpa/vdpa_sim/vdpa_sim_blk.c
	drivers/vhost/vringh.c"

say() { printf 'guest-run: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

prepare_only=0
if [ "${1:-}" = --prepare ]; then prepare_only=1; shift; fi
[ "${1:-}" = -- ] && shift
[ $prepare_only = 1 ] || [ $# -gt 0 ] || die "usage: $0 [--prepare] [--] CMD [ARGS...]"
[ "$(id -u)" = 0 ] || die "must run as root (apt-get, 9p export of /)"

apt_install() {  # apt_install PKG...: install what is missing, updating the lists once if needed
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed \
			|| missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 && return 0
	apt-get update -qq >&2 || die "apt-get update failed (is the Debian archive reachable?)"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
		|| die "apt-get install ${missing[*]} failed"
}

apt_download() {  # apt_download DIR PKG=VER...
	local dir=$1
	shift
	(cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$@" >&2) && return 0
	apt-get update -qq >&2 || die "apt-get update failed (is the Debian archive reachable?)"
	(cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$@" >&2) \
		|| die "apt-get download $* failed"
}

pkg_field() {  # pkg_field PKG FIELD: from the candidate version's record
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -1
}

apt_install qemu-system-x86 busybox-static xz-utils cpio iproute2 kmod

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# ------------------------------------------------------------ kernel choice
kpkg=$(apt-cache depends "$KMETA" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-.*\)/\1/p' \
	| head -1)
if [ -z "$kpkg" ]; then
	apt-get update -qq >&2 || die "apt-get update failed (is the Debian archive reachable?)"
	kpkg=$(apt-cache depends "$KMETA" | sed -n 's/^ *Depends: \(linux-image-.*\)/\1/p' | head -1)
fi
[ -n "$kpkg" ] || die "cannot resolve $KMETA to a kernel package"
krel=${kpkg#linux-image-}
krel=${krel%-unsigned}
kdir=$CACHE/$krel
kroot=$kdir/root
moddir=$kroot/lib/modules/$krel
vmlinuz=$kroot/boot/vmlinuz-$krel
kconfig=$kroot/boot/config-$krel

build_simulator() {  # build_simulator DLDIR VERSION
	local dl=$1 kver=$2 hpkg deps common kbuild series cc hdr bld objs f
	hpkg=linux-headers-$krel
	deps=$(pkg_field "$hpkg" Depends)
	common=$(grep -o 'linux-headers-[^ ,]*-common' <<<"$deps" | head -1)
	kbuild=$(grep -o 'linux-kbuild-[^ ,]*' <<<"$deps" | head -1)
	[ -n "$common" ] && [ -n "$kbuild" ] || die "cannot read the dependencies of $hpkg"
	series=$(cut -d. -f1-2 <<<"$krel")
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' "$kconfig")
	apt_install "${cc#x86_64-linux-gnu-}" make libelf1 bc
	command -v "$cc" >/dev/null || die "the kernel's compiler $cc is not installed"
	say "downloading $hpkg, $common, $kbuild, linux-source-$series ($kver)"
	apt_download "$dl" "$hpkg=$kver" "$common=$kver" "$kbuild=$kver" \
		"linux-source-$series=$kver"
	hdr=$kdir/hdr
	bld=$kdir/sim
	rm -rf "$hdr" "$bld"
	mkdir -p "$hdr" "$bld"
	for f in "$dl"/linux-headers-*.deb "$dl"/linux-kbuild-*.deb; do
		dpkg-deb -x "$f" "$hdr"
	done
	# The arch headers include the common ones by absolute path.
	sed -i "s#^include /usr/src/#include $hdr/usr/src/#" \
		"$hdr/usr/src/linux-headers-$krel/Makefile"
	# shellcheck disable=SC2046 # one tar member per word
	dpkg-deb --fsys-tarfile "$dl"/linux-source-*.deb \
		| tar -xO "./usr/src/linux-source-$series.tar.xz" \
		| tar -xJ -C "$bld" --strip-components=1 \
			$(for f in $SIM_SOURCES; do echo "linux-source-$series/$f"; done) \
		|| die "cannot extract the simulator sources from linux-source-$series"
	for f in $SIM_SOURCES; do cp "$bld/$f" "$bld/"; done
	objs="vdpa_sim.o vdpa_sim_net.o vdpa_sim_blk.o"
	# Only VDPA_SIM selects VHOST_RING: build vringh too unless the kernel has it.
	grep -q '^CONFIG_VHOST_RING=[my]' "$kconfig" || objs="vringh.o $objs"
	echo "obj-m := $objs" > "$bld/Kbuild"
	say "building $objs"
	# No pahole here: no BTF for these modules (not needed to load them).
	make -s -C "$hdr/usr/src/linux-headers-$krel" M="$bld" CC="$cc" -j"$(nproc)" \
		CONFIG_DEBUG_INFO_BTF_MODULES= modules >&2 || die "building the vDPA simulator failed"
	mkdir -p "$moddir/extra"
	cp "$bld"/*.ko "$moddir/extra/"
	rm -rf "$hdr" "$bld"
}

prepare_kernel() {
	local t0=$SECONDS dl=$kdir/dl kver
	rm -rf "$kdir"
	mkdir -p "$dl" "$kroot"
	kver=$(pkg_field "$kpkg" Version)
	[ -n "$kver" ] || die "package $kpkg not found"
	say "downloading $kpkg ($kver)"
	apt_download "$dl" "$kpkg=$kver"
	dpkg-deb -x "$dl"/linux-image-*.deb "$kroot"
	[ -f "$vmlinuz" ] || die "$kpkg has no $vmlinuz"
	grep -q '^CONFIG_VHOST_VDPA=m' "$kconfig" || die "$krel has no CONFIG_VHOST_VDPA"
	grep -q '^CONFIG_VDPA_SIM_NET=m' "$kconfig" || build_simulator "$dl" "$kver"
	rm -rf "$dl"
	echo "$kver" > "$kdir/version"
	touch "$kdir/.ready"
	say "kernel $krel prepared in $((SECONDS - t0)) s ($(du -sh "$kdir" | cut -f1))"
}
[ -f "$kdir/.ready" ] || prepare_kernel

# ---------------------------------------------------------------- initramfs
declare -A modfile=() seen=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%.xz}
	n=${n%.ko}
	n=${n//-/_}
	if [ -z "${modfile[$n]:-}" ] || [[ $f == */extra/* ]]; then modfile[$n]=$f; fi
done < <(find "$moddir" -name '*.ko' -o -name '*.ko.xz')
order=()
modcat() { case $1 in *.xz) xz -dc "$1" ;; *) cat "$1" ;; esac; }
resolve() {
	local m=${1//-/_} f deps d
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	if [ -z "${modfile[$m]:-}" ]; then
		grep -qE "/(${m}|${m//_/-})\.ko\$" "$moddir/modules.builtin" && return 0
		die "module $m not found for $krel"
	fi
	f=${modfile[$m]}
	# grep -m1 stops reading early: xz's SIGPIPE is expected.
	deps=$(modcat "$f" | grep -a -o -m1 'depends=[^[:cntrl:]]*' | cut -d= -f2) || true
	for d in ${deps//,/ }; do resolve "$d"; done
	order+=("$m")
}
for m in $MODULES; do resolve "$m"; done

key=$( (cat "$here/guest-init.sh"; echo "${order[*]}"; stat -c %Y /bin/busybox) \
	| sha256sum | cut -c1-16)
initrd=$kdir/initrd-$key.gz
if [ ! -f "$initrd" ]; then
	stage=$(mktemp -d "$kdir/stage.XXXXXX")
	mkdir -p "$stage/bin" "$stage/modules"
	cp /bin/busybox "$stage/bin/busybox"
	install -m 755 "$here/guest-init.sh" "$stage/init"
	for m in "${order[@]}"; do modcat "${modfile[$m]}" > "$stage/modules/$m.ko"; done
	printf '%s\n' "${order[@]}" > "$stage/modules/order"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
	find "$kdir" -maxdepth 1 -name 'initrd-*.gz' ! -name "${initrd##*/}" -delete
fi
flock -u 9

if [ $prepare_only = 1 ]; then
	say "ready: $vmlinuz, $initrd"
	exit 0
fi

# ---------------------------------------------------------------------- run
run=$(mktemp -d /var/tmp/vu-guest.XXXXXX)
trap 'rm -rf "$run"' EXIT
{
	printf 'cd %q || exit 1\n' "$PWD"
	printf '%q ' "$@"
	printf '\n'
} > "$run/cmd.sh"
{
	printf 'export VU_GUEST_HUGEPAGES=%q VU_GUEST_OUT=%q VU_IN_GUEST=1\n' "$HUGEPAGES" "$OUT"
	for v in $PASS_ENV; do
		[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
} > "$run/env"

# shellcheck disable=SC2054 # tcg,thread=multi is one QEMU argument
accel=(-accel tcg,thread=multi -cpu max)
# KVM only with hardware virtualisation (a PVM-only /dev/kvm hangs Debian kernels).
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=(-accel kvm -cpu host); fi

shares=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$run,mount_tag=vuctl,security_model=none")
if [ -n "$OUT" ]; then
	mkdir -p "$OUT"
	shares+=(-virtfs "local,path=$OUT,mount_tag=vuout,security_model=none,multidevs=remap")
fi

mkdir -p "$(dirname "$LOG")"
say "kernel $krel, ${accel[1]}, timeout ${TIMEOUT}s, console copy in $LOG"
t0=$(date +%s%N)
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -nodefaults -no-user-config -display none \
	-serial stdio -no-reboot "${accel[@]}" -m "$MEM" -smp "$(nproc)" \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init" \
	"${shares[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$LOG"
qrc=${PIPESTATUS[0]}
set -e
secs=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ -s "$run/rc" ]; then
	rc=$(cat "$run/rc")
	say "guest command exited $rc after $((secs / 1000)).$((secs % 1000 / 100)) s"
	exit "$rc"
fi
[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && { say "guest timed out after ${TIMEOUT}s"; exit 124; }
die "guest ended without a result (qemu status $qrc); console in $LOG"
