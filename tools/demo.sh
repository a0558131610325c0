#!/usr/bin/env bash
# wow demo: two network namespaces joined by a veth "underlay", a WOW node with a real
# multi-queue TAP in each, a static tunnel between them; then ping and a short iperf3 across
# the virtual subnet. Everything it creates (namespaces, links, processes) is removed on exit,
# on Ctrl-C and on failure.
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
WOW="$HERE/wow"

die() { echo "wow demo: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root to create network namespaces and TAP devices: run 'sudo tools/wow demo'"
[ -c /dev/net/tun ] || die "no /dev/net/tun: load the tun module (modprobe tun)"
command -v ip >/dev/null || die "needs iproute2 (apt-get install iproute2)"

# Build first so that the nodes start fast (the launcher builds on first use).
"$WOW" --help >/dev/null 2>&1 || { "$WOW" --help >/dev/null; die "build failed"; }

ID=$$
NSA="wowdemo-a-$ID" NSB="wowdemo-b-$ID"
UA=192.168.240.1 UB=192.168.240.2
VA=10.240.0.1 VB=10.240.0.2
PORT=51900
WORK=$(mktemp -d /tmp/wow-demo.XXXXXX)
PIDS=()

cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  ip netns del "$NSA" 2>/dev/null
  ip netns del "$NSB" 2>/dev/null
  rm -rf "$WORK"
  echo "wow demo: removed namespaces $NSA $NSB and every process it started"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== underlay: $NSA ($UA) <-veth-> $NSB ($UB)"
ip netns add "$NSA" && ip netns add "$NSB" || die "cannot create namespaces"
ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
ip link add wda netns "$NSA" type veth peer name wdb netns "$NSB" || die "cannot create veth pair"
ip -n "$NSA" addr add $UA/24 dev wda; ip -n "$NSA" link set wda up
ip -n "$NSB" addr add $UB/24 dev wdb; ip -n "$NSB" link set wdb up

echo "== starting a WOW node in each namespace (TAP wow0, 2 queues, static peers)"
ip netns exec "$NSA" "$WOW" node --listen $UA:$PORT --ip $VA/24 --peer $VB=$UB:$PORT --queues 2 \
  --state-dir "$WORK/a" >"$WORK/a.log" 2>&1 &
PIDS+=($!)
ip netns exec "$NSB" "$WOW" node --listen $UB:$PORT --ip $VB/24 --peer $VA=$UA:$PORT --queues 2 \
  --state-dir "$WORK/b" >"$WORK/b.log" 2>&1 &
PIDS+=($!)

up=0
for _ in $(seq 1 100); do
  if grep -q link_up "$WORK/a.log" && grep -q link_up "$WORK/b.log"; then up=1; break; fi
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { cat "$WORK"/*.log >&2; die "a node exited"; }; done
  sleep 0.1
done
[ $up = 1 ] || { cat "$WORK"/*.log >&2; die "the link did not come up within 10 s"; }
sed 's/^/  a| /' "$WORK/a.log"; sed 's/^/  b| /' "$WORK/b.log"

echo "== ping $VA -> $VB over WOW"
ip netns exec "$NSA" ping -c 5 -i 0.2 $VB || die "ping failed"

if command -v iperf3 >/dev/null; then
  echo "== iperf3 TCP $VA -> $VB, 3 s"
  ip netns exec "$NSB" iperf3 -s -1 -B $VB >/dev/null 2>&1 &
  PIDS+=($!)
  sleep 0.5
  ip netns exec "$NSA" iperf3 -c $VB -t 3 -f m | grep -E 'sender|receiver' || die "iperf3 failed"
else
  echo "== iperf3 not installed (apt-get install iperf3): skipping the throughput run"
fi

echo "== node A's counters file is $WORK/a/counters; Ctrl-C or wait 1 s to tear down"
sleep 1
