#!/usr/bin/env bash
# Installs the system tools a WOW task uses where they are missing, saying in one line what it
# installs; where it cannot (no apt-get, not root, apt-get failed) it stops with the one command
# that would. Nothing is installed that is already there. Optional libraries (Intel's ipsec-mb,
# whose AES-GCM the shim prefers to libcrypto's on x86-64) are installed where apt-get can; where
# it cannot, one line says so and the task goes on without them.
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
# PATH:package pairs, a file the package brings; WOW_DEPS_OPTIONAL replaces the list (tests).
if [ -z "${WOW_DEPS_OPTIONAL+set}" ]; then
  optional=""
  [ "$(uname -m)" = x86_64 ] && optional="/usr/include/intel-ipsec-mb.h:libipsec-mb-dev"
else
  optional=$WOW_DEPS_OPTIONAL
fi
missing=() extras=()
for pair in $wanted; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
for pair in $optional; do
  [ -e "${pair%%:*}" ] || extras+=("${pair#*:}")
done

# Optional libraries: installed if apt-get can, else one line; never a reason to stop.
install_extras() {
  [ ${#extras[@]} -eq 0 ] && exit 0
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "wow $task: optional ${extras[*]} not installed (faster AES-GCM; libcrypto's is used without it):" \
      "'sudo apt-get install -y --no-install-recommends ${extras[*]}' adds it" >&2
    exit 0
  fi
  echo "wow $task: installing ${extras[*]} (apt-get, optional)"
  export DEBIAN_FRONTEND=noninteractive
  [ "${1:-}" = updated ] || apt-get update -q >/dev/null 2>&1 || true
  apt-get install -y -q --no-install-recommends "${extras[@]}" >/dev/null 2>&1 \
    || echo "wow $task: could not install optional ${extras[*]}; going on without it" >&2
  exit 0
}
[ ${#missing[@]} -eq 0 ] && install_extras
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
install_extras updated
