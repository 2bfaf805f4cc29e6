#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# memctl must not change how the memory controller behaves. Run the kernel's
# own memcg selftests (tools/testing/selftests/cgroup: test_memcontrol,
# test_kmem; built into upstream/ by scripts/build-selftests) twice in the
# same layout, each below a parent group /memctl_upstream that is the root
# of their cgroup namespace:
#
#   1. memctl unloaded;
#   2. memctl loaded, kmem accounting on for the parent (a 4G limit, never
#      reached, so that every kernel-memory charge of the tests goes through
#      memctl's charge path).
#
# Each upstream test case is one TAP result here: ok if it gave the same
# result both times. Swap is on (scripts/vm-run), as some cases need it.
cd "$(dirname "$0")" || exit 1
cg=/sys/fs/cgroup/memctl_upstream

run_suite() { # run_suite OUTPUT ACCOUNTED
	mkdir "$cg" && echo +memory >"$cg/cgroup.subtree_control" &&
		mkdir "$cg/ns" || return 1
	if [ "$2" = 1 ]; then
		echo 4G >"$cg/memory.kmem.max" || return 1
	fi
	for program in test_memcontrol test_kmem; do
		./memctl_nsrun "$cg/ns" "./upstream/$program"
	done >"$1" 2>&1
	for dir in "$cg"/ns/* "$cg/ns" "$cg"; do
		[ -d "$dir" ] && rmdir "$dir"
	done
	return 0
}

# "ok NAME", "not ok NAME" or "ok NAME # SKIP", one line per case.
results() {
	sed -n 's/^\(not ok\|ok\) [0-9]* \(.*\)$/\1 \2/p' "$1"
}

echo "TAP version 13"
[ -d /sys/module/memctl ] && rmmod memctl
run_suite /tmp/upstream-unloaded.out 0 || {
	echo "1..0 # SKIP could not set up the cgroup layout"
	exit 1
}
insmod "$MEMCTL_KO" || exit 1
run_suite /tmp/upstream-loaded.out 1 || exit 1

results /tmp/upstream-unloaded.out >/tmp/upstream-unloaded.res
results /tmp/upstream-loaded.out >/tmp/upstream-loaded.res
total=$(wc -l </tmp/upstream-unloaded.res)
echo "1..$total"
n=0 status=0
while read -r line; do
	n=$((n + 1))
	name=${line#not ok }
	name=${name#ok }
	name=${name%% # *}
	# Same programs, same order: compare line by line.
	with=$(sed -n "${n}p" /tmp/upstream-loaded.res)
	if [ "$with" = "$line" ]; then
		echo "ok $n upstream $name: \"$line\" with and without memctl"
	else
		echo "not ok $n upstream $name: \"$line\" without memctl, \"$with\" with"
		status=1
	fi
done </tmp/upstream-unloaded.res
if [ "$total" = 0 ]; then
	echo "# the upstream tests reported nothing:"
	sed 's/^/# /' /tmp/upstream-unloaded.out
	exit 1
fi
exit $status
