#!/usr/bin/env bash
# Builds the Linux test guest: a Debian cloud kernel and a busybox initramfs whose /init (init.sh) loads the
# virtio modules and runs the steps named on the kernel command line. Cached outside the repository:
#
#   ${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/guest/
#     kernel-<release>_<package version>_m<hash of wanted_modules>/   vmlinuz, the virtio modules (dependency order in modules.load)
#     kernel-.../initrd-<hash>.img          hash of init.sh, busybox and this script: rebuilt when they change
#
# The kernel comes from the package that linux-image-cloud-amd64 depends on (apt-get download + dpkg-deb -x;
# nothing is installed, nothing goes to /boot), so a new kernel package means one new build. Idempotent and
# safe to run concurrently (flock). Prints, on stdout only:
#   kernel=/path/vmlinuz
#   initrd=/path/initrd-<hash>.img
#   release=6.1.0-..-cloud-amd64
# Needs: apt-get, dpkg-deb, busybox (from busybox-static), gzip, flock. VIRTIO_DEBUG_KERNEL_PKG overrides the
# kernel package (a meta package such as linux-image-cloud-amd64, or a versioned linux-image-<release>).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/guest"
meta_pkg="${VIRTIO_DEBUG_KERNEL_PKG:-linux-image-cloud-amd64}"
# The guest's virtio drivers (every one is a module in Debian's cloud kernel); dependencies are added.
# virtio_rng (virtio-rng.ko, CONFIG_HW_RANDOM_VIRTIO=m) feeds /dev/hwrng; rng-core is built in (CONFIG_HW_RANDOM=y).
wanted_modules=(virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_blk virtio_net
  failover net_failover virtio_rng)
# The kernel folder's name carries the module list: a kernel cached with fewer modules is prepared again.
modules_key=$(printf '%s\n' "${wanted_modules[@]}" | sha256sum | cut -c1-8)

die() {
  echo "build-guest: $*" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing ($2)"; }

need apt-get 'a Debian system is needed for the guest kernel'
need dpkg-deb 'package dpkg'
need busybox 'apt-get install busybox-static'
need gzip 'apt-get install gzip'
need flock 'apt-get install util-linux'
busybox_bin=$(command -v busybox)
# The initramfs has no libc: its busybox must be the static one.
if ldd "$busybox_bin" >/dev/null 2>&1; then die "$busybox_bin is dynamically linked: apt-get install busybox-static"; fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# --- 1. Which kernel: the versioned package behind the meta package, and its version (the cache key). ---
# apt-cache takes seconds here (no pkgcache.bin), so the answer is kept until the apt lists change.
lists_state=$( (echo "$meta_pkg"; stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* /etc/apt/sources.list \
  /etc/apt/sources.list.d/* /etc/apt/preferences.d/* 2>/dev/null || true) | sha256sum | cut -c1-16)
kpkg= kver=
if [ -f "$cache/.resolved" ] && [ "$(head -n 1 "$cache/.resolved")" = "$lists_state" ]; then
  { read -r _; read -r kpkg; read -r kver; } <"$cache/.resolved"
else
  show=$(apt-cache show --no-all-versions "$meta_pkg" 2>/dev/null) || true
  if [ -z "$show" ] && [ "$(id -u)" -eq 0 ]; then
    # A fresh machine whose packages were preinstalled may have empty apt lists.
    apt-get update -qq >/dev/null 2>&1 || true
    show=$(apt-cache show --no-all-versions "$meta_pkg" 2>/dev/null) || true
  fi
  if [[ $meta_pkg =~ ^linux-image-[0-9] ]]; then
    kpkg=$meta_pkg
    kver=$(awk '$1 == "Version:" { print $2; exit }' <<<"$show")
  else
    # "Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)"
    read -r kpkg kver < <(awk '$1 == "Depends:" { for (i = 2; i <= NF; i++) if ($i ~ /^linux-image-[0-9]/) {
      v = ($(i + 1) == "(=") ? $(i + 2) : ""; sub(/[),]+$/, "", v); print $i, v; exit } }' <<<"$show") || true
    if [ -n "$kpkg" ] && [ -z "$kver" ]; then
      kver=$(apt-cache show --no-all-versions "$kpkg" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }') || true
    fi
  fi
  [ -z "$kver" ] || printf '%s\n%s\n%s\n' "$lists_state" "$kpkg" "$kver" >"$cache/.resolved"
fi
if [ -n "$kver" ]; then
  kernel_dir="$cache/kernel-${kpkg#linux-image-}_${kver}_m${modules_key}"
else
  # No apt lists (offline, or apt-get update never ran): reuse the newest cached kernel if there is one.
  kernel_dir=$(ls -d "$cache"/kernel-*_m"${modules_key}"/ 2>/dev/null | sort -V | tail -n 1 | sed 's:/$::') || true
  [ -n "$kernel_dir" ] || die "cannot resolve $meta_pkg (run apt-get update) and no kernel is cached in $cache"
  echo "build-guest: apt cannot resolve $meta_pkg; using the cached ${kernel_dir##*/}" >&2
fi

# --- 2. The kernel and its virtio modules, once per kernel package version. ---
# resolve_modules ROOT RELEASE: sets `ordered` to the module paths (relative to lib/modules/RELEASE) of
# wanted_modules and everything they depend on (modules.dep), dependencies first.
ordered=()
resolve_modules() {
  local moddir="$1/lib/modules/$2" line mod name
  declare -A dep_of=() path_of=() seen=()
  while IFS= read -r line; do
    mod=${line%%:*}
    name=${mod##*/}
    name=${name%%.ko*}
    path_of[${name//-/_}]=$mod
    dep_of[$mod]=${line#*:}
  done <"$moddir/modules.dep"
  visit() {
    local m=$1 d
    [ -z "${seen[$m]:-}" ] || return 0
    seen[$m]=1
    for d in ${dep_of[$m]}; do visit "$d"; done
    ordered+=("$m")
  }
  for name in "${wanted_modules[@]}"; do
    [ -n "${path_of[$name]:-}" ] || die "module $name is not in $kpkg"
    visit "${path_of[$name]}"
  done
}

temp_dirs=()
cleanup() { [ ${#temp_dirs[@]} -eq 0 ] || rm -rf "${temp_dirs[@]}"; }
trap cleanup EXIT

# decompress SRC DEST: modules may be .ko, .ko.xz, .ko.zst or .ko.gz depending on the Debian release.
decompress() {
  case "$1" in
    *.ko) cp "$1" "$2" ;;
    *.ko.xz) if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else busybox xz -dc "$1" >"$2"; fi ;;
    *.ko.gz) gzip -dc "$1" >"$2" ;;
    *.ko.zst) command -v zstd >/dev/null || die "zstd is needed for $1 (apt-get install zstd)"; zstd -q -dc "$1" >"$2" ;;
    *) die "unknown module format: $1" ;;
  esac
}

if [ ! -f "$kernel_dir/.complete" ]; then
  [ -n "$kver" ] || die "the cached kernel $kernel_dir is incomplete and apt cannot download it"
  echo "build-guest: preparing kernel $kpkg $kver" >&2
  work=$(mktemp -d "$cache/.work.XXXXXX")
  temp_dirs+=("$work")
  sandbox=()
  [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root) # root: no _apt sandbox warning
  (cd "$work" && apt-get download -q=2 "${sandbox[@]}" "$kpkg=$kver" >/dev/null) || die "apt-get download $kpkg=$kver failed"
  dpkg-deb -x "$work"/*.deb "$work/root"
  release=$(ls "$work/root/lib/modules")
  [ -f "$work/root/lib/modules/$release/modules.dep" ] || busybox depmod -b "$work/root" "$release"
  out="$work/out"
  mkdir -p "$out/modules"
  cp "$work/root/boot/vmlinuz-$release" "$out/vmlinuz"
  echo "$release" >"$out/release"
  : >"$out/modules/modules.load"
  resolve_modules "$work/root" "$release"
  for rel in "${ordered[@]}"; do
    name=${rel##*/}
    name=${name%%.ko*}
    decompress "$work/root/lib/modules/$release/$rel" "$out/modules/$name.ko"
    echo "$name" >>"$out/modules/modules.load"
  done
  touch "$out/.complete"
  rm -rf "$kernel_dir"
  mv "$out" "$kernel_dir"
  # Older kernel builds are superseded.
  for old in "$cache"/kernel-*/; do
    [ "${old%/}" = "$kernel_dir" ] || rm -rf "$old"
  done
fi
release=$(cat "$kernel_dir/release")

# --- 3. The initramfs, rebuilt when init.sh, busybox or this script change. ---
key=$(cat "$here/init.sh" "$busybox_bin" "${BASH_SOURCE[0]}" "$kernel_dir/modules/modules.load" | sha256sum | cut -c1-16)
initrd="$kernel_dir/initrd-$key.img"
if [ ! -f "$initrd" ]; then
  staging=$(mktemp -d "$cache/.initrd.XXXXXX")
  temp_dirs+=("$staging")
  mkdir -p "$staging"/{bin,dev,proc,sys,tmp,lib/modules}
  cp "$busybox_bin" "$staging/bin/busybox"
  for applet in $(busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$staging/bin/$applet"
  done
  install -m 0755 "$here/init.sh" "$staging/init"
  cp "$kernel_dir"/modules/* "$staging/lib/modules/"
  # The kernel opens /dev/console before /init runs; without the node (mknod needs root) init reopens it
  # after mounting devtmpfs.
  mknod -m 600 "$staging/dev/console" c 5 1 2>/dev/null || true
  (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort |
    busybox cpio -o -H newc -R 0:0 --ignore-devno --renumber-inodes 2>/dev/null) | gzip -9n >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  for old in "$kernel_dir"/initrd-*.img; do
    [ "$old" = "$initrd" ] || rm -f "$old"
  done
fi

echo "kernel=$kernel_dir/vmlinuz"
echo "initrd=$initrd"
echo "release=$release"
