#!/bin/sh
# One container of a pod, run by the local kubelet (pod-sandbox.ts) the way a container runtime would: this
# script is PID 1 of fresh PID, mount, UTS and IPC namespaces and sits in the pod's own network namespace.
# It builds a root filesystem on a tmpfs (the host's /usr read-only as the image's system files, the
# "image" directories and the pod's volumes bind-mounted where the pod spec mounts them), then runs the
# container's command as the container's user with no capabilities and no_new_privs.
#   $1  the pod's directory (holds mounts, and network-ready once the veth pair is in place)
#   $2  uid   $3  gid   $4  hostname   then --  the command and its arguments
# mounts: one "source<TAB>target<TAB>ro|rw" line per bind mount; paths are checked by pod-sandbox.ts.
set -eu
pod=$1 uid=$2 gid=$3 name=$4
shift 4
[ "$1" = "--" ] && shift

# The kubelet plugs the network in after the namespaces exist; wait for it (at most 20 s).
i=0
while [ ! -e "$pod/network-ready" ]; do
  i=$((i + 1))
  [ "$i" -gt 400 ] && { echo "pod-sandbox: no network after 20 s" >&2; exit 1; }
  sleep 0.05
done

hostname "$name"
root="$pod/rootfs"
mkdir -p "$root"
mount -t tmpfs -o size=64m,mode=0755 rootfs "$root"
mkdir -p "$root/usr" "$root/etc" "$root/proc" "$root/dev" "$root/tmp" "$root/app"
for d in bin sbin lib lib64 lib32 libx32; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$root/$d"; elif [ -d "/$d" ]; then
    mkdir -p "$root/$d" && mount --rbind "/$d" "$root/$d" && mount -o remount,bind,ro "$root/$d"
  fi
done
mount --rbind /usr "$root/usr" && mount -o remount,bind,ro "$root/usr"
# No host /etc: only what a program's libraries read.
mkdir -p "$root/etc/ssl"
[ -d /etc/ssl ] && mount --bind /etc/ssl "$root/etc/ssl" && mount -o remount,bind,ro "$root/etc/ssl"
printf 'root:x:0:0::/root:/bin/sh\nnonroot:x:%s:%s::/home/nonroot:/bin/sh\n' "$uid" "$gid" >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' "$gid" >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
mount -t tmpfs -o size=16m,mode=1777 tmp "$root/tmp"
mount -t proc proc "$root/proc"
mount -t tmpfs -o size=1m,mode=0755 dev "$root/dev"
for d in null zero random urandom; do
  : >"$root/dev/$d" && mount --bind "/dev/$d" "$root/dev/$d"
done
chown "$uid:$gid" "$root/app"

tab=$(printf '\t')
while IFS="$tab" read -r src dst mode; do
  [ -n "$src" ] || continue
  if [ -d "$src" ]; then mkdir -p "$root$dst"; else mkdir -p "$root$(dirname "$dst")" && : >"$root$dst"; fi
  mount --bind "$src" "$root$dst"
  [ "$mode" = ro ] && mount -o remount,bind,ro "$root$dst"
done <"$pod/mounts"

# Not exec: this shell stays PID 1, as root, so it keeps the parent-death signal `unshare --kill-child` gave
# it (a change of user clears that setting). When the kubelet kills unshare, this shell gets SIGKILL, and the
# kernel takes every process of the PID namespace with it; when the command exits, so does the container.
chroot "$root" /usr/bin/setpriv --reuid="$uid" --regid="$gid" --clear-groups \
  --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@" &
wait $!
