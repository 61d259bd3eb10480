#!/usr/bin/env bash
# Fetches a second QEMU for the guest tests — QEMU 10.0 from Debian's bookworm-backports — without
# installing it: QEMU 7.2 (the machine's, from bookworm) and 10.0 cannot be installed side by side. A private
# apt state (its own sources list, lists and cache, under the cache folder) downloads the three packages,
# and dpkg-deb extracts them; the extracted binary runs on the libraries QEMU 7.2 installed.
#
#   ${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/qemu-10/root/usr/bin/qemu-system-x86_64
#   (firmware: -L <root>/usr/share/qemu)
#
# Prints the root folder on stdout; progress and errors on stderr. Idempotent; concurrent runs wait (flock).
set -euo pipefail

cache="${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/qemu-10"
root="$cache/root"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -x "$root/usr/bin/qemu-system-x86_64" ] && [ -f "$root/.complete" ]; then
  echo "$root"
  exit 0
fi

started=$SECONDS
echo "fetch-qemu: downloading QEMU 10 from bookworm-backports into $cache" >&2
apt_dir="$cache/apt"
rm -rf "$apt_dir" "$cache/debs" "$root"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs" "$root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1"
)
apt-get "${apt_opts[@]}" -qq update >&2
cd "$cache/debs"
apt-get "${apt_opts[@]}" -qq download qemu-system-x86 qemu-system-common qemu-system-data >&2
for deb in ./*.deb; do dpkg-deb -x "$deb" "$root"; done
version=$("$root/usr/bin/qemu-system-x86_64" --version | head -n 1)
case "$version" in
  *"version 10."*) ;;
  *) echo "fetch-qemu: expected QEMU 10, got: $version" >&2; exit 1 ;;
esac
touch "$root/.complete"
rm -rf "$apt_dir/cache"
echo "fetch-qemu: $version in $((SECONDS - started)) s" >&2
echo "$root"
