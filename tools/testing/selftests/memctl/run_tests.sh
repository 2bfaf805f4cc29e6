#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every memctl selftest found next to this script; each prints TAP.
# Programs named *_v2_test only make sense on cgroup v2 ($MEMCTL_CGROUP).
# Exit status: 0 if all passed.
cd "$(dirname "$0")" || exit 1
status=0
for test in *_test *_test.sh; do
	[ -x "$test" ] || continue
	case $test in
	*_v2_test | *_v2_test.sh) [ "$MEMCTL_CGROUP" = v2 ] || continue ;;
	esac
	"./$test" || status=1
done
exit $status
