#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# usage: run_tests.sh [BOOT]
#
# Run the memctl selftests that the manifest lists for BOOT (default: the
# hierarchy of this guest, $MEMCTL_CGROUP; scripts/check also boots a v2
# guest for "upstream" alone), in its order; each prints TAP. Around each
# program's output go "# memctl-selftest: start NAME" and "# memctl-selftest:
# end NAME STATUS", from which the host (scripts/selftest-results) tells what
# ran and how it ended. A listed program that is not here is reported as
# missing.
# Exit status: 0 if every program exited with 0.
boot=${1:-$MEMCTL_CGROUP}
cd "$(dirname "$0")" || exit 1
status=0
while read -r test boots; do
	case $test in '' | '#'*) continue ;; esac
	case " $boots " in *" $boot "*) ;; *) continue ;; esac
	echo "# memctl-selftest: start $test"
	started=$(date +%s)
	if [ -x "$test" ]; then
		"./$test"
		code=$?
	else
		echo "# $test is missing or not executable"
		code=127
	fi
	echo "# $test took $(($(date +%s) - started)) s"
	echo "# memctl-selftest: end $test $code"
	[ "$code" = 0 ] || status=1
done <manifest
exit $status
