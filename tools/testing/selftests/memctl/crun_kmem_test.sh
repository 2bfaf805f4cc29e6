#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A real container runtime sets memctl's limit: Debian's crun writes
# memory.kmem.limit_in_bytes for an OCI "memory.kernel" limit on cgroup v1,
# and any "unified" key, here memory.kmem.max, on v2. A container whose
# shell forks until refused is contained by that limit: forks fail, nothing
# is OOM-killed, and the container is still there to be deleted.
#
# crun and the libraries it links are copied from the host into crun-root/
# by scripts/build-selftests, and from there into this guest's root file
# system (the guest is thrown away afterwards). The container's root file
# system is the guest's static busybox.
here=$(cd "$(dirname "$0")" && pwd) || exit 1
limit=$((16 * 1024 * 1024))
name=memctl-crun-test
bundle=/tmp/memctl-crun-bundle

echo "TAP version 13"
echo "1..4"
n=0 status=0
result() { # result OK NAME [COMMENT]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+: $3}"
		status=1
	fi
}

if [ "$MEMCTL_CGROUP" = v1 ]; then
	cg=/sys/fs/cgroup/memory/memctl_crun_test
	limit_file=memory.kmem.limit_in_bytes
	usage_file=memory.kmem.usage_in_bytes
	resources="\"memory\": { \"kernel\": $limit }"
	refusals() { cat "$cg/memory.kmem.failcnt"; }
	oom_kills() { sed -n 's/^oom_kill //p' "$cg/memory.oom_control"; }
else
	cg=/sys/fs/cgroup/memctl_crun_test
	limit_file=memory.kmem.max
	usage_file=memory.kmem.current
	resources="\"unified\": { \"memory.kmem.max\": \"$limit\" }"
	refusals() { sed -n 's/^max //p' "$cg/memory.kmem.events"; }
	oom_kills() { sed -n 's/^oom_kill //p' "$cg/memory.events"; }
fi

# The container's shell forks sleepers until a fork is refused (busybox sh
# gives up the subshell on the first failed fork), then says so and waits.
# shellcheck disable=SC2016 # expanded by the container's shell
bomb='(i=0; while [ $i -lt 5000 ]; do sleep 1000 & i=$((i + 1)); done);'
bomb="$bomb echo > /tmp/done; sleep 1000"

setup() {
	cp -a "$here/crun-root/." / || return 1
	mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" \
		"$bundle/rootfs/dev" "$bundle/rootfs/tmp" || return 1
	cp /bin/busybox "$bundle/rootfs/bin/" || return 1
	for tool in sh sleep cat; do
		ln -sf busybox "$bundle/rootfs/bin/$tool" || return 1
	done
	cat >"$bundle/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "/bin/sh", "-c", "$bomb" ],
		"env": [ "PATH=/bin" ],
		"cwd": "/",
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs" },
	"hostname": "memctl",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "mode=755" ] },
		{ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs" }
	],
	"linux": {
		"cgroupsPath": "/memctl_crun_test",
		"resources": { $resources },
		"namespaces": [
			{ "type": "pid" }, { "type": "ipc" }, { "type": "uts" },
			{ "type": "mount" }, { "type": "network" }
		]
	}
}
EOF
}

crun_cmd() { /usr/bin/crun --cgroup-manager=cgroupfs "$@"; }

# Wait up to 120 s for the container's shell to report the refused fork
# (in its own /tmp, seen through its root).
wait_refused() {
	tries=0
	while [ "$tries" -lt 240 ]; do
		pid=$(crun_cmd state "$name" 2>/dev/null |
			sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
		[ -n "$pid" ] && [ -f "/proc/$pid/root/tmp/done" ] && return 0
		tries=$((tries + 1))
		sleep 0.5
	done
	return 1
}

if ! setup; then
	result 1 "crun and a bundle are set up" "copying crun or writing the bundle failed"
	exit 1
fi
# The guest's root is the initramfs, which pivot_root(2) cannot leave.
if ! crun_cmd run -d --no-pivot --bundle "$bundle" "$name" >/tmp/crun.out 2>&1; then
	sed 's/^/# crun: /' /tmp/crun.out
	result 1 "crun starts a container with an OCI kmem limit"
	exit 1
fi
result 0 "crun starts a container with an OCI kmem limit"

set_to=$(cat "$cg/$limit_file" 2>/dev/null)
[ "$set_to" = "$limit" ]
result $? "crun wrote the container's $limit_file" "reads \"$set_to\", want $limit"

if wait_refused; then
	refused=$(refusals)
	usage=$(cat "$cg/$usage_file")
	tasks=$(wc -l <"$cg/cgroup.procs")
	ooms=$(oom_kills)
	echo "# $tasks tasks in the container, $refused refused charges, kmem usage $usage of $limit"
	[ "${refused:-0}" -gt 0 ] && [ "$usage" -le "$limit" ] &&
		[ "${ooms:-1}" = 0 ]
	result $? "the container's fork loop is stopped by its kmem limit" \
		"refused $refused, usage $usage, OOM kills $ooms"
else
	result 1 "the container's fork loop is stopped by its kmem limit" \
		"no refused fork within 120 s"
fi

crun_cmd kill "$name" KILL >/dev/null 2>&1
tries=0
until crun_cmd delete -f "$name" >/tmp/crun.out 2>&1 && [ ! -d "$cg" ]; do
	tries=$((tries + 1))
	[ "$tries" -lt 100 ] || break
	sleep 0.2
done
[ ! -d "$cg" ]
result $? "crun deletes the container and its group" "$(head -n 1 /tmp/crun.out)"
exit $status
