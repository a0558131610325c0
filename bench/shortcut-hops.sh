#!/usr/bin/env bash
# Adaptive shortcuts on long overlay paths, measured in the multi-domain testbed (tools/testbed.sh):
#  1. a testbed large enough that some pairs are 3 or more overlay hops apart, every node first
#     without shortcuts (--shortcut-pps 0);
#  2. pairs found by pinging from a few hosts to every host they have no link to and reading
#     the receivers' routed_rx_hops_* counters (how many overlay hops routed packets took);
#  3. for each pair whose path has >= 3 hops: RTT and iperf3 TCP throughput over that path; then
#     both ends restarted with their identity and shortcuts on (--shortcut-pps 100), the path
#     checked again, and iperf3 from its first packet: time until the sender asked for the
#     shortcut and until its FIB sent over it, retransmits in the first second, throughput after
#     the switch; then RTT over the shortcut.
# Benchmarks only: prints numbers, asserts nothing. Needs root, nftables, iperf3, python3.
#
#   sudo bench/shortcut-hops.sh [--domains T,T,...] [--hosts N] [--pairs K] [--seconds S]
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(dirname "$HERE")
WOW="$ROOT/tools/wow"
TB="$ROOT/tools/testbed.sh"
domains="cone,restricted,cone,restricted,cone,restricted" hosts=4 pairs=3 seconds=6
while [ $# -gt 0 ]; do
  case "$1" in
    --domains) domains=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "shortcut-hops: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "shortcut-hops: needs root" >&2; exit 1; }
for tool in iperf3 python3 nft; do
  command -v $tool >/dev/null || { echo "shortcut-hops: needs $tool" >&2; exit 1; }
done
"$WOW" --help >/dev/null || exit 1
DIR=$(mktemp -d /tmp/wow-shortcut.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; bash "$TB" down "$DIR"; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
TESTBED_OWNER=$$ bash "$TB" up "$DIR" --domains "$domains" --hosts "$hosts" --node-args "--shortcut-pps 0" || exit 1
echo "waiting 30 s for the ring to settle"
sleep 30

field() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n {print $f}' "$DIR/nodes.tsv"; }
vip() { field "$1" 5 | cut -d/ -f1; }
ns() { field "$1" 2; }
hosts_all=$(tail -n +2 "$DIR/nodes.tsv" | cut -f1)
# routed packets delivered to a node by overlay hops: "h1 h2 h3 h4plus"
hops() {
  "$WOW" counters --state-dir "$DIR/nodes/$1" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
print(" ".join(str(sum(v for k, v in c.items() if k.startswith("routed_rx_hops_" + h + " "))) for h in ("1", "2", "3", "4plus")))'
}
linked() { # true if $1 has a link to $2 (by virtual IP)
  python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(0 if any(c["peer_virtual_ip"] == sys.argv[2] for c in s["connections"]) else 1)' \
    "$DIR/nodes/$1/status.json" "$(vip "$2")"
}
# the hop count most packets of the last pings took: "before" and "after" counter lines
mode() { python3 -c '
import sys
b = [int(x) for x in sys.argv[1].split()]; a = [int(x) for x in sys.argv[2].split()]
d = [y - x for x, y in zip(b, a)]
print(0 if sum(d) == 0 else ["1", "2", "3", "4+"][d.index(max(d))])' "$1" "$2"; }
rtt() { ip netns exec "$(ns "$1")" ping -q -c 20 -i 0.05 -W 1 "$(vip "$2")" | awk -F/ '/rtt/ {print $5}'; }
iperf() { # client server seconds -> DIR/iperf.json
  ip netns exec "$(ns "$2")" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  SERVER=$!
  sleep 0.5
  T0=$(date +%s.%N)
  ip netns exec "$(ns "$1")" iperf3 -c "$(vip "$2")" -p 5201 -t "$3" -i 0.25 -J > "$DIR/iperf.json" 2>/dev/null
  wait "$SERVER" 2>/dev/null; SERVER=""
}
# Mbit/s over [from, to) seconds of the run, and retransmits in it
window() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); lo, hi = float(sys.argv[2]), float(sys.argv[3])
iv = [i["sum"] for i in r["intervals"] if i["sum"]["start"] >= lo - 1e-6 and i["sum"]["end"] <= hi + 1e-6]
bits = sum(i["bytes"] for i in iv) * 8; secs = sum(i["seconds"] for i in iv)
print("%.0f %d" % (bits / secs / 1e6 if secs else 0, sum(i.get("retransmits", 0) for i in iv)))' "$DIR/iperf.json" "$1" "$2"; }
epoch() { date -d "$1" +%s.%N; }

# ---- find pairs at least 3 hops apart
found=()
for src in $(echo "$hosts_all" | shuf --random-source=<(yes) | head -10); do
  [ ${#found[@]} -ge $((3 * pairs)) ] && break # spares: a restart may shorten a path
  declare -A before=()
  targets=() mine=0
  for dst in $hosts_all; do
    [ "$dst" = "$src" ] && continue
    linked "$src" "$dst" && continue
    targets+=("$dst"); before[$dst]=$(hops "$dst")
  done
  for dst in "${targets[@]}"; do
    ip netns exec "$(ns "$src")" ping -q -c 3 -i 0.1 -W 1 "$(vip "$dst")" >/dev/null 2>&1 &
  done
  wait
  for dst in "${targets[@]}"; do
    h=$(mode "${before[$dst]}" "$(hops "$dst")")
    echo "path $src -> $dst: $h overlay hops"
    if { [ "$h" = 3 ] || [ "$h" = 4+ ]; } && [ "$mine" -lt 2 ]; then found+=("$src $dst $h"); mine=$((mine + 1)); fi
  done
  unset before
done
[ ${#found[@]} -gt 0 ] || { echo "no pair 3 or more hops apart in this testbed: try more --hosts"; exit 0; }

printf '\n%-12s %5s %10s %10s %12s %12s %10s %11s %10s %10s\n' pair hops rtt_before mbit_before asked_s carrying_s retx_1st_s mbit_after rtt_after hops_again
done_pairs=0 restarted=" "
for p in "${found[@]}"; do
  [ $done_pairs -ge "$pairs" ] && break
  read -r a b h <<< "$p"
  # a node restarted with shortcuts on cannot measure an overlay path any more
  [[ "$restarted" == *" $a "* || "$restarted" == *" $b "* ]] && continue
  restarted="$restarted$a $b "
  r0=$(rtt "$a" "$b")
  iperf "$a" "$b" "$seconds"
  read -r m0 _ <<< "$(window 0 "$seconds")"
  # both ends again, with their identity and shortcuts on; the path is checked once more
  bash "$TB" restart "$DIR" "$a" --shortcut-pps 100 >/dev/null
  bash "$TB" restart "$DIR" "$b" --shortcut-pps 100 >/dev/null
  for _ in $(seq 1 60); do
    ip netns exec "$(ns "$a")" ping -c1 -W0.3 "$(vip "$b")" >/dev/null 2>&1 && break
    sleep 0.5
  done
  sleep 8 # links of the restarted nodes settle
  if linked "$a" "$b"; then
    echo "$a $b: linked after the restart (a new far link), skipped"; continue
  fi
  c0=$(hops "$b")
  ip netns exec "$(ns "$a")" ping -q -c 5 -i 0.1 -W 1 "$(vip "$b")" >/dev/null 2>&1
  h1=$(mode "$c0" "$(hops "$b")")
  if [ "$h1" != 3 ] && [ "$h1" != 4+ ]; then
    echo "$a $b: $h1 hops after the restart (new far links), skipped"; continue
  fi
  iperf "$a" "$b" "$seconds"
  asked=$(grep -m1 "shortcut_requested" "$DIR/nodes/$a/log" | cut -d' ' -f1)
  asked_s=-; [ -n "$asked" ] && asked_s=$(printf '%.2f' "$(echo "$(epoch "$asked") - $T0" | bc)")
  carrying_s=-
  latest=$("$WOW" fib dump --state-dir "$DIR/nodes/$a" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
  # the first FIB version since the first packet that sends the destination over a link to it
  for v in $(seq "$latest" -1 1); do
    rec=$("$WOW" fib dump --state-dir "$DIR/nodes/$a" --json --version "$v" | python3 -c '
import json, sys
r = json.load(sys.stdin)
e = [x for x in r["entries"] if x["virtual_ip"] == sys.argv[1]]
print(r["time"], "direct" if e and e[0]["next_hop"] == e[0]["address"] else "routed")' "$(vip "$b")")
    read -r t how <<< "$rec"
    (( $(echo "$(epoch "$t") < $T0" | bc) )) && break
    [ "$how" = direct ] && carrying_s=$(printf '%.2f' "$(echo "$(epoch "$t") - $T0" | bc)")
  done
  read -r _ retx <<< "$(window 0 1)"
  read -r m1 _ <<< "$(window 2 "$seconds")"
  r1=$(rtt "$a" "$b")
  printf '%-12s %5s %10s %10s %12s %12s %10s %11s %10s %10s\n' "$a>$b" "$h" "$r0" "$m0" "$asked_s" "$carrying_s" "$retx" "$m1" \
    "$r1" "$h1"
  done_pairs=$((done_pairs + 1))
done
