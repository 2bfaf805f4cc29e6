#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every memctl selftest found next to this script; each prints TAP.
# Exit status: 0 if all passed.
cd "$(dirname "$0")" || exit 1
status=0
for test in *_test; do
	[ -x "$test" ] || continue
	"./$test" || status=1
done
exit $status
