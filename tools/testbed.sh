#!/usr/bin/env bash
# WOW multi-domain testbed: firewalled NAT domains in network namespaces on one host.
#
#   testbed.sh up   DIR [--domains T,T,...] [--hosts N] [--port P] [--queues Q] [--no-nodes] [--listen-any]
#                       [--node-args "--option value ..."]   (added to every host node's options)
#                       [--loss PCT]   (each domain router drops PCT % of packets each way across its WAN)
#                       [--dhcp A.B.C.D/P]  (hosts lease their virtual IP from this subnet with --dhcp instead of
#                                       --ip 10.128.d.i/16, and busybox udhcpc in each host takes it from the TAP)
#                       [--insecure]  (nodes run without certificates; by default the testbed makes its own
#                                       network CA in DIR/ca and a bundle per node in DIR/certs)
#   testbed.sh down DIR
#   testbed.sh nodes DIR          one line per node: name namespace domain type virtual-ip listen state-dir
#   testbed.sh rejoin DIR NODE    stop NODE, wipe its state (a new identity) and start it again
#   testbed.sh restart DIR NODE [--option value ...]
#                                 stop NODE and start it again with its state (same identity, ring
#                                 address and virtual IP); each --option value replaces that option or is added
#   testbed.sh move DIR NODE D    re-plug NODE's uplink into domain D's LAN (a new address there)
#   testbed.sh rebind DIR D       flush domain D's NAT mappings (conntrack): every mapping is made anew
#   testbed.sh cut DIR D...       domain D's router drops everything across its WAN (a cut between sites;
#                                 the domains behind it are cut too)
#   testbed.sh heal DIR D...      undo the cut
#
# T is one of: cone (endpoint-independent mapping and filtering), restricted (port-restricted:
# Linux masquerade), symmetric (a new random port per destination: masquerade random,fully-random),
# udp-blocked (only outbound TCP passes) and double (a port-restricted NAT behind the NAT of the
# first restricted domain listed before it, else the first cone or symmetric one).
#
# Layout: a "public" network 198.51.100.0/24 (a bridge in its own namespace) holds the seed, a
# WOW router node (--no-tap) listening on UDP and TCP at 198.51.100.1:P. Domain d is a router
# namespace (WAN 198.51.100.(10+d), LAN 10.d.0.1/24 on a bridge) and N hosts at 10.d.0.(10+i), each
# running `tools/wow node` with a real TAP and virtual IP 10.128.d.i/16, joining by the seed only
# (UDP-blocked hosts use --seed tcp://). Every namespace and process is recorded in DIR/manifest
# and removed by `down`, on Ctrl-C and on failure of `up`; `up` first removes what an earlier
# killed run (whose recorded owner is dead) left behind. Needs root; installs iproute2, nftables,
# ping and conntrack where they are missing (tools/deps.sh).
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
WOW="$HERE/wow"
REGISTRY=/run/wow-testbed

die() { echo "testbed: $*" >&2; exit 1; }

# ------------------------------------------------------------------ teardown

down() {
  local dir=$1 kind value pid
  [ -f "$dir/manifest" ] || return 0
  # processes first (TERM, then KILL after 5 s), then namespaces, newest first
  while read -r kind value; do
    [ "$kind" = pid ] && kill -TERM "$value" 2>/dev/null
  done < "$dir/manifest"
  while read -r kind value; do
    if [ "$kind" = pid ]; then
      for _ in $(seq 1 50); do kill -0 "$value" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$value" 2>/dev/null
    fi
  done < "$dir/manifest"
  tac "$dir/manifest" | while read -r kind value; do
    if [ "$kind" = ns ]; then
      # anything still running inside was started by this testbed (a node's children)
      for pid in $(ip netns pids "$value" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$value" 2>/dev/null
    fi
    # a namespace's own resolv.conf (ip netns exec binds /etc/netns/NS/* over /etc)
    [ "$kind" = etc ] && case "$value" in /etc/netns/*) rm -rf "$value" ;; esac
  done
  rm -f "$dir/manifest" "$REGISTRY/$(basename "$dir").$(cksum <<<"$dir" | cut -d' ' -f1)"
}

# Removes what runs whose owner process died left behind (a killed `up` or demo).
reap_stale() {
  local entry dir owner
  mkdir -p "$REGISTRY"
  for entry in "$REGISTRY"/*; do
    [ -f "$entry" ] || continue
    read -r owner dir < "$entry"
    if ! kill -0 "$owner" 2>/dev/null; then
      echo "testbed: removing leftovers of a dead run in $dir" >&2
      down "$dir"
      rm -f "$entry"
    fi
  done
}

# ------------------------------------------------------------------ building blocks

record() { echo "$1 $2" >> "$DIR/manifest"; }

mkns() {
  ip netns add "$1" || die "cannot create namespace $1"
  record ns "$1"
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
}

# resolver NS [IP]: programs in host namespace NS ask its node's DNS (NAME.wow) at IP (a --dhcp
# host's client writes it once it has the address)
resolver() {
  mkdir -p "/etc/netns/$1" && record etc "/etc/netns/$1" || die "cannot make /etc/netns/$1"
  echo "${2:+nameserver $2}" > "/etc/netns/$1/resolv.conf"
}

# plug NS IFNAME into the bridge BR living in namespace BRNS
plug() {
  local ns=$1 ifname=$2 brns=$3 br=$4 port="p$((++PORTSEQ))"
  ip link add "$ifname" netns "$ns" type veth peer name "$port" netns "$brns" || die "cannot create veth for $ns"
  ip -n "$brns" link set "$port" master "$br" up
  ip -n "$ns" link set "$ifname" up
}

nat_rules() {
  local type=$1 wanip=$2 forwards=$3
  local post="oifname \"wan\" masquerade"
  local extra=""
  case "$type" in
    cone)
      post="oifname \"wan\" snat to $wanip"
      extra="chain nat_prerouting { type nat hook prerouting priority dstnat; $forwards }" ;;
    restricted|double) ;;
    symmetric) post="oifname \"wan\" masquerade random,fully-random" ;;
    udp-blocked)
      # to and from the outside only TCP, and only opened from inside; the LAN itself is a plain switch
      extra="chain filter_forward { type filter hook forward priority 0; policy accept;
               oifname \"wan\" meta l4proto != tcp drop; iifname \"wan\" ct state != { established, related } drop; }" ;;
    *) die "unknown NAT type '$type' (cone, restricted, symmetric, udp-blocked, double)" ;;
  esac
  # the router itself accepts nothing new from outside: no conntrack entry is left behind by a
  # stranger's probe, so a later outbound mapping keeps its port (as home routers behave)
  cat <<EOF
table ip wownat {
  chain nat_postrouting { type nat hook postrouting priority srcnat; $post; }
  chain filter_input { type filter hook input priority 0; iifname "wan" ct state new drop; }
  $extra
}
EOF
}

# Prints the bundle of node NAME (made by the testbed's CA on first use): ca sign options follow.
bundle() {
  local name=$1; shift
  local file="$DIR/certs/$name.bundle"
  if [ ! -f "$file" ]; then
    mkdir -p "$DIR/certs"
    "$WOW" ca sign --dir "$DIR/ca" --name "$name" --relay --days 30 "$@" --out "$file" > /dev/null ||
      die "cannot make the bundle of $name"
  fi
  echo "$file"
}

start_node() {
  local name=$1 ns=$2; shift 2
  mkdir -p "$DIR/nodes/$name"
  printf '%s\n' "$ns" "$@" > "$DIR/nodes/$name.cmd"
  date +%s.%N > "$DIR/nodes/$name.launched"
  ip netns exec "$ns" env WOW_JAVA_OPTS="${WOW_JAVA_OPTS:--Xmx96m -XX:TieredStopAtLevel=1}" \
    "$WOW" node --state-dir "$DIR/nodes/$name" "$@" > "$DIR/nodes/$name/log" 2>&1 &
  echo $! > "$DIR/nodes/$name.pid"
  record pid $!
}

# The host's DHCP client: once its node leased an address, busybox udhcpc takes it from the
# node's DHCP server on the TAP and configures it (address, mask, MTU). In the background.
dhcp_client() {
  local name=$1 ns=$2
  if [ ! -x "$DIR/udhcpc.sh" ]; then
    cat > "$DIR/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr flush dev "$interface"
ip addr add "$ip/$subnet" dev "$interface"
[ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
[ -n "$dns" ] && echo "nameserver $dns" > /etc/resolv.conf
exit 0
SCRIPT
    chmod 700 "$DIR/udhcpc.sh"
  fi
  (
    for _ in $(seq 1 120); do grep -q ip_leased "$DIR/nodes/$name/log" 2>/dev/null && break; sleep 0.5; done
    ip netns exec "$ns" busybox udhcpc -i wow0 -n -q -f -t 5 -T 1 -s "$DIR/udhcpc.sh" > "$DIR/nodes/$name.dhcp" 2>&1
  ) &
  record pid $!
}

move() {
  local name=$1 d=$2 ns n
  ns=$(awk -F'\t' -v n="$name" '$1 == n {print $2}' "$DIR/nodes.tsv")
  [ -n "$ns" ] || die "no node '$name' in $DIR"
  ip netns list | grep -q "^$TAG-r$d " || ip netns list | grep -q "^$TAG-r$d\$" || die "no domain $d in $DIR"
  n=$(( $(cat "$DIR/moves" 2>/dev/null || echo 0) + 1 )); echo $n > "$DIR/moves"
  ip -n "$ns" link del eth0 2>/dev/null
  PORTSEQ=$((1000 + n))
  plug "$ns" eth0 "$TAG-r$d" lan
  ip -n "$ns" addr add "10.$d.0.$((100 + n))/24" dev eth0
  ip -n "$ns" route add default via "10.$d.0.1"
  echo "testbed: $name moved to domain $d as 10.$d.0.$((100 + n))"
}

rebind() {
  ip netns exec "$TAG-r$1" conntrack -F >/dev/null 2>&1 || die "cannot flush conntrack in domain $1 (needs the conntrack tool)"
  echo "testbed: domain $1's NAT mappings flushed"
}

# A cut: domain D's router drops everything across its WAN (and so do the domains behind it).
cut_domains() {
  local d
  for d in "$@"; do
    ip netns list | grep -q "^$TAG-r$d\b" || die "no domain $d in $DIR"
    printf 'table inet wowcut {\n chain cut { type filter hook forward priority -20; policy accept;\n  iifname "wan" drop\n  oifname "wan" drop\n }\n}\n' |
      ip netns exec "$TAG-r$d" nft -f - || die "cannot cut domain $d"
    echo "testbed: domain $d cut off"
  done
}

heal_domains() {
  local d
  for d in "$@"; do
    ip netns exec "$TAG-r$d" nft delete table inet wowcut 2>/dev/null || die "domain $d is not cut"
    echo "testbed: domain $d connected again"
  done
}

stop_node() {
  local name=$1 pid
  [ -f "$DIR/nodes/$name.cmd" ] || die "no node '$name' in $DIR"
  pid=$(cat "$DIR/nodes/$name.pid")
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}

rejoin() {
  local name=$1 ns
  stop_node "$name"
  rm -rf "$DIR/nodes/$name"
  mapfile -t args < "$DIR/nodes/$name.cmd"
  ns=${args[0]}
  start_node "$name" "$ns" "${args[@]:1}"
  echo "testbed: $name restarted with a new identity"
}

restart() {
  local name=$1 ns i found; shift
  stop_node "$name"
  mapfile -t args < "$DIR/nodes/$name.cmd"
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] && [[ "$1" == --* ]] || die "restart takes --option value pairs, not '$1'"
    found=0
    for i in "${!args[@]}"; do
      if [ "${args[$i]}" = "$1" ]; then args[$((i + 1))]=$2; found=1; fi
    done
    [ $found = 1 ] || args+=("$1" "$2")
    shift 2
  done
  ns=${args[0]}
  start_node "$name" "$ns" "${args[@]:1}"
  echo "testbed: $name restarted with its identity: ${args[*]:1}"
}

# ------------------------------------------------------------------ up

up() {
  local domains="cone,restricted,symmetric" hosts=2 port=47000 queues=1 nodes=1 any=0 nodeargs="" loss=0 dhcp="" secure=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --domains) domains=$2; shift 2 ;;
      --hosts) hosts=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --queues) queues=$2; shift 2 ;;
      --no-nodes) nodes=0; shift ;;
      --listen-any) any=1; shift ;;
      --node-args) nodeargs=$2; shift 2 ;;
      --loss) loss=$2; shift 2 ;;
      --dhcp) dhcp=$2; shift 2 ;;
      --insecure) secure=0; shift ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  [[ "$hosts" =~ ^[1-9][0-9]?$ ]] || die "--hosts must be 1..99"
  [[ "$loss" =~ ^[0-9]$|^[1-9][0-9]$ ]] || die "--loss must be 0..99 (percent)"
  if [ -n "$dhcp" ]; then
    [[ "$dhcp" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] || die "--dhcp takes a subnet A.B.C.D/P"
    command -v busybox >/dev/null || die "--dhcp needs busybox (udhcpc) in the hosts: apt-get install busybox"
  fi
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 64000 ] || die "--port must be 1024..64000"
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, TAP devices, nftables)"
  [ -c /dev/net/tun ] || die "no /dev/net/tun: load the tun module (modprobe tun)"
  bash "$HERE/deps.sh" demo || exit 1 # iproute2, nftables, ping, conntrack: installed where missing
  IFS=, read -r -a TYPES <<< "$domains"
  [ ${#TYPES[@]} -ge 1 ] && [ ${#TYPES[@]} -le 20 ] || die "--domains takes 1..20 types"

  reap_stale
  mkdir -p "$DIR" || die "cannot create $DIR"
  [ -f "$DIR/manifest" ] && down "$DIR"
  : > "$DIR/manifest"
  : > "$DIR/nodes.tsv"
  rm -f "$DIR/udhcpc.sh"
  echo "$OWNER $DIR" > "$REGISTRY/$(basename "$DIR").$(cksum <<<"$DIR" | cut -d' ' -f1)"
  trap 'echo "testbed: interrupted, removing everything" >&2; down "$DIR"; exit 130' INT TERM
  trap 'rc=$?; [ $rc -ne 0 ] && { echo "testbed: set-up failed, removing everything" >&2; down "$DIR"; }' EXIT
  rm -rf "$DIR/ca" "$DIR/certs"
  if [ $secure = 1 ]; then
    "$WOW" ca init --dir "$DIR/ca" --name testbed --subnet "${dhcp:-10.128.0.0/16}" > /dev/null || die "cannot make the CA"
  fi

  local tag="wtb$$" PORTSEQ=0
  local pub="$tag-pub" seedns="$tag-seed"
  mkns "$pub"
  ip -n "$pub" link add br0 type bridge && ip -n "$pub" link set br0 up || die "cannot create the public bridge"
  mkns "$seedns"
  plug "$seedns" eth0 "$pub" br0
  ip -n "$seedns" addr add 198.51.100.1/24 dev eth0
  local seed="198.51.100.1:$port"
  if [ $nodes = 1 ]; then
    local seedsec=(--insecure); [ $secure = 1 ] && seedsec=(--cert "$(bundle seed)")
    start_node seed "$seedns" --listen "$seed" --tcp-listen "$seed" --no-tap "${seedsec[@]}"
  fi
  printf 'seed\t%s\tpublic\tpublic\t-\t%s\t%s\n' "$seedns" "$seed" "$DIR/nodes/seed" >> "$DIR/nodes.tsv"

  local d type parent r wanip lanbase j i h hip hport fw vip address
  for d in $(seq 1 ${#TYPES[@]}); do
    type=${TYPES[$((d - 1))]}
    r="$tag-r$d"
    mkns "$r"
    ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
    # a LAN bridge switches frames without the router's firewall seeing them (where br_netfilter is loaded)
    ip netns exec "$r" sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null
    ip -n "$r" link add lan type bridge && ip -n "$r" link set lan up
    ip -n "$r" addr add "10.$d.0.1/24" dev lan
    if [ "$type" = double ]; then
      parent=0
      for j in $(seq 1 $((d - 1))); do
        case "${TYPES[$((j - 1))]}" in restricted) parent=$j; break ;; cone|symmetric) [ $parent = 0 ] && parent=$j ;; esac
      done
      [ "$parent" -gt 0 ] || die "a double NAT domain needs a cone, restricted or symmetric domain listed before it"
      wanip="10.$parent.0.$((200 + d))"
      plug "$r" wan "$tag-r$parent" lan
      ip -n "$r" addr add "$wanip/24" dev wan
      ip -n "$r" route add default via "10.$parent.0.1"
    else
      wanip="198.51.100.$((10 + d))"
      plug "$r" wan "$pub" br0
      ip -n "$r" addr add "$wanip/24" dev wan
    fi
    fw=""
    for i in $(seq 1 "$hosts"); do
      hport=$((port + 100 * d + i))
      fw="$fw iifname \"wan\" udp dport $hport dnat to 10.$d.0.$((10 + i)):$hport;"
    done
    nat_rules "$type" "$wanip" "$fw" | ip netns exec "$r" nft -f - || die "nftables rules for $type failed in $r"
    if [ "$loss" -gt 0 ]; then
      printf 'table inet wowloss {\n chain lossy { type filter hook forward priority -10; policy accept;\n  iifname "wan" numgen random mod 100 < %s drop\n  oifname "wan" numgen random mod 100 < %s drop\n }\n}\n' \
        "$loss" "$loss" | ip netns exec "$r" nft -f - || die "nftables loss rules failed in $r"
    fi
    for i in $(seq 1 "$hosts"); do
      h="$tag-h$d-$i"
      hip="10.$d.0.$((10 + i))"
      hport=$((port + 100 * d + i))
      mkns "$h"
      plug "$h" eth0 "$r" lan
      ip -n "$h" addr add "$hip/24" dev eth0
      ip -n "$h" route add default via "10.$d.0.1"
      local seedarg="$seed"
      [ "$type" = udp-blocked ] && seedarg="tcp://$seed"
      if [ $nodes = 1 ]; then
        listen="$hip:$hport"; [ $any = 1 ] && listen="0.0.0.0:$hport"
        address=(--ip "10.128.$d.$i/16"); [ -n "$dhcp" ] && address=(--dhcp --subnet "$dhcp")
        local sec=(--insecure)
        if [ $secure = 1 ]; then
          if [ -n "$dhcp" ]; then sec=(--cert "$(bundle "h$d-$i" --pool "$dhcp")")
          else sec=(--cert "$(bundle "h$d-$i" --ip "10.128.$d.$i/16")"); fi
        fi
        if [ -n "$dhcp" ]; then resolver "$h"; else resolver "$h" "10.128.$d.$i"; fi
        # shellcheck disable=SC2086 # --node-args is a list of words
        start_node "h$d-$i" "$h" --listen "$listen" --seed "$seedarg" "${address[@]}" "${sec[@]}" --queues "$queues" $nodeargs
        [ -n "$dhcp" ] && dhcp_client "h$d-$i" "$h"
      fi
      vip="10.128.$d.$i"; [ -n "$dhcp" ] && vip=dhcp # the leased address is in the node's status.json
      printf 'h%s-%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$d" "$i" "$h" "$d" "$type" "$vip" "$hip:$hport" \
        "$DIR/nodes/h$d-$i" >> "$DIR/nodes.tsv"
    done
  done
  trap - EXIT INT TERM
  echo "testbed: up in $DIR (${#TYPES[@]} domains: $domains; $hosts hosts each; seed $seed; namespaces $tag-*)"
}

cmd=${1:-}; DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || die "usage: testbed.sh up|down|nodes DIR [options]"
DIR=$(readlink -m "$DIR")
shift 2
# the run's owner: whoever keeps it alive (the demo, a test JVM); a dead owner's run is reaped
OWNER=${TESTBED_OWNER:-$PPID}
case "$cmd" in
  up) up "$@" ;;
  down) down "$DIR" ;;
  nodes) cat "$DIR/nodes.tsv" 2>/dev/null || die "no testbed in $DIR" ;;
  rejoin) [ $# -eq 1 ] || die "usage: testbed.sh rejoin DIR NODE"; [ -f "$DIR/manifest" ] || die "no testbed in $DIR"; rejoin "$1" ;;
  restart) [ $# -ge 1 ] || die "usage: testbed.sh restart DIR NODE [--option value ...]"; [ -f "$DIR/manifest" ] || die "no testbed in $DIR"
    restart "$@" ;;
  move|rebind|cut|heal)
    [ -f "$DIR/manifest" ] || die "no testbed in $DIR"
    TAG=$(awk -F'\t' '$1 == "seed" {print $2}' "$DIR/nodes.tsv"); TAG=${TAG%-seed}
    case "$cmd" in
      move) [ $# -eq 2 ] || die "usage: testbed.sh move DIR NODE DOMAIN"; move "$1" "$2" ;;
      rebind) [ $# -eq 1 ] || die "usage: testbed.sh rebind DIR DOMAIN"; rebind "$1" ;;
      cut) [ $# -ge 1 ] || die "usage: testbed.sh cut DIR DOMAIN..."; cut_domains "$@" ;;
      heal) [ $# -ge 1 ] || die "usage: testbed.sh heal DIR DOMAIN..."; heal_domains "$@" ;;
    esac ;;
  *) die "unknown command '$cmd' (up, down, nodes, rejoin, restart, move, rebind, cut, heal)" ;;
esac
