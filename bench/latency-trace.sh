#!/usr/bin/env bash
# Where a round trip goes: two WOW nodes (secure, static tunnel) in two namespaces joined by one
# veth pair, each run with the data plane's packet trace on (-Dwow.trace, PacketTrace); after a
# warm-up, COUNT pings at INTERVAL s from a to b; then the two traces, stamped with the host's
# monotonic clock, are merged on one time line and every ping is followed through both nodes:
# a's poll wake-up, TAP read, seal, send; b's wake-up, socket read, open, TAP write; the reply's
# TAP read, seal and send at b; a's wake-up, socket read, open, TAP write. Prints the median and
# 90th percentile of each stage in microseconds. Only addresses inside the namespaces it creates
# are used; everything it starts is removed on exit.
#
# usage: sudo bench/latency-trace.sh          env: COUNT (default 300), INTERVAL (default 0.01),
#                                                  WOW_ARGS (extra node options, e.g. --insecure)
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
WOW="$(dirname "$HERE")/tools/wow"
COUNT=${COUNT:-300}
INTERVAL=${INTERVAL:-0.01}
die() { echo "latency-trace: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ping >/dev/null || die "needs ping (apt-get install iputils-ping)"
"$WOW" --help >/dev/null 2>&1 || die "cannot build or run tools/wow"

ID=$$ NSA="wowlt-a-$$" NSB="wowlt-b-$$" UA=192.168.249.1 UB=192.168.249.2
WORK=$(mktemp -d /tmp/wow-latency.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NSA" && ip netns add "$NSB" || die "cannot create namespaces"
ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
ip link add lta netns "$NSA" type veth peer name ltb netns "$NSB"
ip -n "$NSA" addr add $UA/24 dev lta; ip -n "$NSA" link set lta up
ip -n "$NSB" addr add $UB/24 dev ltb; ip -n "$NSB" link set ltb up
"$WOW" ca init --dir "$WORK/ca" --name latency --subnet 10.249.2.0/24 >/dev/null &&
  "$WOW" ca sign --dir "$WORK/ca" --name a --ip 10.249.2.1/24 --out "$WORK/a.bundle" >/dev/null &&
  "$WOW" ca sign --dir "$WORK/ca" --name b --ip 10.249.2.2/24 --out "$WORK/b.bundle" >/dev/null || die "cannot make certificates"
node() { # node NAME NS UNDERLAY IP PEER_IP PEER_UNDERLAY
  local creds=(--cert "$WORK/$1.bundle")
  case " ${WOW_ARGS:-} " in *" --insecure "*) creds=();; esac
  WOW_JAVA_OPTS="-Dwow.trace=$WORK/$1.csv" ip netns exec "$2" "$WOW" node --listen "$3:51820" --ip "$4/24" \
    --peer "$5=$6:51820" "${creds[@]}" --queues 1 --state-dir "$WORK/$1" ${WOW_ARGS:-} >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}
node a "$NSA" $UA 10.249.2.1 10.249.2.2 $UB
node b "$NSB" $UB 10.249.2.2 10.249.2.1 $UA
ok=0
for _ in $(seq 1 100); do ip netns exec "$NSA" ping -c1 -W1 -q 10.249.2.2 >/dev/null 2>&1 && { ok=1; break; }; sleep 0.1; done
[ $ok = 1 ] || { cat "$WORK"/*.log >&2; die "b unreachable"; }
ip netns exec "$NSA" ping -q -c 2000 -i 0.002 10.249.2.2 >/dev/null # warm-up: the JIT compiles the path
sleep 1 # a gap that tells the measured pings from the warm-up in the traces
rtt=$(ip netns exec "$NSA" ping -q -c "$COUNT" -i "$INTERVAL" 10.249.2.2 | awk -F'[/ =]+' '/^rtt/{print $7}')
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
PIDS=()
[ -s "$WORK/a.csv" ] && [ -s "$WORK/b.csv" ] || die "no trace written (see $WORK/*.log)"

{ sed 1d "$WORK/a.csv" | sed 's/^/a,/'; sed 1d "$WORK/b.csv" | sed 's/^/b,/'; } | sort -t, -k2,2n |
awk -F, '
  BEGIN {
    n = split("a:sealed a:sent b:wake b:udp_read b:opened b:tap_written b:tap_read b:sealed b:sent a:wake a:udp_read a:opened a:tap_written", want, " ")
    optional["a:sealed"] = optional["b:sealed"] = optional["a:opened"] = optional["b:opened"] = 1  # not on --insecure nodes
    optional["a:wake"] = optional["b:wake"] = 1                                                    # a thread still awake
    optional["a:sent"] = optional["b:sent"] = 1  # the peer woke and logged first, inside the sender'"'"'s sendmmsg
  }
  {
    key = $1 ":" $3; t = $2
    if (key == "a:wake") wakeA = t
    if (key == "a:tap_read" && $4 == 1) {                                                                     # a request
      if (t - last > 700000000) epoch++
      last = t; k = 1; T[0] = t; W = (t - wakeA < 1000000) ? t - wakeA : -1; next
    }
    if (k == 0) next
    if (key != want[k] && optional[want[k]] && key == want[k + 1]) { T[k] = t; k++ }                          # skipped
    if (key != want[k]) next
    T[k] = t; k++
    if (k > n) {
      if (W >= 0) print 0, W / 1000, epoch
      for (j = 1; j <= n; j++) print j, (T[j] - T[j - 1]) / 1000, epoch
      print 14, (T[n] - T[0]) / 1000, epoch
      k = 0
    }
  }' | sort -k3,3n -k1,1n -k2,2g | awk -v rtt="$rtt" -v count="$COUNT" -v interval="$INTERVAL" '
  BEGIN {
    split("a: wake from poll -> TAP read|a: TAP read -> sealed|a: sealed -> sent|wire, then b wakes from poll|b: wake -> socket read|b: socket read -> opened|b: opened -> TAP written|b: kernel answers -> TAP read|b: TAP read -> sealed|b: sealed -> sent|wire, then a wakes from poll|a: wake -> socket read|a: socket read -> opened|a: opened -> TAP written|a: TAP read -> TAP written (the whole trip but a'"'"'s kernel and ping)", label, "|")
  }
  { if ($3 > epoch) { epoch = $3; delete c } }  # only the pings after the warm-up
  $3 == epoch { c[$1]++; v[$1, c[$1]] = $2 }
  END {
    if (c[14] == 0) { print "latency-trace: no round trip followed through both traces" > "/dev/stderr"; exit 1 }
    printf "%d pings every %s s: ping RTT avg %s ms; %d followed through both nodes\n\n", count, interval, rtt, c[14]
    print "| stage | median us | p90 us | p99 us |"; print "|---|---|---|---|"
    for (i = 0; i <= 14; i++) if (c[i] > 0)
      printf "| %s | %.1f | %.1f | %.1f |\n", label[i + 1], v[i, int((c[i] - 1) * 0.5) + 1], v[i, int((c[i] - 1) * 0.9) + 1], v[i, int((c[i] - 1) * 0.99) + 1]
  }'
