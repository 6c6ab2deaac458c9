#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check-symbols.sh PLUGIN.so
#
# The plugin must export no dynamic symbol at all: it runs in processes that
# also load DPDK's stock virtio PMD, and any global name could interpose on
# (or be interposed by) the stock one.  It must still carry its registration:
# an .init_array (the RTE_PMD_REGISTER_* constructors) and the driver and
# alias names those constructors register.  The compiler stores the alias
# "virtio_user" as the tail of "net_virtio_user", so it is matched as a suffix.
#
# ALLOWED lists defined dynamic symbols the toolchain forces on us; with
# `{ local: *; };` GNU ld forces none.

set -euo pipefail

readonly ALLOWED=()
readonly DRIVER_NAME=net_virtio_user
readonly DRIVER_ALIAS=virtio_user

[ $# -eq 1 ] || { echo "usage: $0 PLUGIN.so" >&2; exit 2; }
so=$1
fail=0

for tool in nm strings readelf; do
	command -v "$tool" >/dev/null || { echo "check-symbols: $tool not found" >&2; exit 2; }
done
[ -f "$so" ] || { echo "check-symbols: $so: no such file" >&2; exit 2; }

defined=$(nm -D --defined-only "$so" | awk '{ print $NF }')
for sym in $defined; do
	allowed=0
	for a in "${ALLOWED[@]}"; do
		[ "$sym" = "$a" ] && allowed=1
	done
	if [ $allowed -eq 0 ]; then
		echo "check-symbols: $so exports '$sym' (only allowed: ${ALLOWED[*]:-none})" >&2
		fail=1
	fi
done

if ! readelf -W -S "$so" | grep -q '[[:space:]]\.init_array[[:space:]]'; then
	echo "check-symbols: $so has no .init_array: the driver registers no constructor" >&2
	fail=1
fi

strs=$(strings -a "$so")
if ! grep -qxF "$DRIVER_NAME" <<<"$strs"; then
	echo "check-symbols: $so lacks the driver name string '$DRIVER_NAME'" >&2
	fail=1
fi
if ! grep -q "$DRIVER_ALIAS\$" <<<"$strs"; then
	echo "check-symbols: $so lacks the alias string '$DRIVER_ALIAS'" >&2
	fail=1
fi

if [ $fail -eq 0 ]; then
	echo "check-symbols: $so: exports nothing; has constructors and $DRIVER_NAME/$DRIVER_ALIAS"
fi
exit $fail
