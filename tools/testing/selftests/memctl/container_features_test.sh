#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test kernel can run a container runtime (Debian's crun and runc, which
# later memctl work is tested with): the namespaces, seccomp, the device
# controls of both hierarchies and overlayfs are there. crun stops at once
# without user namespaces ("Error opening file /proc/self/setgroups").
# Each feature is one TAP case; a kernel built without it fails the case.

# The checks below run through check(), which shellcheck cannot follow.
# shellcheck disable=SC2317

echo "TAP version 13"
echo "1..7"
n=0 status=0

check() { # check NAME COMMAND...
	name=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		status=1
	fi
}

namespaces() {
	# A user namespace mapping root, and new pid, uts, ipc, net and mount
	# namespaces in it, as a rootless runtime makes them.
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -r -p -u -i -n -m -f --mount-proc sh -c \
		'[ -e /proc/self/setgroups ] && [ "$(id -u)" = 0 ] && hostname test'
}

seccomp() {
	grep -q '^Seccomp:' /proc/self/status &&
		grep -qw kill_process /proc/sys/kernel/seccomp/actions_avail
}

device_control() {
	if [ "$MEMCTL_CGROUP" = v1 ]; then
		# scripts/guest-init mounts every v1 controller.
		[ -e /sys/fs/cgroup/devices/devices.allow ]
	else
		# The v2 device filter is a BPF_PROG_TYPE_CGROUP_DEVICE program,
		# which the kernel runs from this function (CGROUP_BPF).
		grep -q ' __cgroup_bpf_check_dev_permission$' /proc/kallsyms
	fi
}

check "user namespaces (/proc/self/setgroups)" test -e /proc/self/setgroups
check "user, pid, uts, ipc, net and mount namespaces" namespaces
check "seccomp filters" seccomp
check "POSIX message queues (mqueue)" grep -qw mqueue /proc/filesystems
check "overlayfs" grep -qw overlay /proc/filesystems
check "cgroup device control ($MEMCTL_CGROUP)" device_control
check "keyrings" test -e /proc/keys
exit $status
