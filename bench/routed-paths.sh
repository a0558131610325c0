#!/usr/bin/env bash
# Throughput over paths that are not direct links, against direct ones, measured in the
# multi-domain testbed (tools/testbed.sh), every node with shortcuts off (--shortcut-pps 0):
#  - iperf3 TCP over directly linked pairs (hosts in different NAT domains, hole-punched);
#  - iperf3 TCP over relayed pairs (a symmetric-NAT host and its peers, linked through the seed);
#  - iperf3 TCP over routed pairs whose packets take 3 or more overlay hops (found by pinging
#    pairs without a link and reading the receiver's routed_rx_hops_* counters).
# On a secure network both are sealed end to end (EndToEndSessions) besides hop by hop; run it
# with WOW_JAR=an-earlier-wow.jar to compare builds. Benchmarks only: prints numbers, asserts
# nothing. Needs root, nftables, iperf3, python3.
#
#   sudo [WOW_JAR=JAR] bench/routed-paths.sh [--label L] [--pairs K] [--seconds S] [--insecure]
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(dirname "$HERE")
WOW="$ROOT/tools/wow"
TB="$ROOT/tools/testbed.sh"
label=wow pairs=2 seconds=5 insecure=""
while [ $# -gt 0 ]; do
  case "$1" in
    --label) label=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --insecure) insecure=--insecure; shift ;;
    *) echo "routed-paths: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "routed-paths: needs root" >&2; exit 1; }
for tool in iperf3 python3 nft; do
  command -v $tool >/dev/null || { echo "routed-paths: needs $tool" >&2; exit 1; }
done
"$WOW" --help >/dev/null || exit 1
DIR=$(mktemp -d /tmp/wow-routed.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; bash "$TB" down "$DIR"; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
TESTBED_OWNER=$$ bash "$TB" up "$DIR" --domains cone,restricted,symmetric,restricted,cone,symmetric --hosts 3 \
  --node-args "--shortcut-pps 0" $insecure || exit 1
echo "waiting 40 s for the ring to settle"
sleep 40

field() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n {print $f}' "$DIR/nodes.tsv"; }
vip() { field "$1" 5 | cut -d/ -f1; }
ns() { field "$1" 2; }
hosts_all=$(tail -n +2 "$DIR/nodes.tsv" | cut -f1)
hops() { # routed packets delivered to a node by overlay hops: "h1 h2 h3 h4plus"
  "$WOW" counters --state-dir "$DIR/nodes/$1" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
print(" ".join(str(sum(v for k, v in c.items() if k.startswith("routed_rx_hops_" + h + " "))) for h in ("1", "2", "3", "4plus")))'
}
link() { # how $1 reaches $2: direct, relayed or none (routed over the ring)
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(next(("direct" if c["direct"] else "relayed" for c in s["connections"] if c["peer_virtual_ip"] == sys.argv[2]), "none"))' \
    "$DIR/nodes/$1/status.json" "$(vip "$2")"
}
iperf() { # Mbit/s received from $1 to $2
  ip netns exec "$(ns "$2")" iperf3 -s -1 -B "$(vip "$2")" >/dev/null 2>&1 &
  SERVER=$!
  sleep 0.5
  local r
  r=$(ip netns exec "$(ns "$1")" timeout $((seconds + 15)) iperf3 -c "$(vip "$2")" -t "$seconds" -f m 2>/dev/null |
    awk '/receiver/ {print $7}')
  wait "$SERVER" 2>/dev/null
  SERVER=""
  echo "${r:-failed}"
}
domain() { field "$1" 3; }
relayed=0 routed=0 direct=0 results=()
for a in $hosts_all; do
  for b in $hosts_all; do
    [ "$a" = "$b" ] && continue
    kind=$(link "$a" "$b")
    if [ "$kind" = direct ] && [ $direct -lt "$pairs" ] && [ "$(domain "$a")" != "$(domain "$b")" ]; then
      direct=$((direct + 1))
      r=$(iperf "$a" "$b")
      results+=("direct:$r")
      echo "$label direct $a -> $b: $r Mbit/s"
    elif [ "$kind" = relayed ] && [ $relayed -lt "$pairs" ]; then
      relayed=$((relayed + 1))
      r=$(iperf "$a" "$b")
      results+=("relayed:$r")
      echo "$label relayed $a -> $b: $r Mbit/s"
    elif [ "$kind" = none ] && [ $routed -lt "$pairs" ]; then
      before=$(hops "$b")
      ip netns exec "$(ns "$a")" ping -c 10 -i 0.05 -q "$(vip "$b")" >/dev/null 2>&1
      after=$(hops "$b")
      h=$(python3 -c '
import sys
d = [int(y) - int(x) for x, y in zip(sys.argv[1].split(), sys.argv[2].split())]
print(max(range(4), key=lambda i: d[i]) + 1 if sum(d) else 0)' "$before" "$after")
      if [ "$h" -ge 3 ]; then
        routed=$((routed + 1))
        r=$(iperf "$a" "$b")
        results+=("routed:$r")
        echo "$label routed $([ "$h" = 4 ] && echo "4+" || echo "$h") hops $a -> $b: $r Mbit/s"
      fi
    fi
  done
done
[ $relayed -gt 0 ] || echo "$label: no relayed pair in this testbed"
[ $routed -gt 0 ] || echo "$label: no pair 3 or more hops apart in this testbed"
[ $direct -gt 0 ] || echo "$label: no direct pair across domains in this testbed"
# medians per kind, and relayed and routed as a share of direct
python3 - "$label" "${results[@]}" <<'PY'
import statistics, sys
label, kinds = sys.argv[1], {}
for item in sys.argv[2:]:
    kind, value = item.split(":", 1)
    try:
        kinds.setdefault(kind, []).append(float(value))
    except ValueError:
        pass
med = {k: statistics.median(v) for k, v in kinds.items()}
parts = [f"{k} median {med[k]:.0f} Mbit/s" + (f" ({med[k] / med['direct']:.2f} of direct)" if k != "direct" and med.get("direct") else "")
         for k in ("direct", "relayed", "routed") if k in med]
print(f"{label} summary: " + ", ".join(parts))
PY
