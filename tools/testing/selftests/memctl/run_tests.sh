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

# remove_group DIR: kill DIR's tasks and remove it, children first.
remove_group() {
	for child in "$1"/*/; do
		[ -d "$child" ] && remove_group "${child%/}"
	done
	tries=0
	while [ -d "$1" ] && ! rmdir "$1" 2>/dev/null; do
		[ -e "$1/cgroup.kill" ] && echo 1 >"$1/cgroup.kill"
		while read -r pid; do kill -9 "$pid"; done <"$1/cgroup.procs"
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || return 1
		sleep 0.1
	done
}

# A test program's groups are named memctl_*. One killed by its timeout
# leaves them behind, with their limits, which would keep memctl pinned
# and fail every later program that unloads it: remove them. Fails if
# there were any, which fails a program that ended well.
remove_left_groups() {
	left=0
	for dir in /sys/fs/cgroup/memctl_* /sys/fs/cgroup/*/memctl_*; do
		# Not twice through the v1 links to the cpu,cpuacct tree.
		if [ ! -d "$dir" ] || [ -L "${dir%/*}" ]; then
			continue
		fi
		echo "# $test left $dir behind"
		remove_group "$dir" || echo "# could not remove $dir"
		left=1
	done
	return $left
}

# The guest's CPU time outside idle and I/O wait, in USER_HZ ticks (user,
# nice, system, irq, softirq and steal of /proc/stat): what each program
# cost, for make check's budget. A vCPU that the host deschedules still
# counts as busy, so guests side by side read high.
busy_ticks() {
	read -r _ user nice system _ _ irq softirq steal _ </proc/stat
	echo $((user + nice + system + irq + softirq + steal))
}
while read -r test boots; do
	case $test in '' | '#'*) continue ;; esac
	case " $boots " in *" $boot "*) ;; *) continue ;; esac
	echo "# memctl-selftest: start $test"
	started=$(date +%s)
	busy_before=$(busy_ticks)
	if [ -x "$test" ]; then
		"./$test"
		code=$?
	else
		echo "# $test is missing or not executable"
		code=127
	fi
	echo "# $test took $(($(date +%s) - started)) s, $((($(busy_ticks) - busy_before) / 100)) s of CPU"
	if ! remove_left_groups && [ "$code" = 0 ]; then
		code=98
	fi
	echo "# memctl-selftest: end $test $code"
	[ "$code" = 0 ] || status=1
done <manifest
exit $status
