#!/bin/sh
# /init of the Virtio Debug test guest (busybox ash; packed into the initramfs by build-guest.sh).
#
# Loads the virtio modules, runs the steps named on the kernel command line, prints one machine-readable
# line per step on the serial console, then powers off:
#
#   vdtest=STEP[,STEP...]      STEP = NAME[:ARG[:ARG...]]      e.g. vdtest=blk-info,blk-md5,net-ping:10.0.2.2:5
#
#   VDTEST boot ok kernel=6.1.0-.. steps=N          first line of every boot
#   VDTEST modules ok loaded=9                      or: fail failed=virtio_net,...
#   VDTEST <step> ok|fail key=value ... ms=N        one per step; values with spaces are "quoted"
#   VDTEST done                                     after the last step, before poweroff / reboot
#
# Steps (defaults in brackets):
#   blk-info[:DEV=vda]                 bytes, sectors, ro, logical_block, queues, serial, discard/write-zeroes limits
#   blk-md5[:DEV=vda]                  md5 of the whole disk
#   blk-read-md5:OFFSET:LEN[:DEV]      md5 of LEN bytes at byte OFFSET (O_DIRECT when 512-aligned)
#   blk-write-pattern[:OFFSET=4096[:LEN=4096[:DEV]]]
#                                      writes the pattern (16-byte records "%015x\n" of each record's own disk
#                                      offset), syncs, drops caches, reads it back; ok when the md5s match
#   blk-write-ro[:DEV]                 rewrites sector 0 with its own contents; ok when the write is refused
#   blk-dd:read|write:BS:TOTAL[:DEV]   direct-I/O dd of TOTAL bytes in BS blocks: seconds (dd's own) and wall_ms
#   blk-fio:RW:BS:DEPTH:TOTAL[:DEV]    fio (libaio, direct, DEPTH requests in flight) over the first TOTAL bytes,
#                                      each block once in random order; RW = randread | randwrite | randrw (70 %
#                                      reads) | verify (random writes, then every block read back and checked
#                                      with crc32c); KiB, IOPS and ms per direction. Needs the initramfs of
#                                      build-fio-initrd.sh
#   net-up[:ADDR/PREFIX=10.0.2.15/24[:DEV=eth0]]   link up + static address; mac, mtu, carrier, queues
#   net-ping[:HOST=10.0.2.2[:COUNT=3]] brings eth0 up if needed; ok when every echo is answered
#   rng-read[:BS=64[:COUNT=16]]       dd if=/dev/hwrng bs=BS count=COUNT: bytes read, the hwrng in use, the bytes as hex
#   sync | sleep:SECONDS | dmesg (kernel log as "VDLOG ..." lines)
#   poweroff | reboot                  end the run (after "VDTEST done"); without either, poweroff
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

say() { echo "VDTEST $*"; }

# A value safe for one key=value token: quoted, no quotes or newlines inside, bounded length.
q() { printf '"%s"' "$(printf '%s' "$*" | tr -d '"\r' | tr '\n' ' ' | cut -c1-160)"; }

# Milliseconds since boot (from /proc/uptime's centiseconds).
now_ms() {
  read -r up _ </proc/uptime
  echo $(( ${up%.*} * 1000 + 1${up#*.} * 10 - 1000 ))
}

is_uint() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# Waits up to 5 s for a block device node (devtmpfs creates it asynchronously).
wait_blk() {
  i=0
  while [ ! -b "/dev/$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -b "/dev/$1" ]
}

wait_netdev() {
  i=0
  while [ ! -d "/sys/class/net/$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -d "/sys/class/net/$1" ]
}

sysval() { [ -r "$1" ] && tr -d ' \n' <"$1" || echo "-"; }

# pattern OFFSET LEN: LEN bytes of 16-byte records, each the zero-padded hex of its own disk offset + "\n".
pattern() {
  awk -v o="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i += 16) printf "%015x\n", o + i }'
}

step_blk_info() {
  dev=${1:-vda}
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  bytes=$(blockdev --getsize64 "/dev/$dev") || { echo "fail dev=$dev error=$(q getsize64)"; return; }
  queues=$(ls "/sys/block/$dev/mq" 2>/dev/null | wc -l)
  serial=$(cat "/sys/block/$dev/serial" 2>/dev/null | tr -cd 'A-Za-z0-9._-')
  echo "ok dev=$dev bytes=$bytes sectors=$((bytes / 512)) ro=$(blockdev --getro "/dev/$dev")" \
    "logical_block=$(blockdev --getss "/dev/$dev") queues=$queues serial=${serial:--}" \
    "discard_max=$(sysval "/sys/block/$dev/queue/discard_max_bytes")" \
    "write_zeroes_max=$(sysval "/sys/block/$dev/queue/write_zeroes_max_bytes")" \
    "write_cache=$(sysval "/sys/block/$dev/queue/write_cache")"
}

step_blk_md5() {
  dev=${1:-vda}
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  sum=$(md5sum </dev/"$dev" 2>/tmp/err) || { echo "fail dev=$dev error=$(q "$(cat /tmp/err)")"; return; }
  echo "ok dev=$dev md5=${sum%% *}"
}

# read_md5 DEV OFFSET LEN
read_md5() {
  direct=
  [ $(($2 % 512)) -eq 0 ] && [ $(($3 % 512)) -eq 0 ] && direct=,direct
  dd if="/dev/$1" bs="$3" count=1 skip="$2" iflag=skip_bytes,fullblock$direct 2>/tmp/err | md5sum | cut -d' ' -f1
}

step_blk_read_md5() {
  off=$1 len=$2 dev=${3:-vda}
  is_uint "$off" && is_uint "$len" && [ "$len" -gt 0 ] || { echo "fail error=usage:blk-read-md5:OFFSET:LEN[:DEV]"; return; }
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  sum=$(read_md5 "$dev" "$off" "$len")
  [ -s /tmp/err ] && grep -qv records /tmp/err && { echo "fail dev=$dev error=$(q "$(cat /tmp/err)")"; return; }
  echo "ok dev=$dev offset=$off len=$len md5=$sum"
}

step_blk_write_pattern() {
  off=${1:-4096} len=${2:-4096} dev=${3:-vda}
  is_uint "$off" && is_uint "$len" && [ "$len" -gt 0 ] && [ $((len % 16)) -eq 0 ] ||
    { echo "fail error=usage:blk-write-pattern:OFFSET:LEN(multiple-of-16)[:DEV]"; return; }
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  want=$(pattern "$off" "$len" | md5sum | cut -d' ' -f1)
  direct=
  [ $((off % 512)) -eq 0 ] && [ $((len % 512)) -eq 0 ] && direct=,direct
  if ! pattern "$off" "$len" | dd of="/dev/$dev" bs="$len" count=1 seek="$off" iflag=fullblock \
    oflag=seek_bytes$direct conv=notrunc,fsync 2>/tmp/err; then
    echo "fail dev=$dev offset=$off len=$len md5=$want error=$(q "$(grep -v records /tmp/err)")"
    return
  fi
  sync
  blockdev --flushbufs "/dev/$dev"
  echo 3 >/proc/sys/vm/drop_caches
  got=$(read_md5 "$dev" "$off" "$len")
  if [ "$got" = "$want" ]; then status=ok; else status=fail; fi
  echo "$status dev=$dev offset=$off len=$len md5=$want readback=$got"
}

step_blk_write_ro() {
  dev=${1:-vda}
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  ro=$(blockdev --getro "/dev/$dev")
  dd if="/dev/$dev" of=/tmp/sector0 bs=512 count=1 2>/dev/null
  if dd if=/tmp/sector0 of="/dev/$dev" bs=512 count=1 oflag=direct conv=notrunc,fsync 2>/tmp/err; then
    echo "fail dev=$dev ro=$ro result=written"
  else
    echo "ok dev=$dev ro=$ro result=refused error=$(q "$(grep -v records /tmp/err)")"
  fi
}

net_up() {
  addr=$1 dev=$2
  wait_netdev "$dev" || { echo "fail dev=$dev error=no-device"; return 1; }
  ip link set "$dev" up 2>/tmp/err || { echo "fail dev=$dev error=$(q "$(cat /tmp/err)")"; return 1; }
  ip -4 addr show dev "$dev" | grep -q "inet ${addr%/*}/" || ip addr add "$addr" dev "$dev" 2>/tmp/err ||
    { echo "fail dev=$dev error=$(q "$(cat /tmp/err)")"; return 1; }
  i=0
  while [ "$(cat "/sys/class/net/$dev/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  return 0
}

step_net_up() {
  addr=${1:-10.0.2.15/24} dev=${2:-eth0}
  net_up "$addr" "$dev" || return
  echo "ok dev=$dev addr=$addr mac=$(sysval "/sys/class/net/$dev/address") mtu=$(sysval "/sys/class/net/$dev/mtu")" \
    "carrier=$(sysval "/sys/class/net/$dev/carrier") queues=$(ls -d /sys/class/net/"$dev"/queues/rx-* 2>/dev/null | wc -l)"
}

step_net_ping() {
  host=${1:-10.0.2.2} count=${2:-3}
  is_uint "$count" && [ "$count" -gt 0 ] || { echo "fail error=usage:net-ping:HOST:COUNT"; return; }
  ip -4 addr show dev eth0 2>/dev/null | grep -q inet || net_up 10.0.2.15/24 eth0 >/tmp/up || { cat /tmp/up; return; }
  out=$(ping -c "$count" -i 0.2 -W 2 -w $((count + 10)) "$host" 2>&1)
  sent=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
  received=$(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
  [ "${received:-0}" -eq "$count" ] && status=ok || status=fail
  echo "$status host=$host sent=${sent:-0} received=${received:-0}"
}

# blk-dd:read|write:BS:TOTAL[:DEV] — direct I/O throughput (dd iflag/oflag=direct) over the first TOTAL bytes.
step_blk_dd() {
  op=$1 bs=$2 total=$3 dev=${4:-vda}
  is_uint "$bs" && is_uint "$total" && [ "$bs" -gt 0 ] && [ "$total" -ge "$bs" ] || { echo "fail error=usage:blk-dd:read|write:BS:TOTAL[:DEV]"; return; }
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  count=$((total / bs))
  start=$(now_ms)
  case "$op" in
    read) dd if="/dev/$dev" of=/dev/null bs="$bs" count="$count" iflag=direct 2>/tmp/err ;;
    write) dd if=/dev/zero of="/dev/$dev" bs="$bs" count="$count" oflag=direct conv=notrunc 2>/tmp/err ;;
    *) echo "fail error=usage:blk-dd:read|write:BS:TOTAL[:DEV]"; return ;;
  esac || { echo "fail dev=$dev error=$(q "$(cat /tmp/err)")"; return; }
  ms=$(($(now_ms) - start))
  # busybox dd: "N bytes (..) copied, S seconds, R/s" — finer than /proc/uptime's 10 ms.
  seconds=$(sed -n 's/.*copied, \([0-9.]*\) seconds.*/\1/p' /tmp/err)
  echo "ok dev=$dev op=$op bs=$bs bytes=$((count * bs)) seconds=${seconds:-?} wall_ms=$ms"
}

# blk-fio:RW:BS:DEPTH:TOTAL[:DEV] — several requests in flight (the queue's real concurrency), unlike dd.
step_blk_fio() {
  rw=$1 bs=$2 depth=$3 total=$4 dev=${5:-vda}
  usage="fail error=usage:blk-fio:randread|randwrite|randrw|verify:BS:DEPTH:TOTAL[:DEV]"
  is_uint "$bs" && is_uint "$depth" && is_uint "$total" && [ "$bs" -gt 0 ] && [ "$depth" -gt 0 ] && [ "$total" -ge "$bs" ] || { echo "$usage"; return; }
  case "$rw" in
    randread | randwrite) mode="--rw=$rw" ;;
    randrw) mode="--rw=randrw --rwmixread=70" ;;
    verify) mode="--rw=randwrite --verify=crc32c --verify_fatal=1" ;;
    *) echo "$usage"; return ;;
  esac
  [ -x /usr/bin/fio ] || { echo "fail error=no-fio-in-initramfs(build-fio-initrd.sh)"; return; }
  wait_blk "$dev" || { echo "fail dev=$dev error=no-device"; return; }
  # --thread: no SysV shared memory in this guest. --minimal: one ';'-separated line (terse format 3).
  # shellcheck disable=SC2086
  if ! /usr/bin/fio --name=vd --filename="/dev/$dev" --direct=1 --ioengine=libaio --thread $mode --bs="$bs" \
    --iodepth="$depth" --size="$total" --minimal >/tmp/fio.out 2>/tmp/err; then
    echo "fail dev=$dev error=$(q "$(cat /tmp/err /tmp/fio.out)")"
    return
  fi
  # Terse v3: 5 error, 6-9 read KiB/bw/IOPS/runtime ms, 47-50 the same for writes.
  awk -F';' -v dev="$dev" -v rw="$rw" -v bs="$bs" -v depth="$depth" 'NF >= 50 && $1 == 3 {
    printf "%s dev=%s op=%s bs=%s depth=%s error=%s read_kib=%s read_iops=%s read_ms=%s write_kib=%s write_iops=%s write_ms=%s\n",
      ($5 == 0 ? "ok" : "fail"), dev, rw, bs, depth, $5, $6, $8, $9, $47, $49, $50; found = 1 }
    END { if (!found) print "fail error=no-terse-line" }' /tmp/fio.out
}

step_rng_read() {
  bs=${1:-64} count=${2:-16}
  is_uint "$bs" && is_uint "$count" || { echo "fail error=usage:rng-read[:BS[:COUNT]]"; return; }
  i=0
  while [ ! -c /dev/hwrng ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -c /dev/hwrng ] || { echo "fail error=no-hwrng"; return; }
  current=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null | tr -cd 'A-Za-z0-9._-')
  dd if=/dev/hwrng of=/tmp/rng bs="$bs" count="$count" 2>/tmp/err || { echo "fail current=${current:--} error=$(q "$(cat /tmp/err)")"; return; }
  bytes=$(wc -c </tmp/rng)
  echo "ok bytes=$bytes current=${current:--} hex=$(od -An -tx1 -v /tmp/rng | tr -d ' \n')"
}

step_dmesg() {
  dmesg | sed 's/^/VDLOG /'
  echo "ok lines=$(dmesg | wc -l)"
}

# run_step NAME ARGS...: prints "VDTEST NAME <status> ... ms=N"
run_step() {
  name=$1
  shift
  start=$(now_ms)
  case "$name" in
    blk-info) out=$(step_blk_info "$@") ;;
    blk-md5) out=$(step_blk_md5 "$@") ;;
    blk-read-md5) out=$(step_blk_read_md5 "$@") ;;
    blk-write-pattern) out=$(step_blk_write_pattern "$@") ;;
    blk-write-ro) out=$(step_blk_write_ro "$@") ;;
    blk-dd) out=$(step_blk_dd "$@") ;;
    blk-fio) out=$(step_blk_fio "$@") ;;
    net-up) out=$(step_net_up "$@") ;;
    net-ping) out=$(step_net_ping "$@") ;;
    rng-read) out=$(step_rng_read "$@") ;;
    sync) sync && out=ok ;;
    sleep) sleep "${1:-1}" && out="ok seconds=${1:-1}" || out="fail error=usage:sleep:SECONDS" ;;
    dmesg) out=$(step_dmesg) ;;
    *) out="fail error=unknown-step" ;;
  esac
  # A step prints its VDLOG lines first and its result last.
  echo "$out" | grep '^VDLOG ' || true
  result=$(echo "$out" | grep -v '^VDLOG ' | tail -n 1)
  say "$name ${result:-fail error=no-result} ms=$(($(now_ms) - start))"
}

steps=
for word in $(cat /proc/cmdline); do
  case "$word" in vdtest=*) steps=${word#vdtest=} ;; esac
done
ifs=$IFS
IFS=,
set -- $steps
IFS=$ifs
say "boot ok kernel=$(uname -r) steps=$# ms=$(now_ms)"

loaded=0
failed=
while read -r mod; do
  [ -n "$mod" ] || continue
  if insmod "/lib/modules/$mod.ko" 2>/tmp/err; then loaded=$((loaded + 1)); else failed="$failed${failed:+,}$mod"; fi
done </lib/modules/modules.load
if [ -z "$failed" ]; then say "modules ok loaded=$loaded"; else say "modules fail loaded=$loaded failed=$failed"; fi

final=poweroff
for step in "$@"; do
  IFS=:
  set -- $step
  IFS=$ifs
  case "$1" in
    poweroff | reboot)
      final=$1
      say "$1 ok"
      break
      ;;
  esac
  run_step "$@"
done
say done
sync
if [ "$final" = reboot ]; then reboot -f; else poweroff -f; fi
# PID 1 must not exit (that panics the kernel) while the reset takes effect.
while :; do sleep 1; done
