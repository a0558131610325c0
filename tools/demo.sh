#!/usr/bin/env bash
# wow demo: NAT domains in network namespaces on this host (tools/testbed.sh), each with hosts
# running `wow node` with a real TAP, all joining by one public seed. Shows join progress live,
# then the all-pairs ping matrix, the direct/relayed link matrix and one node's FIB; leaves it
# running until Ctrl-C, then removes everything it made.
#
#   sudo tools/wow demo [--domains cone,restricted,symmetric] [--hosts 2] [--no-wait]
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
WOW="$HERE/wow"

die() { echo "wow demo: $*" >&2; exit 1; }
domains="cone,restricted,symmetric" hosts=2 wait=1
while [ $# -gt 0 ]; do
  case "$1" in
    --domains) [ $# -ge 2 ] || die "--domains needs a value"; domains=$2; shift 2 ;;
    --hosts) [ $# -ge 2 ] || die "--hosts needs a value"; hosts=$2; shift 2 ;;
    --no-wait) wait=0; shift ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (--domains T,T,... --hosts N --no-wait)" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "needs root to create network namespaces, NAT routers and TAP devices: run 'sudo tools/wow demo'"
[ -c /dev/net/tun ] || die "no /dev/net/tun: load the tun module (modprobe tun)"
# iproute2, nftables (the NAT routers), ping, conntrack, and gcc for the first build: installed
# with apt-get where missing, in one line saying what; else one line with the command that would
bash "$HERE/deps.sh" demo || exit 1

# Build first so that the nodes start fast (the launcher builds on first use).
"$WOW" --help >/dev/null 2>&1 || { "$WOW" --help >/dev/null; die "build failed"; }

WORK=$(mktemp -d /tmp/wow-demo.XXXXXX)
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "== removing the testbed (namespaces, NAT routers, nodes)"
  bash "$HERE/testbed.sh" down "$WORK"
  rm -rf "$WORK"
  echo "wow demo: removed everything it made"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building $domains NAT domains x $hosts hosts + 1 public seed in network namespaces"
TESTBED_OWNER=$$ bash "$HERE/testbed.sh" up "$WORK" --domains "$domains" --hosts "$hosts" || die "testbed set-up failed"
mapfile -t NODES < <(cut -f1 "$WORK/nodes.tsv")

# join progress: connections per node (direct/relayed) until every host has near links both ways
echo "== joining (connections per node: direct+relayed)"
start=$(date +%s)
for t in $(seq 1 60); do
  line="" ready=1
  for n in "${NODES[@]}"; do
    s="$WORK/nodes/$n/status.json"
    if [ -f "$s" ]; then
      d=$(grep -o '"direct":true' "$s" | wc -l); r=$(grep -o '"direct":false' "$s" | wc -l)
    else
      d=0 r=0
    fi
    line="$line $n:$d+$r"
    [ "$n" = seed ] || [ $((d + r)) -ge 2 ] || ready=0
  done
  printf '  t=%2ss%s\n' "$(( $(date +%s) - start ))" "$line"
  [ $ready = 1 ] && [ "$t" -ge 5 ] && break
  sleep 1
done

echo "== all-pairs reachability (retried until every pair answers, at most 60 s)"
for attempt in $(seq 1 6); do
  if "$WOW" matrix "$WORK" > "$WORK/matrix.txt" 2>&1; then break; fi
  echo "  attempt $attempt: $(tail -1 "$WORK/matrix.txt"), again in 5 s"
  sleep 5
done
cat "$WORK/matrix.txt"

first=$(sed -n 2p "$WORK/nodes.tsv" | cut -f1)
echo
echo "== FIB of $first"
"$WOW" fib dump --state-dir "$WORK/nodes/$first"

# names: every host's resolver is its own node's DNS (the testbed's /etc/netns/NS/resolv.conf)
firstns=$(sed -n 2p "$WORK/nodes.tsv" | cut -f2)
last=$(tail -1 "$WORK/nodes.tsv" | cut -f1)
echo
echo "== by name, from $first: ping $last.wow (unmodified ping; $first's node answers DNS for .wow)"
ip netns exec "$firstns" ping -c 2 -W 2 "$last.wow" | sed -n '1p;/packet loss/p' || true
ip netns exec "$firstns" "$WOW" path "$last" --state-dir "$WORK/nodes/$first" || true

if [ $wait = 1 ]; then
  ns=$(sed -n 2p "$WORK/nodes.tsv" | cut -f2)
  other=$(tail -1 "$WORK/nodes.tsv" | cut -f1).wow
  cat <<EOF

== the overlay is running. In another shell, try:
   sudo tools/wow status --state-dir $WORK/nodes/$first
   sudo tools/wow counters --state-dir $WORK/nodes/seed --watch
   sudo ip netns exec $ns ping $other
   sudo ip netns exec $ns tools/wow ping ${other%.wow} --state-dir $WORK/nodes/$first
   sudo tools/wow matrix $WORK
== Ctrl-C removes it all.
EOF
  # sleep in the background and wait, so a signal runs the clean-up at once
  while true; do sleep 3600 & wait $!; done
fi
