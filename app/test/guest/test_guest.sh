#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_guest.sh GROUP [CASE...]: meson entry of the 'guest' suite.  Boots one
# test guest (guest-run.sh; prepares it on first use) and runs every case of
# GROUP (kernel or vdpa) inside it with guest-suite.sh.  A preparation
# failure (apt unreachable, no kernel) fails the test: it never skips.
#
# Environment: VU_PLUGIN, VU_FRONTEND (set by app/test/meson.build).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${VU_PLUGIN:?}" "${VU_FRONTEND:?}"
if [ "$(id -u)" != 0 ]; then
	echo "test_guest: FAIL: the guest suite needs root (apt-get, QEMU's 9p export of /)" >&2
	exit 1
fi
export VU_GUEST_ENV="VU_PLUGIN VU_FRONTEND VU_GUEST_COUNT"
exec "$here/guest-run.sh" -- bash "$here/guest-suite.sh" "$@"
