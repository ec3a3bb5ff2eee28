#!/usr/bin/env bash
# Prepares a Debian host for netplugin: installs what is missing, then starts Open vSwitch
# (userspace TSO enabled before vswitchd starts, see docs/platform.md) and dockerd if they are not
# running. Idempotent; safe to run again. Needs root.
set -euo pipefail

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have ovs-vsctl || need_pkgs+=(openvswitch-switch)
have dockerd || need_pkgs+=(docker.io)
have etcd || need_pkgs+=(etcd-server)
have ethtool || need_pkgs+=(ethtool)
have ping || need_pkgs+=(iputils-ping)
have iperf3 || need_pkgs+=(iperf3)
have tcpdump || need_pkgs+=(tcpdump)
have strace || need_pkgs+=(strace)
# The host gateway masquerades with an nftables table of its own (docs/datapath.md, "Host gateway").
have nft || need_pkgs+=(nftables)
# Behind Docker's firewall, the gateway puts accept rules in DOCKER-USER with iptables.
have iptables || need_pkgs+=(iptables)
have curl || need_pkgs+=(curl)
have nsenter || need_pkgs+=(util-linux)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
[ -x /usr/lib/cni/bridge ] || need_pkgs+=(containernetworking-plugins)
# Sanitizer build and fuzzers (make sanitize-test, make fuzz); /usr/bin/time measures the CNI shim's memory.
# (libclang-rt-14-dev holds the ASan/UBSan and libFuzzer runtimes clang links.)
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in clang-14 libfuzzer-14-dev libclang-rt-14-dev; do have_pkg "$p" || need_pkgs+=("$p"); done
[ -x /usr/bin/time ] || need_pkgs+=(time)
if ((${#need_pkgs[@]})); then
  echo "host-setup: installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# Open vSwitch: the kernel datapath is missing here, so bridges use datapath_type=netdev;
# userspace TSO must be set in the DB before vswitchd starts to take effect.
ovs_ctl=/usr/share/openvswitch/scripts/ovs-ctl
if ! ovs-vsctl --timeout=2 show >/dev/null 2>&1; then
  "$ovs_ctl" --system-id=random --no-monitor --no-ovs-vswitchd start >/dev/null
fi
if [ "$(ovs-vsctl --timeout=5 get Open_vSwitch . other_config:userspace-tso-enable 2>/dev/null | tr -d '"')" != "true" ]; then
  ovs-vsctl --timeout=5 --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
  if "$ovs_ctl" status 2>/dev/null | grep -q 'ovs-vswitchd is running'; then
    "$ovs_ctl" --no-monitor --no-ovsdb-server restart >/dev/null
  fi
fi
if ! "$ovs_ctl" status 2>/dev/null | grep -q 'ovs-vswitchd is running'; then
  "$ovs_ctl" --system-id=random --no-monitor --no-ovsdb-server start >/dev/null
fi

# dockerd: the vfs storage driver is the one that works in these VMs.
if ! docker version >/dev/null 2>&1; then
  mkdir -p /var/log/netplugin
  nohup dockerd --storage-driver=vfs >/var/log/netplugin/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { echo "host-setup: dockerd did not start" >&2; tail -20 /var/log/netplugin/dockerd.log >&2; exit 1; }
fi

# An offline image with busybox tools (no registry is reachable).
# The label versions the image so an older build is replaced.
image_rev=2
if [ "$(docker image inspect -f '{{index .Config.Labels "netplugin.image"}}' netplugin/busybox:local 2>/dev/null)" != "$image_rev" ]; then
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/"
  for c in sh ip ping nc sleep ifconfig route cat ls echo hostname wget httpd true; do ln -s busybox "$root/bin/$c"; done
  tar -C "$root" -c . | docker import -c "LABEL netplugin.image=$image_rev" -c 'CMD ["sh"]' - netplugin/busybox:local >/dev/null
  rm -rf "$root"
fi
echo "host-setup: ovs $(ovs-vsctl --version | head -1 | awk '{print $NF}'), dockerd $(docker version -f '{{.Server.Version}}'), image netplugin/busybox:local ready"
