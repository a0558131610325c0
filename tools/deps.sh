#!/usr/bin/env bash
# Installs the system tools a WOW task uses where they are missing, saying in one line what it
# installs; where it cannot (no apt-get, not root, apt-get failed) it stops with the one command
# that would. Nothing is installed that is already there.
#
#   tools/deps.sh demo    what `wow demo` and tools/testbed.sh use (and gcc, which the build needs)
#   tools/deps.sh test    what `mvn -B verify` uses (the system tests' namespaces, NAT routers,
#                         iperf3, DHCP client, ...), for .ci/run and a developer's machine
set -uo pipefail
task=${1:-}
case "$task" in
  demo) wanted="ip:iproute2 nft:nftables ping:iputils-ping conntrack:conntrack gcc:gcc" ;;
  test) wanted="ip:iproute2 nft:nftables ping:iputils-ping conntrack:conntrack gcc:gcc iperf3:iperf3
                nc:netcat-openbsd ethtool:ethtool busybox:busybox sha256sum:coreutils" ;;
  *) echo "usage: tools/deps.sh demo|test" >&2; exit 2 ;;
esac
missing=()
for pair in $wanted; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
command=(apt-get install -y --no-install-recommends "${missing[@]}")
if ! command -v apt-get >/dev/null 2>&1; then
  echo "wow $task: needs ${missing[*]}; install them with your package manager (on Debian: ${command[*]})" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "wow $task: needs ${missing[*]}: run 'sudo ${command[*]}'" >&2
  exit 1
fi
echo "wow $task: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q >/dev/null 2>&1 || true; apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }; then
  echo "wow $task: could not install ${missing[*]}: run '${command[*]}' and see what it says" >&2
  exit 1
fi
for pair in $wanted; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || { echo "wow $task: ${pair#*:} installed but '${pair%%:*}' is not on PATH" >&2; exit 1; }
done
