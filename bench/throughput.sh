#!/usr/bin/env bash
# Throughput harness: two network namespaces joined by one veth pair (the underlay). For each
# mode, after the same warm-up (2 s of TCP, 3,000 pings 1 ms apart): ping (PINGS x 10 ms: average
# and 99th percentile), then iperf3 TCP with 1 and with 4 streams and UDP of 1,200-byte datagrams
# at UDP_RATE (DUR s each; UDP: what arrived, and the share lost), side by side in
# one run, with absolute figures, each daemon's CPU per tunnel packet (its CPU time in the
# one-stream run over the bytes iperf3 moved in 1,400-byte packets), each daemon's CPU per ping
# (all its threads' CPU time during the pings, from /proc/PID/task/*/schedstat, over the pings: the
# packet path plus whatever else the daemon does in those 10 ms), each daemon's idle CPU (% of one core
# over IDLE s without traffic, 2 s after the last run) and ratios to raw veth and kernel VXLAN.
# Only addresses inside the namespaces it creates are used; every namespace and process it
# starts is removed on exit, Ctrl-C or failure.
#
# usage: sudo bench/throughput.sh [mode ...]
#        modes: raw vxlan wow wow-insecure wow-shared wow-pinned wireguard-go tinc tinc-none nebula
#        (tinc: tinc 1.0 switch mode with its default Blowfish-CBC/SHA1, tinc-none: Cipher/Digest none;
#         nebula: AES-GCM, certificates from nebula-cert; each skipped where not installed)
#        (wow: the secure default, certificates from a CA the harness makes, every datagram sealed;
#         wow-insecure: --insecure, no cryptography)
#        env: DUR (s, default 10), PINGS (default 200), IDLE (s, default 5), QUEUES (WOW TAP queues, default 1), UDP_RATE (default 1G),
#             WOW_ARGS (extra node options), HOSTS (2: each side on its own CPU, as on two hosts: the daemon,
#             iperf3 and ping of ns-a on CPU 0, those of ns-b on CPU 1; default: the scheduler places them)
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
WOW="$(dirname "$HERE")/tools/wow"
DUR=${DUR:-10}
UDP_RATE=${UDP_RATE:-1G}
PINGS=${PINGS:-200}
IDLE=${IDLE:-5}
QUEUES=${QUEUES:-1}
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(raw vxlan wow)

die() { echo "throughput: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip iperf3 ping jq; do command -v $t >/dev/null || die "needs $t"; done
"$WOW" --help >/dev/null 2>&1 || die "cannot build or run tools/wow"

PIN_A=() PIN_B=()
case "${HOSTS:-1}" in 1|2) ;; *) die "HOSTS must be 1 or 2, not '${HOSTS}'";; esac
for v in DUR PINGS IDLE QUEUES; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a whole number above 0, not '${!v}'"
done
[[ "$UDP_RATE" =~ ^[0-9]+(\.[0-9]+)?[KMG]?$ ]] || die "UDP_RATE must be a rate like 500M or 1G, not '$UDP_RATE'"
if [ "${HOSTS:-1}" = 2 ]; then
  [ "$(nproc)" -ge 2 ] || die "HOSTS=2 needs 2 CPUs"
  command -v taskset >/dev/null || die "needs taskset (util-linux) for HOSTS=2"
  PIN_A=(taskset -c 0) PIN_B=(taskset -c 1)
fi

ID=$$
NSA="wowtp-a-$ID" NSB="wowtp-b-$ID"
# run a command in ns-a / ns-b (pinned with HOSTS=2); each execs the next, so $! is the command's own PID
IN_A=(ip netns exec "$NSA" "${PIN_A[@]}") IN_B=(ip netns exec "$NSB" "${PIN_B[@]}")
UA=192.168.250.1 UB=192.168.250.2
WORK=$(mktemp -d /tmp/wow-throughput.XXXXXX)
PIDS=()

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  PIDS=()
  ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null
}
cleanup() { trap - EXIT INT TERM; stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

underlay() {
  ip netns add "$NSA" && ip netns add "$NSB" || die "cannot create namespaces"
  ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
  ip link add tpa netns "$NSA" type veth peer name tpb netns "$NSB"
  ip -n "$NSA" addr add $UA/24 dev tpa; ip -n "$NSA" link set tpa up
  ip -n "$NSB" addr add $UB/24 dev tpb; ip -n "$NSB" link set tpb up
}

# Each mode sets INNER_B (address to reach in ns-b) and starts what it needs.
mode_raw() { INNER_B=$UB; }
mode_vxlan() {
  ip -n "$NSA" link add vx0 type vxlan id 42 local $UA remote $UB dstport 4789 dev tpa
  ip -n "$NSB" link add vx0 type vxlan id 42 local $UB remote $UA dstport 4789 dev tpb
  ip -n "$NSA" addr add 10.250.1.1/24 dev vx0; ip -n "$NSA" link set vx0 mtu 1450 up
  ip -n "$NSB" addr add 10.250.1.2/24 dev vx0; ip -n "$NSB" link set vx0 mtu 1450 up
  INNER_B=10.250.1.2
}
wow_certs() { # the two nodes' bundles, made once per run by a CA of the harness's own
  [ -f "$WORK/b.bundle" ] && return
  "$WOW" ca init --dir "$WORK/ca" --name throughput --subnet 10.250.2.0/24 >/dev/null &&
    "$WOW" ca sign --dir "$WORK/ca" --name a --ip 10.250.2.1/24 --out "$WORK/a.bundle" >/dev/null &&
    "$WOW" ca sign --dir "$WORK/ca" --name b --ip 10.250.2.2/24 --out "$WORK/b.bundle" >/dev/null || die "cannot make certificates"
}
wow_nodes() { # wow_nodes secure|insecure EXTRA_ARGS...
  local sa=(--insecure) sb=(--insecure)
  if [ "$1" = secure ]; then wow_certs; sa=(--cert "$WORK/a.bundle"); sb=(--cert "$WORK/b.bundle"); fi
  shift
  rm -rf "$WORK/a" "$WORK/b"
  "${IN_A[@]}" "$WOW" node --listen $UA:51820 --ip 10.250.2.1/24 --peer 10.250.2.2=$UB:51820 "${sa[@]}" \
    --queues "$QUEUES" --state-dir "$WORK/a" ${WOW_ARGS:-} "$@" >"$WORK/wow-a.log" 2>&1 &
  PIDS+=($!); PEER_A=$!
  "${IN_B[@]}" "$WOW" node --listen $UB:51820 --ip 10.250.2.2/24 --peer 10.250.2.1=$UA:51820 "${sb[@]}" \
    --queues "$QUEUES" --state-dir "$WORK/b" ${WOW_ARGS:-} "$@" >"$WORK/wow-b.log" 2>&1 &
  PIDS+=($!); PEER_B=$!
  INNER_B=10.250.2.2
}
mode_wow() { wow_nodes secure; }
mode_wow_insecure() { wow_nodes insecure; }
mode_wow_shared() { wow_nodes secure --threading shared; }
mode_wow_pinned() { wow_nodes secure --cpus 0; }   # both nodes' queue threads on CPU 0: no cross-CPU wake-ups
mode_wireguard_go() {
  command -v wireguard-go >/dev/null && command -v wg >/dev/null || { SKIP="wireguard-go or wg not installed"; return 1; }
  local ka kb; ka=$(wg genkey); kb=$(wg genkey)
  WG_PROCESS_FOREGROUND=1 "${IN_A[@]}" wireguard-go wgtpa >"$WORK/wg-a.log" 2>&1 & PIDS+=($!); PEER_A=$!
  WG_PROCESS_FOREGROUND=1 "${IN_B[@]}" wireguard-go wgtpb >"$WORK/wg-b.log" 2>&1 & PIDS+=($!); PEER_B=$!
  for _ in $(seq 1 50); do [ -S /var/run/wireguard/wgtpa.sock ] && [ -S /var/run/wireguard/wgtpb.sock ] && break; sleep 0.1; done
  "${IN_A[@]}" wg set wgtpa listen-port 51821 private-key <(echo "$ka") peer "$(echo "$kb" | wg pubkey)" endpoint $UB:51821 allowed-ips 10.250.3.2/32
  "${IN_B[@]}" wg set wgtpb listen-port 51821 private-key <(echo "$kb") peer "$(echo "$ka" | wg pubkey)" endpoint $UA:51821 allowed-ips 10.250.3.1/32
  ip -n "$NSA" addr add 10.250.3.1/24 dev wgtpa; ip -n "$NSA" link set wgtpa mtu 1420 up
  ip -n "$NSB" addr add 10.250.3.2/24 dev wgtpb; ip -n "$NSB" link set wgtpb mtu 1420 up
  INNER_B=10.250.3.2
}

tinc_host() { # tinc_host DIR NAME ADDRESS INNER CIPHER: one node's configuration and keys
  local dir=$1 name=$2 addr=$3 inner=$4 cipher=$5 peer
  peer=$([ "$name" = a ] && echo b || echo a)
  mkdir -p "$dir/hosts"
  printf 'Name = %s\nMode = switch\nInterface = tinc%s\nAddressFamily = ipv4\nConnectTo = %s\n' "$name" "$name" "$peer" >"$dir/tinc.conf"
  printf 'Address = %s\nPort = 655\n' "$addr" >"$dir/hosts/$name"
  [ "$cipher" = none ] && printf 'Cipher = none\nDigest = none\n' >>"$dir/hosts/$name"
  printf '#!/bin/sh\nip addr add %s/24 dev "$INTERFACE"\nip link set "$INTERFACE" mtu 1400 up\n' "$inner" >"$dir/tinc-up"
  chmod +x "$dir/tinc-up"
  tincd -c "$dir" -K 2048 </dev/null >/dev/null 2>&1
}
mode_tinc_with() { # mode_tinc_with CIPHER
  command -v tincd >/dev/null || { SKIP="tincd not installed (apt-get install tinc)"; return 1; }
  local a=$WORK/tinc-a b=$WORK/tinc-b
  rm -rf "$a" "$b"
  tinc_host "$a" a $UA 10.250.4.1 "$1"; tinc_host "$b" b $UB 10.250.4.2 "$1"
  cp "$a/hosts/a" "$b/hosts/a"; cp "$b/hosts/b" "$a/hosts/b"
  "${IN_A[@]}" tincd -c "$a" -D --pidfile="$a/pid" >"$WORK/tinc-a.log" 2>&1 & PIDS+=($!); PEER_A=$!
  "${IN_B[@]}" tincd -c "$b" -D --pidfile="$b/pid" >"$WORK/tinc-b.log" 2>&1 & PIDS+=($!); PEER_B=$!
  INNER_B=10.250.4.2
}
mode_tinc() { mode_tinc_with default; }
mode_tinc_none() { mode_tinc_with none; }
nebula_host() { # nebula_host NAME INNER UNDERLAY PEER_INNER PEER_UNDERLAY
  nebula-cert sign -ca-crt "$WORK/nebula/ca.crt" -ca-key "$WORK/nebula/ca.key" -name "$1" -ip "$2/24" \
    -out-crt "$WORK/nebula/$1.crt" -out-key "$WORK/nebula/$1.key" || return 1
  cat >"$WORK/nebula/$1.yaml" <<EOC
pki: {ca: $WORK/nebula/ca.crt, cert: $WORK/nebula/$1.crt, key: $WORK/nebula/$1.key}
static_host_map: {"$4": ["$5:4242"]}
lighthouse: {am_lighthouse: false}
listen: {host: $3, port: 4242}
punchy: {punch: false}
tun: {dev: neb$1, mtu: 1300}
logging: {level: warning}
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: any, host: any}]
EOC
}
mode_nebula() {
  command -v nebula >/dev/null && command -v nebula-cert >/dev/null || { SKIP="nebula not installed (apt-get install nebula)"; return 1; }
  rm -rf "$WORK/nebula"; mkdir -p "$WORK/nebula"
  nebula-cert ca -name throughput -out-crt "$WORK/nebula/ca.crt" -out-key "$WORK/nebula/ca.key" &&
    nebula_host a 10.250.5.1 $UA 10.250.5.2 $UB && nebula_host b 10.250.5.2 $UB 10.250.5.1 $UA ||
    { SKIP="nebula-cert failed"; return 1; }
  "${IN_A[@]}" nebula -config "$WORK/nebula/a.yaml" >"$WORK/nebula-a.log" 2>&1 & PIDS+=($!); PEER_A=$!
  "${IN_B[@]}" nebula -config "$WORK/nebula/b.yaml" >"$WORK/nebula-b.log" 2>&1 & PIDS+=($!); PEER_B=$!
  INNER_B=10.250.5.2
}

cpu_ns() { # CPU time of all threads of a pid in ns, from the scheduler's own accounting (0 if none)
  [ -n "${1:-}" ] && cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END{printf "%.0f\n", s+0}' || echo 0
}
cpu_pair() { echo "$(cpu_ns "$PEER_A") $(cpu_ns "$PEER_B")"; } # both daemons' CPU time in ns: "A B"
core_share() { # core_share A_NS B_NS SECONDS DECIMALS: each daemon's CPU over SECONDS in % of one core, "A/B"
  awk -v a="$1" -v b="$2" -v d="$3" -v f="%.$4f/%.$4f" 'BEGIN{printf f, a/1e7/d, b/1e7/d}'
}

declare -A RESULT
measure() { # measure MODE
  local mode=$1 fn=mode_${1//-/_}
  declare -F "$fn" >/dev/null || die "unknown mode $mode"
  underlay
  INNER_B= SKIP= PEER_A= PEER_B=
  if ! $fn; then echo "$mode: skipped ($SKIP)" >&2; RESULT[$mode]="skip"; stop_all; return; fi
  local ok=0
  for _ in $(seq 1 100); do "${IN_A[@]}" ping -c1 -W1 -q "$INNER_B" >/dev/null 2>&1 && { ok=1; break; }; sleep 0.1; done
  [ $ok = 1 ] || { echo "$mode: $INNER_B unreachable" >&2; cat "$WORK"/*.log >&2 2>/dev/null; RESULT[$mode]="unreachable"; stop_all; return; }
  "${IN_B[@]}" iperf3 -s -B "$INNER_B" -p 5201 >/dev/null 2>&1 & PIDS+=($!)
  sleep 0.5
  local rtt p99 t1 t4 r1 ca0 cb0 ca1 cb1 bytes pa0 pb0
  # the same warm-up for every mode, so that a JIT-compiled peer is measured warm on both paths:
  # 2 s of TCP, then 3,000 pings 1 ms apart (bulk traffic alone leaves the small-packet path to the
  # interpreter: the first pings after it run code the JIT compiled for the other branch)
  "${IN_A[@]}" iperf3 -c "$INNER_B" -p 5201 -t 2 >/dev/null 2>&1
  "${IN_A[@]}" ping -q -c 3000 -i 0.001 "$INNER_B" >/dev/null 2>&1
  sleep 0.5
  read -r pa0 pb0 < <(cpu_pair)
  read -r rtt p99 < <("${IN_A[@]}" ping -c "$PINGS" -i 0.01 "$INNER_B" |
    sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g |
    awk '{v[NR]=$1; s+=$1} END{if (NR==0) print "nan nan"; else {i=int(NR*0.99+0.999); if(i>NR)i=NR; printf "%.3f %.3f\n", s/NR, v[i]}}')
  read -r ca0 cb0 < <(cpu_pair) # the pings' end and the one-stream run's start
  "${IN_A[@]}" iperf3 -c "$INNER_B" -p 5201 -t "$DUR" -J >"$WORK/$mode-1.json" 2>&1
  read -r ca1 cb1 < <(cpu_pair)
  t1=$(jq -r '.end.sum_received.bits_per_second/1e9' "$WORK/$mode-1.json" 2>/dev/null || echo nan)
  r1=$(jq -r '.end.sum_sent.retransmits' "$WORK/$mode-1.json" 2>/dev/null || echo nan)
  bytes=$(jq -r '.end.sum_received.bytes' "$WORK/$mode-1.json" 2>/dev/null || echo 0)
  sleep 1
  "${IN_A[@]}" iperf3 -c "$INNER_B" -p 5201 -t "$DUR" -P 4 -J >"$WORK/$mode-4.json" 2>&1
  t4=$(jq -r '.end.sum_received.bits_per_second/1e9' "$WORK/$mode-4.json" 2>/dev/null || echo nan)
  sleep 1
  # UDP that the TAP cannot hand over as super-frames: 1,200-byte datagrams at UDP_RATE, what arrives
  "${IN_A[@]}" iperf3 -c "$INNER_B" -p 5201 -u -b "$UDP_RATE" -l 1200 -t "$DUR" -J >"$WORK/$mode-u.json" 2>&1
  local ur ul
  ur=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$WORK/$mode-u.json" 2>/dev/null || echo nan)
  ul=$(jq -r '.end.sum_received.lost_percent' "$WORK/$mode-u.json" 2>/dev/null || echo nan)
  # idle: what each daemon costs with no traffic, once the runs are over
  sleep 2
  local ia0 ib0 ia1 ib1 cpu per
  read -r ia0 ib0 < <(cpu_pair)
  sleep "$IDLE"
  read -r ia1 ib1 < <(cpu_pair)
  cpu=$(core_share $((ca1 - ca0)) $((cb1 - cb0)) "$DUR" 0)
  per=$(awk -v a=$((ca1-ca0)) -v b=$((cb1-cb0)) -v n="$bytes" \
    'BEGIN{p=n/1400; if (p<=0) print "n/a"; else printf "%.2f/%.2f", a/1e3/p, b/1e3/p}')
  local pp="$(( (ca0 - pa0) / PINGS / 1000 ))/$(( (cb0 - pb0) / PINGS / 1000 ))" idle
  idle=$(core_share $((ia1 - ia0)) $((ib1 - ib0)) "$IDLE" 2)
  RESULT[$mode]="$t1 $t4 ${rtt:-nan} ${p99:-nan} $r1 $cpu $per $pp ${ur:-nan} ${ul:-nan} $idle"
  echo "$mode: tcp1 ${t1} Gbit/s (retransmits $r1), tcp4 ${t4} Gbit/s, ping avg ${rtt} p99 ${p99} ms," \
    "daemon CPU% A/B $cpu, us/packet A/B $per, us/ping A/B $pp, udp ${ur} Gbit/s arrived (${ul} % lost), idle CPU% A/B $idle" >&2
  stop_all
}

for m in "${MODES[@]}"; do measure "$m"; done

echo
echo "underlay: veth pair between two namespaces$([ ${#PIN_A[@]} -gt 0 ] && echo ", each on its own CPU (HOSTS=2)"); iperf3 ${DUR}s; ping $PINGS x 10 ms; $(nproc) cores;" \
  "kernel $(uname -r); $(date -u +%F)"
printf '| %-12s | %11s | %11s | %10s | %8s | %8s | %11s | %9s | %9s | %11s | %9s | %8s | %8s | %7s |\n' mode "tcp1 Gbit/s" \
  "tcp4 Gbit/s" "udp Gbit/s" "RTT avg" "RTT p99" "us/ping A/B" "tcp1 retr" "CPU% A/B" "us/pkt A/B" "idle% A/B" "tcp1/vx" \
  "tcp4/vx" "RTT/raw"
printf '|%s|\n' "--------------|-------------|-------------|------------|----------|----------|-------------|-----------|-----------|-------------|-----------|----------|----------|---------"
read -r _ _ RR _ <<<"${RESULT[raw]:-nan nan nan}"
read -r V1 V4 _ <<<"${RESULT[vxlan]:-nan nan nan}"
for m in "${MODES[@]}"; do
  case "${RESULT[$m]}" in skip|unreachable) printf '| %-12s | %s |\n' "$m" "${RESULT[$m]}"; continue;; esac
  read -r t1 t4 rtt p99 r1 cpu per pp ur ul idle <<<"${RESULT[$m]}"
  kernel=0; [ "$m" = raw ] || [ "$m" = vxlan ] && kernel=1
  awk -v m="$m" -v t1="$t1" -v t4="$t4" -v rtt="$rtt" -v p99="$p99" -v r1="$r1" -v cpu="$cpu" -v per="$per" -v pp="$pp" -v ur="$ur" -v ul="$ul" -v idle="$idle" -v k=$kernel \
    -v V1="$V1" -v V4="$V4" -v RR="$RR" 'BEGIN{
    printf "| %-12s | %11.2f | %11.2f | %10s | %8.3f | %8.3f | %11s | %9s | %9s | %11s | %9s | %8s | %8s | %7s |\n", m, t1, t4,
      sprintf("%.2f (%.0f%%)", ur, ul), rtt, p99,
      k?"kernel":pp, r1,
      k?"kernel":cpu, k?"kernel":per, k?"kernel":idle, (V1+0>0)?sprintf("%.2f",t1/V1):"n/a", (V4+0>0)?sprintf("%.2f",t4/V4):"n/a",
      (RR+0>0)?sprintf("%.1fx",rtt/RR):"n/a" }'
done
