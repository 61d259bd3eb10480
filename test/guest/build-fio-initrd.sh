#!/usr/bin/env bash
# Makes the test guest's initramfs with Debian's fio in it, for fio-style mixed random I/O with several
# requests in flight (bench figure 1's fio row, test/guest/vhost-blk-fio.test.ts):
#
#   build-fio-initrd.sh BASE_INITRD   ->   prints initrd=<path>
#
# The host's /usr/bin/fio (apt-get install fio) and every shared library it loads (its ldd closure, ~80 MiB:
# Debian builds fio with the ceph, gluster and rdma engines) go into a second cpio archive, appended to the
# base initramfs of build-guest.sh: the kernel unpacks concatenated archives in order. Cached beside the base
# (${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/guest/fio/), keyed by the base and the fio package; boots with
# it need `memory: 512` or more (the unpacked libraries live in the guest's RAM). Safe to run concurrently.
set -euo pipefail

die() {
  echo "build-fio-initrd: $*" >&2
  exit 1
}
base=${1:-}
[ -f "$base" ] || die "usage: build-fio-initrd.sh BASE_INITRD (the initrd build-guest.sh printed)"
fio_bin=/usr/bin/fio
[ -x "$fio_bin" ] || die "$fio_bin is missing: apt-get install fio (listed in .ci/run)"
command -v busybox >/dev/null || die "busybox is missing: apt-get install busybox-static"

cache="${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/guest/fio"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Every file the dynamic loader opens for fio: the libraries ldd resolves, and the loader itself.
mapfile -t libs < <(ldd "$fio_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u)
[ ${#libs[@]} -gt 0 ] || die "ldd found no libraries for $fio_bin"
for lib in "${libs[@]}"; do [ -e "$lib" ] || die "ldd names $lib, which does not exist (reinstall fio)"; done
key=$( (sha256sum "$base" "$fio_bin" "${BASH_SOURCE[0]}" | cut -d' ' -f1; printf '%s\n' "${libs[@]}") | sha256sum | cut -c1-16)
initrd="$cache/initrd-$key.img"
if [ ! -f "$initrd" ]; then
  staging=$(mktemp -d "$cache/.staging.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  install -D -m 0755 "$fio_bin" "$staging/usr/bin/fio"
  for lib in "${libs[@]}"; do
    # The path the loader asks for, holding the file's real bytes (no symlinks to resolve in the guest).
    install -D -m 0755 "$(readlink -f "$lib")" "$staging$lib"
  done
  (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort |
    busybox cpio -o -H newc -R 0:0 --ignore-devno --renumber-inodes 2>/dev/null) | gzip -1n >"$staging/fio.cpio.gz"
  cat "$base" "$staging/fio.cpio.gz" >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  for old in "$cache"/initrd-*.img; do
    [ "$old" = "$initrd" ] || rm -f "$old"
  done
fi
echo "initrd=$initrd"
