#!/usr/bin/env bash
# Joins across NATs, measured in the multi-domain testbed (tools/testbed.sh):
#  - all-pairs reachability of a fresh testbed (and how long after start-up it took);
#  - a new node (one per NAT type, restarted with a new identity into the running overlay):
#    time from launch until another host's ping reaches its virtual IP ("routable"), and until
#    its first near and far links; after 15 s, its links and how many are direct;
#  - iperf3 TCP throughput over a direct pair and over a relayed pair.
# Benchmarks only: prints numbers, asserts nothing. Needs root, nftables, iperf3.
#
#   sudo bench/nat-join.sh [--domains T,T,...] [--seconds S] [--insecure]   (--insecure: nodes without certificates)
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(dirname "$HERE")
WOW="$ROOT/tools/wow"
TB="$ROOT/tools/testbed.sh"
domains="cone,restricted,restricted,symmetric,udp-blocked,double" seconds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --domains) domains=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --insecure) insecure=--insecure; shift ;;
    *) echo "nat-join: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "nat-join: needs root" >&2; exit 1; }
"$WOW" --help >/dev/null || exit 1
DIR=$(mktemp -d /tmp/wow-natjoin.XXXXXX)
trap 'bash "$TB" down "$DIR"; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
TESTBED_OWNER=$$ bash "$TB" up "$DIR" --domains "$domains" --hosts 2 ${insecure:-} || exit 1
t0=$(date +%s.%N)
until "$WOW" matrix "$DIR" --count 1 > "$DIR/m.txt" 2>&1; do
  if (( $(echo "$(date +%s.%N) - $t0 > 120" | bc) )); then break; fi
  sleep 1
done
echo "fresh testbed: $(tail -1 "$DIR/m.txt") after $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"

field() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n {print $f}' "$DIR/nodes.tsv"; }
# the first node's log timestamps, in seconds since the epoch
first() { grep -m1 -E "$2" "$DIR/nodes/$1/log" | cut -d' ' -f1 | xargs -r -I{} date -d {} +%s.%N; }

printf '%-6s %-12s %10s %8s %8s %8s %8s %8s\n' node type routable_s near_s links near far direct
for n in $(tail -n +2 "$DIR/nodes.tsv" | awk -F'\t' '!seen[$4]++ {print $1}'); do
  pinger=h1-1; [ "$n" = h1-1 ] && pinger=h1-2
  pns=$(field $pinger 2); vip=$(field "$n" 5)
  bash "$TB" rejoin "$DIR" "$n" >/dev/null
  launched=$(cat "$DIR/nodes/$n.launched")
  routable=-
  for _ in $(seq 1 300); do
    if ip netns exec "$pns" ping -c1 -W0.2 "$vip" >/dev/null 2>&1; then
      routable=$(echo "$(date +%s.%N) - $launched" | bc); break
    fi
    sleep 0.05
  done
  sleep 15
  near=$(first "$n" 'link_up.*types=\[[^]]*near')
  st="$DIR/nodes/$n/status.json"
  links=$(grep -o '"direct":' "$st" | wc -l); direct=$(grep -o '"direct":true' "$st" | wc -l)
  nnear=$(grep -o '"type":"[a-z,]*near[a-z,]*"' "$st" | wc -l); nfar=$(grep -o '"type":"[a-z,]*far[a-z,]*"' "$st" | wc -l)
  printf '%-6s %-12s %10.2f %8s %8s %8s %8s %8s\n' "$n" "$(field "$n" 4)" "$routable" \
    "$([ -n "$near" ] && echo "$near - $launched" | bc | cut -c1-5 || echo -)" "$links" "$nnear" "$nfar" "$direct"
done

if command -v iperf3 >/dev/null; then
  "$WOW" matrix "$DIR" --count 1 > "$DIR/m.txt" 2>&1
  echo
  sed -n '/^links/,/^$/p' "$DIR/m.txt"
  # a direct pair, a relayed (UDP) pair and a pair relayed to a UDP-blocked host (TCP), from the status files
  pair() {
    for a in $(tail -n +2 "$DIR/nodes.tsv" | cut -f1); do
      for b in $(tail -n +2 "$DIR/nodes.tsv" | cut -f1); do
        [ "$(field "$a" 3)" = "$(field "$b" 3)" ] && continue
        blocked=no; [ "$(field "$a" 4)" = udp-blocked ] || [ "$(field "$b" 4)" = udp-blocked ] && blocked=yes
        [ "$blocked" = "$2" ] || continue
        addr=$(grep -o '"address":"[0-9a-f]*"' "$DIR/nodes/$b/status.json" | head -1 | cut -d'"' -f4)
        if grep -o "\"peer_address\":\"$addr\"[^}]*" "$DIR/nodes/$a/status.json" | grep -q "\"direct\":$1"; then
          echo "$a $b"; return
        fi
      done
    done
  }
  for kind in "true no direct" "false no relayed" "false yes relayed-over-tcp"; do
    read -r d blocked label <<< "$kind"
    read -r a b <<< "$(pair "$d" "$blocked")"
    [ -n "${a:-}" ] || { echo "no $label pair found"; continue; }
    ip netns exec "$(field "$b" 2)" iperf3 -s -1 -B "$(field "$b" 5)" >/dev/null 2>&1 &
    sleep 0.5
    echo "$label $a($(field "$a" 4)) -> $b($(field "$b" 4)):" \
      "$(ip netns exec "$(field "$a" 2)" iperf3 -c "$(field "$b" 5)" -t "$seconds" -f m | awk '/receiver/ {print $7, $8}')"
    wait
  done
fi
