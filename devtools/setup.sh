#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# setup.sh: install the Debian packages the build, the tests and the demo
# need.  Idempotent: installs only what is missing (one apt-get update first),
# and needs root only when something is missing.

set -euo pipefail

# xz-utils and binutils (tar -J, nm/strings/readelf) are listed because
# buildtools/get-sdk-headers.sh and devtools/check-symbols.sh use them.
readonly PACKAGES=(
	libdpdk-dev dpdk dpdk-dev dpdk-doc
	meson ninja-build pkg-config gcc binutils xz-utils
	libnuma-dev python3 valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || status=""
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: error: missing packages: ${missing[*]}; run $0 as root to install them" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
