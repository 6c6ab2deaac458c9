#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build.sh [MESON_SETUP_ARGS...]: install missing build dependencies,
# configure build/ (or reconfigure it when it exists) and build it.  Extra
# arguments go to `meson setup`, e.g. -Dsdk_headers=DIR.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash devtools/setup.sh
if [ -f build/meson-private/coredata.dat ]; then
	meson setup --reconfigure build "$@"
else
	meson setup build "$@"
fi
ninja -C build
