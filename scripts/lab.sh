#!/usr/bin/env bash
# The multi-host lab: N simulated hosts on this machine, each a network namespace with its
# own ovsdb-server + ovs-vswitchd and its own netagent, joined by an underlay namespace that
# holds the "physical" switch (Linux bridge `data`), the control network (bridge `mgmt`),
# one etcd and netmaster. Containers are network namespaces bind-mounted on files that the
# agents watch (--netns-dir). Everything is stopped by PID; `down` leaves nothing behind.
#
#   scripts/lab.sh up N [--id ID] [--no-current]      make a lab (make lab HOSTS=N)
#   scripts/lab.sh down [--all]                        remove it (make lab-down)
#   scripts/lab.sh status                              what runs, where, and how to use it
#   scripts/lab.sh netdcli ARGS...                     netdcli against the lab's netmaster
#   scripts/lab.sh container add|del HOST NAME         a container (netns) on host HOST
#   scripts/lab.sh container exec NAME CMD...          run CMD inside container NAME
#   scripts/lab.sh container list
#   scripts/lab.sh external add NAME VLAN IP/PREFIX    a machine on the underlay, untagged in VLAN
#   scripts/lab.sh external del NAME | exec NAME CMD...
#   scripts/lab.sh host stop-agent|kill-agent|start-agent|down|stop|up hostN
#   scripts/lab.sh etcd stop|kill|start|restart        (kill: SIGKILL)
#   scripts/lab.sh master stop|kill|start|restart      netmaster (kill: SIGKILL)
#   scripts/lab.sh docker up|down hostN                a dockerd of that host's own; its agent serves the plugin np<id>hostN
#   scripts/lab.sh docker cli hostN ARGS...            the docker CLI against that engine
#   scripts/lab.sh docker driver hostN                 that host's plugin (driver) name
#   scripts/lab.sh exec hostN|ul CMD...                   run CMD in a host's (or the underlay's) netns
#   scripts/lab.sh ovs hostN CMD...                       run an OVS CLI against that host's OVS
#   scripts/lab.sh log hostN                              that host's agent log
#
# Which lab: `--lab ID` before the command, else $NP_LAB, else the one `up` recorded as
# current (.run/lab/current). Tuning (environment): NP_LAB_AGENT_FLAGS=auto|all|minimal
# (auto passes --netns-dir/--uplink/--vtep-ip only if `netagent --help` lists them),
# NP_LAB_AGENT_ARGS (extra agent args), NP_LAB_LOG_LEVEL (agent/master log level, default
# debug), NP_LAB_MTU (underlay MTU, default 1500), NP_LAB_KEEP_ON_FAIL=1 (keep a failed up),
# NP_LAB_DOCKER=host1,host2|all (`up` gives those hosts a dockerd before their agents start),
# NP_LAB_DOCKER_IMAGE (image copied into lab engines, default netplugin/busybox:local),
# NP_LAB_VXLAN=kernel|userspace|onenic (VXLAN path, fixed at `up`; onenic: each host's one
# NIC up0 carries its address 198.18.100.N and the agent runs with its defaults).
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
labroot=$repo/.run/lab
schema=/usr/share/openvswitch/vswitch.ovsschema
mgmt_net=198.18.200
data_net=198.18.100
vx_net=198.18.101
ctl_ip=$mgmt_net.254
etcd_url=http://$ctl_ip:2379
master_url=https://$ctl_ip:9999
bridge=netplugin

die() { echo "lab: $*" >&2; exit 1; }
log() { echo "lab: $*" >&2; }

# ---------------------------------------------------------------- lab selection

lab_id=${NP_LAB:-}
if [ "${1:-}" = --lab ]; then lab_id=${2:?--lab needs an id}; shift 2; fi

# Sets id, labdir, ul (underlay ns) for lab $1.
select_lab() {
  id=$1
  [[ $id =~ ^[0-9a-f]{2,8}$ ]] || die "bad lab id '$id' (hex, 2-8 digits)"
  labdir=$labroot/$id
  ul=np$id-ul
}

# Selects the lab named by --lab / NP_LAB / current, or dies.
need_lab() {
  local want=$lab_id
  [ -n "$want" ] || { [ -f "$labroot/current" ] && want=$(cat "$labroot/current"); } || true
  [ -n "$want" ] || die "no lab is up (scripts/lab.sh up N), or name one with --lab ID / NP_LAB"
  select_lab "$want"
  [ -d "$labdir" ] || die "lab $id does not exist ($labdir missing)"
}

hosts_of_lab() { cat "$labdir/hosts"; }
hns() { echo "np$id-$1"; }
host_dir() { echo "$labdir/$1"; }

check_host() {
  [[ $1 =~ ^host([0-9]+)$ ]] || die "host must be host1..hostN, not '$1'"
  local n=${BASH_REMATCH[1]}
  { [ "$n" -ge 1 ] && [ "$n" -le "$(hosts_of_lab)" ]; } || die "lab $id has no host $1 (hosts: host1..host$(hosts_of_lab))"
}

# ---------------------------------------------------------------- processes, by PID only

# True when pidfile $1 names a live process whose command line contains $2.
pid_alive() {
  local f=$1 pat=$2 pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  # A reused PID must not be killed: the command line has to be ours.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pat"
}

# True while PID $1 exists and is not a zombie (PID 1 here reaps orphans only every ~2 s).
running() {
  local st
  st=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# Sends signal $1 to every live process named by the "PIDFILE:PATTERN" arguments at once,
# waits for all of them, and escalates to SIGKILL after 10 s; removes the pidfiles.
stop_pidfiles() {
  local sig=$1 spec f pid i any pids=()
  shift
  for spec in "$@"; do
    f=${spec%%:*}
    if pid_alive "$f" "${spec#*:}"; then
      pid=$(cat "$f")
      pids+=("$pid")
      kill -s "$sig" "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for i in $(seq 1 200); do
    any=0
    for pid in "${pids[@]}"; do if running "$pid"; then any=1; fi; done
    [ "$any" = 1 ] || return 0
    [ "$i" != 100 ] || for pid in "${pids[@]}"; do kill -s KILL "$pid" 2>/dev/null || true; done
    sleep 0.1
  done
  log "warning: could not stop pids ${pids[*]}"
}

# Stops the process of pidfile $1 (cmdline must contain $2) with signal $3.
stop_pidfile() { stop_pidfiles "${3:-TERM}" "$1:$2"; }

# Starts "$@" in netns $3 in its own session, logging to $2; its PID lands in pidfile $1.
start_bg() {
  local pidfile=$1 logfile=$2 ns=$3 i
  shift 3
  rm -f "$pidfile"
  # `ip netns exec` execs its command, so the PID written here is the daemon's own.
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" ip netns exec "$ns" "$@" </dev/null >>"$logfile" 2>&1 &
  for i in $(seq 1 50); do [ -s "$pidfile" ] && return 0; sleep 0.02; done
  die "could not start $1"
}

# Kills (by PID) every process whose network namespace is the one bind-mounted at $1.
kill_netns_pids() {
  kill_netns_pids_all "$@"
}

# Kills every process inside any of the network-namespace files "$@": one pass over /proc
# for all of them (a lab may hold a thousand container namespaces).
kill_netns_pids_all() {
  local f ino p link
  declare -A wanted=()
  for f in "$@"; do
    [ "$(stat -f -L -c %T "$f" 2>/dev/null)" = nsfs ] || continue
    ino=$(stat -L -c %i "$f" 2>/dev/null) || continue
    wanted["net:[$ino]"]=1
  done
  [ ${#wanted[@]} -gt 0 ] || return 0
  # One find for every process's namespace link: a readlink process per PID took seconds on a loaded machine.
  while read -r link p; do
    p=${p#/proc/}
    [ -n "${wanted[$link]:-}" ] && kill -s KILL "${p%/ns}" 2>/dev/null || true
  done < <(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l %h\n' 2>/dev/null)
}

# No IPv6 in lab namespaces: their router/MLD chatter on the underlay would only be noise in flow counters and captures.
no_ipv6() { ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true; }

# Polls command "$@" for up to $1 tenths of a second.
wait_until() {
  local n=$1 i
  shift
  for i in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# ---------------------------------------------------------------- etcd and netmaster

etcd_start() {
  local d=$labdir/ul
  start_bg "$d/etcd.pid" "$d/etcd.log" "$ul" /usr/bin/etcd \
    --name "lab$id" --data-dir "$d/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://$ctl_ip:2380" --initial-advertise-peer-urls "http://$ctl_ip:2380" \
    --initial-cluster "lab$id=http://$ctl_ip:2380" \
    --max-txn-ops 100000 --max-request-bytes 67108864
  wait_until 300 ip netns exec "$ul" curl -fsS --max-time 1 "$etcd_url/health" || { tail -20 "$d/etcd.log" >&2; die "etcd did not become healthy"; }
}

etcd_stop() { stop_pidfile "$labdir/ul/etcd.pid" etcd "${1:-TERM}"; }

# netmaster listens on the control network, not loopback, so it serves HTTPS: a self-signed
# certificate for $ctl_ip made once per lab. Its API token file is created by netmaster itself.
master_tls_cert() { echo "$labdir/ul/api-tls.crt"; }
master_tls_key() { echo "$labdir/ul/api-tls.key"; }
master_token_file() { echo "$labdir/ul/api-token"; }

master_start() {
  local d=$labdir/ul
  if [ ! -s "$(master_tls_cert)" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout "$(master_tls_key)" -out "$(master_tls_cert)" -subj "/CN=netmaster lab $id" \
      -addext "subjectAltName=IP:$ctl_ip" >/dev/null 2>&1 || die "openssl could not make netmaster's certificate"
    chmod 600 "$(master_tls_key)"
  fi
  NETPLUGIN_LOG_LEVEL=${NP_LAB_LOG_LEVEL:-debug} start_bg "$d/netmaster.pid" "$d/netmaster.log" "$ul" \
    "$repo/bin/netmaster" --listen "$ctl_ip:9999" --store "etcd://$ctl_ip:2379" \
    --tls-cert "$(master_tls_cert)" --tls-key "$(master_tls_key)" --token-file "$(master_token_file)"
  wait_until 300 ip netns exec "$ul" curl -fsS --max-time 1 --cacert "$(master_tls_cert)" "$master_url/api/v1/health" \
    || { tail -20 "$d/netmaster.log" >&2; die "netmaster did not answer on $master_url"; }
}

# ---------------------------------------------------------------- per-host OVS

ovs_env() { echo "OVS_RUNDIR=$1 OVS_DBDIR=$1 OVS_LOGDIR=$1"; }

# Starts ovsdb-server + ovs-vswitchd with everything in directory $1, inside netns $2 (label $3).
ovs_start_in() {
  local d=$1 ns=$2 label=$3
  mkdir -p "$d"
  [ -f "$d/conf.db" ] || ovsdb-tool create "$d/conf.db" "$schema"
  if ! pid_alive "$d/ovsdb-server.pid" ovsdb-server; then
    env $(ovs_env "$d") ip netns exec "$ns" ovsdb-server "$d/conf.db" \
      --remote="punix:$d/db.sock" --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
      --pidfile="$d/ovsdb-server.pid" --detach --no-chdir --log-file="$d/ovsdb-server.log" \
      --unixctl="$d/ovsdb-server.ctl" -vconsole:off 2>/dev/null
  fi
  wait_until 100 env $(ovs_env "$d") ovs-vsctl --db="unix:$d/db.sock" --timeout=1 --no-wait show || die "$label: ovsdb-server does not answer"
  # TSO must be on before vswitchd starts (docs/platform.md: TCP over veth hangs otherwise, and is 8-10x slower).
  env $(ovs_env "$d") ovs-vsctl --db="unix:$d/db.sock" --no-wait -- init \
    -- set Open_vSwitch . other_config:userspace-tso-enable=true \
    external_ids:system-id="lab$id-$label" external_ids:hostname="$label"
  if ! pid_alive "$d/ovs-vswitchd.pid" ovs-vswitchd; then
    env $(ovs_env "$d") ip netns exec "$ns" ovs-vswitchd "unix:$d/db.sock" \
      --pidfile="$d/ovs-vswitchd.pid" --detach --no-chdir --log-file="$d/ovs-vswitchd.log" \
      --unixctl="$d/ovs-vswitchd.ctl" -vconsole:off 2>/dev/null
  fi
  wait_until 100 env $(ovs_env "$d") ovs-appctl -t "$d/ovs-vswitchd.ctl" version || die "$label: ovs-vswitchd does not answer"
}

# Stops the OVS daemons of directory $1 (signal $2).
ovs_stop_in() {
  stop_pidfile "$1/ovs-vswitchd.pid" ovs-vswitchd "${2:-TERM}"
  stop_pidfile "$1/ovsdb-server.pid" ovsdb-server "${2:-TERM}"
}

ovs_start() { ovs_start_in "$(host_dir "$1")/ovs" "$(hns "$1")" "$1"; }
ovs_stop() { ovs_stop_in "$(host_dir "$1")/ovs" "${2:-TERM}"; }

# ---------------------------------------------------------------- per-host agent

# The agent flags this build understands (auto), all of them, or only the original ones.
agent_flag_wanted() {
  local flag=$1
  case ${NP_LAB_AGENT_FLAGS:-auto} in
    all) return 0 ;;
    minimal) return 1 ;;
    auto) grep -q -- "--$flag\b" "$labdir/agent-help.txt" ;;
    *) die "NP_LAB_AGENT_FLAGS must be auto, all or minimal" ;;
  esac
}

# The lab's VXLAN set-up, fixed when it was made: kernel (ux0 + --vxlan-dev), userspace, or onenic.
lab_vxlan() { cat "$labdir/vxlan" 2>/dev/null || echo "${NP_LAB_VXLAN:-kernel}"; }

agent_args() {
  local h=$1 n=${1#host} d
  d=$(host_dir "$h")
  printf '%s\n' --host-label "$h" --store "etcd://$ctl_ip:2379" --ovs-rundir "$d/ovs" --bridge "$bridge"
  # A host with its own dockerd (`docker up`): follow that engine; otherwise a socket nobody serves.
  if docker_on "$h"; then printf '%s\n' --docker-socket "$(docker_sock "$h")"; else printf '%s\n' --docker-socket "$d/no-docker.sock"; fi
  if agent_flag_wanted netns-dir; then printf '%s\n' --netns-dir "$d/netns"; fi
  # A one-NIC host runs the agent with its defaults: uplink and VTEP come from the intent's Hosts[].
  if [ "$(lab_vxlan)" != onenic ]; then
    if agent_flag_wanted uplink; then printf '%s\n' --uplink up0; fi
    if agent_flag_wanted vtep-ip; then printf '%s\n' --vtep-ip "$data_net.$n"; fi
  fi
  # VXLAN path: kernel devices over ux0 (default, fast) or OVS's userspace tunnel (NP_LAB_VXLAN=userspace).
  if [ "$(lab_vxlan)" = kernel ] && agent_flag_wanted vxlan-dev; then printf '%s\n' --vxlan-dev ux0; fi
  if agent_flag_wanted api-socket; then printf '%s\n' --api-socket "$d/agent.sock"; fi
  if agent_flag_wanted docker-plugin-socket; then
    if docker_on "$h"; then printf '%s\n' --docker-plugin-socket "$(plugin_sock "$h")"; else printf '%s\n' --docker-plugin-socket none; fi
  fi
  # Extra args are fixed at `up`, so an agent restarted later runs with them too.
  local extra
  extra=$(cat "$labdir/agent-args" 2>/dev/null || echo "${NP_LAB_AGENT_ARGS:-}")
  if [ -n "$extra" ]; then printf '%s\n' $extra; fi
}

agent_start() {
  local h=$1 d args offset
  d=$(host_dir "$h")
  if pid_alive "$d/netagent.pid" netagent; then log "$h: agent already running"; return 0; fi
  mapfile -t args < <(agent_args "$h")
  printf '%s ' "${args[@]}" >"$d/netagent.args"
  offset=$(stat -c %s "$d/netagent.log" 2>/dev/null || echo 0)
  echo "$offset" >"$d/netagent.offset"
  NETPLUGIN_LOG_LEVEL=${NP_LAB_LOG_LEVEL:-debug} start_bg "$d/netagent.pid" "$d/netagent.log" "$(hns "$h")" \
    "$repo/bin/netagent" "${args[@]}"
}

# Waits until host $1's agent, started at log offset netagent.offset, logs "netagent running".
agent_wait() {
  local h=$1 d offset i
  d=$(host_dir "$h")
  offset=$(cat "$d/netagent.offset")
  for i in $(seq 1 600); do
    # `|| true`: grep -q stops at the first match, and tail, killed by SIGPIPE on a long log,
    # would otherwise fail the pipeline (pipefail) although the line is there.
    if { tail -c +"$((offset + 1))" "$d/netagent.log" || true; } | grep -q 'netagent running'; then return 0; fi
    if ! pid_alive "$d/netagent.pid" netagent; then
      tail -c +"$((offset + 1))" "$d/netagent.log" | tail -20 >&2
      die "$h: netagent exited during start (args: $(cat "$d/netagent.args"))"
    fi
    sleep 0.1
  done
  tail -20 "$d/netagent.log" >&2
  die "$h: netagent did not log 'netagent running' within 60 s"
}

agent_stop() { stop_pidfile "$(host_dir "$1")/netagent.pid" netagent "${2:-TERM}"; }

# ---------------------------------------------------------------- per-host dockerd

# A host may run its own Docker engine (`docker up hostN`). dockerd enters only the host's
# network namespace (nsenter --net): the veths it moves and its containers' namespaces are
# in that host's world, while it keeps this machine's mount namespace, whose cgroup mounts
# `ip netns exec` would hide under a fresh /sys. Everything it keeps (data and exec roots,
# pidfile, API socket) is in <lab>/hostN/docker, made a shared bind mount first: the agent's
# mount namespace (a slave copy made by `ip netns exec`) then sees the netns files dockerd
# bind-mounts there later, which Join hands the agent as SandboxKey. dockerd finds plugins
# only in /run/docker/plugins, one directory for every engine of this machine, so each
# host's plugin (= driver) name is unique to lab and host: np<id>hostN.

docker_image=${NP_LAB_DOCKER_IMAGE:-netplugin/busybox:local}
docker_dir() { echo "$(host_dir "$1")/docker"; }
docker_sock() { echo "$(docker_dir "$1")/docker.sock"; }
docker_driver() { echo "np$id$1"; }
plugin_sock() { echo "/run/docker/plugins/$(docker_driver "$1").sock"; }
# True once `docker up` (or NP_LAB_DOCKER at `up`) gave host $1 an engine: its agent then serves the plugin.
docker_on() { [ -f "$(host_dir "$1")/docker.on" ]; }
# The docker CLI against host $1's engine.
hdocker() { local h=$1; shift; docker -H "unix://$(docker_sock "$h")" "$@"; }

# Unmounts every mount point at or below directory $1, deepest first (stacked ones too).
umount_under() {
  local m
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print length($5), $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2- |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}

# Starts host $1's dockerd (no-op if it runs) and loads the offline test image into it.
docker_start() {
  local h=$1 d dd i
  d=$(host_dir "$h")
  dd=$(docker_dir "$h")
  command -v dockerd >/dev/null || die "dockerd is not installed (scripts/host-setup.sh)"
  if pid_alive "$d/dockerd.pid" "dockerd --config-file $dd/"; then log "$h: dockerd already running"; touch "$d/docker.on"; return 0; fi
  mkdir -p "$dd"
  if ! mountpoint -q "$dd"; then mount --bind "$dd" "$dd"; mount --make-shared "$dd"; fi
  # Its own (empty) config, not the machine's /etc/docker/daemon.json. No bridge: `--bridge=none`
  # deletes the link docker0 of dockerd's own namespace, which here is the lab host's (it has none).
  echo '{}' >"$dd/daemon.json"
  rm -f "$dd/docker.pid" "$d/dockerd.pid"
  # nsenter execs dockerd, so the PID written here is dockerd's own.
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$d/dockerd.pid" nsenter --net="/run/netns/$(hns "$h")" \
    dockerd --config-file "$dd/daemon.json" --data-root "$dd/data" --exec-root "$dd/exec" \
    --pidfile "$dd/docker.pid" -H "unix://$dd/docker.sock" --bridge=none \
    --iptables=false --ip-masq=false --ip-forward=false --storage-driver=vfs \
    </dev/null >>"$d/dockerd.log" 2>&1 &
  for i in $(seq 1 50); do [ -s "$d/dockerd.pid" ] && break; sleep 0.02; done
  touch "$d/docker.on"
  wait_until 600 hdocker "$h" version || { tail -20 "$d/dockerd.log" >&2; die "$h: dockerd did not answer on $dd/docker.sock"; }
  if ! hdocker "$h" image inspect "$docker_image" >/dev/null 2>&1; then
    docker save "$docker_image" | hdocker "$h" load -q >/dev/null \
      || die "$h: could not copy $docker_image from this machine's engine (scripts/host-setup.sh makes it)"
  fi
}

# Removes host $1's containers and plugin networks through its engine, while the agent still
# answers the plugin calls (so endpoints, claims and bindings leave the store too).
docker_clear() {
  local h=$1 ids nets
  pid_alive "$(host_dir "$h")/dockerd.pid" "dockerd --config-file $(docker_dir "$h")/" || return 0
  ids=$(hdocker "$h" ps -aq 2>/dev/null) || true
  if [ -n "$ids" ]; then timeout 120 docker -H "unix://$(docker_sock "$h")" rm -f $ids >/dev/null || log "$h: warning: docker rm -f failed"; fi
  nets=$(hdocker "$h" network ls -q --filter "driver=$(docker_driver "$h")" 2>/dev/null) || true
  if [ -n "$nets" ]; then timeout 60 docker -H "unix://$(docker_sock "$h")" network rm $nets >/dev/null || log "$h: warning: docker network rm failed"; fi
}

# Stops the dockerd of host directory $1 and removes everything it made: container processes
# (by PID, through their sandbox namespaces), dockerd (TERM, KILL after 10 s), any containerd
# or shim that outlived it (by PID: their command lines name this engine's exec root, which
# the agent's `--docker-socket <dir>/docker.sock` does not), its mounts, and its directory.
docker_stop_dir() {
  local d=$1 dd=$1/docker p cmd
  [ -d "$dd" ] || { rm -f "$d/docker.on"; return 0; }
  kill_netns_pids_all "$dd"/exec/netns/*
  stop_pidfile "$d/dockerd.pid" "dockerd --config-file $dd/" TERM
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" != $$ ] || continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    [[ $cmd == *"$dd/exec/"* ]] && kill -s KILL "${p#/proc/}" 2>/dev/null || true
  done
  # A --restart=always container dockerd brought back meanwhile.
  kill_netns_pids_all "$dd"/exec/netns/*
  umount_under "$dd"
  rm -rf "$dd"
  rm -f "$d/docker.on"
}

# Restarts host $1's agent if it runs with other plugin arguments than agent_args gives now.
docker_agent_sync() {
  local h=$1 d want
  d=$(host_dir "$h")
  pid_alive "$d/netagent.pid" netagent || return 0
  if docker_on "$h"; then want=1; else want=0; fi
  if grep -q -- "$(plugin_sock "$h")" "$d/netagent.args" 2>/dev/null; then [ "$want" = 0 ] || return 0; else [ "$want" = 1 ] || return 0; fi
  log "$h: restarting the agent $([ "$want" = 1 ] && echo "with" || echo "without") the Docker plugin $(docker_driver "$h")"
  agent_stop "$h"
  [ "$want" = 1 ] || rm -f "$(plugin_sock "$h")"
  agent_start "$h"
  agent_wait "$h"
}

# Hosts named by NP_LAB_DOCKER (host1,host2 or all) for a lab of $1 hosts.
docker_hosts_wanted() {
  local spec=${NP_LAB_DOCKER:-} h
  [ -n "$spec" ] || return 0
  if [ "$spec" = all ]; then seq -f 'host%g' 1 "$1"; return 0; fi
  for h in ${spec//,/ }; do check_host "$h"; echo "$h"; done
}

cmd_docker() {
  need_lab
  local sub=${1:-} h
  shift || true
  case $sub in
    up)
      [ $# -eq 1 ] || die "usage: docker up hostN"
      check_host "$1"; h=$1
      agent_flag_wanted docker-plugin-socket || log "warning: this netagent build has no --docker-plugin-socket"
      docker_start "$h"
      docker_agent_sync "$h"
      echo "$h: dockerd $(state_of "$(host_dir "$h")/dockerd.pid" dockerd), driver $(docker_driver "$h")"
      echo "  scripts/lab.sh docker cli $h network create -d $(docker_driver "$h") --ipam-driver $(docker_driver "$h") --ipam-opt tenant=T --ipam-opt network=N NAME"
      ;;
    down)
      [ $# -eq 1 ] || die "usage: docker down hostN"
      check_host "$1"; h=$1
      docker_clear "$h"
      docker_stop_dir "$(host_dir "$h")"
      docker_agent_sync "$h"
      # No agent of this host serves the plugin now (a killed one may have left its socket).
      rm -f "$(plugin_sock "$h")"
      ;;
    cli)
      [ $# -ge 1 ] || die "usage: docker cli hostN ARGS..."
      check_host "$1"; h=$1
      shift
      [ -S "$(docker_sock "$h")" ] || die "$h has no dockerd (scripts/lab.sh docker up $h)"
      exec docker -H "unix://$(docker_sock "$h")" "$@"
      ;;
    driver)
      [ $# -eq 1 ] || die "usage: docker driver hostN"
      check_host "$1"
      docker_driver "$1"
      ;;
    *) die "usage: docker up|down|driver hostN | docker cli hostN ARGS..." ;;
  esac
}

# ---------------------------------------------------------------- up

cmd_up() {
  local n=${1:-} want_current=1 newid="" h i
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 100 ] || die "usage: lab.sh up N [--id ID] [--no-current]  (1 <= N <= 100)"
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --id) newid=${2:?--id needs a value}; shift 2 ;;
      --no-current) want_current=0; shift ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  [ -x "$repo/bin/netagent" ] && [ -f "$repo/dist/cli/netagent.js" ] || die "not built: run make build"
  case ${NP_LAB_VXLAN:-kernel} in kernel|userspace|onenic) ;; *) die "NP_LAB_VXLAN must be kernel, userspace or onenic" ;; esac
  if [ "$want_current" = 1 ] && [ -f "$labroot/current" ] && [ -d "$labroot/$(cat "$labroot/current")" ]; then
    die "lab $(cat "$labroot/current") is up already; scripts/lab.sh down first"
  fi
  [ -n "$newid" ] || newid=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  select_lab "$newid"
  lab_id=$id
  [ ! -e "$labdir" ] || die "lab $id exists already"
  for i in $(ip netns list | awk '{print $1}'); do [[ $i != np$id-* ]] || die "namespace $i exists already"; done
  mkdir -p "$labdir/ul" "$labdir/externals"
  echo "$n" >"$labdir/hosts"
  echo "${NP_LAB_VXLAN:-kernel}" >"$labdir/vxlan"
  echo "${NP_LAB_AGENT_ARGS:-}" >"$labdir/agent-args"
  date -Is >"$labdir/created"
  if [ "$want_current" = 1 ]; then echo "$id" >"$labroot/current"; fi
  up_done=0
  # EXIT, not ERR: `die` exits without raising ERR, and a half-built lab must never stay behind.
  trap 'up_exit' EXIT
  trap 'exit 130' INT TERM
  "$repo/bin/netagent" --help >"$labdir/agent-help.txt" 2>&1 || true

  log "lab $id: underlay namespace $ul"
  ip netns add "$ul"
  no_ipv6 "$ul"
  ip -n "$ul" link set lo up
  # No vlan_filtering (this kernel lacks it): 802.1Q frames between hosts pass untouched.
  ip -n "$ul" link add data type bridge stp_state 0 mcast_snooping 0
  ip -n "$ul" link add mgmt type bridge stp_state 0
  ip -n "$ul" link set data mtu "${NP_LAB_MTU:-1500}" up
  ip -n "$ul" link set mgmt up
  ip -n "$ul" addr add "$ctl_ip/24" dev mgmt

  for i in $(seq 1 "$n"); do
    h=host$i
    mkdir -p "$labdir/$h/ovs" "$labdir/$h/netns"
    ip netns add "$(hns $h)"
    no_ipv6 "$(hns $h)"
    ip -n "$(hns $h)" link set lo up
    # Created from inside the namespaces so nothing ever appears in the root namespace.
    ip -n "$ul" link add "$h-data" mtu "${NP_LAB_MTU:-1500}" type veth peer name up0 mtu "${NP_LAB_MTU:-1500}" netns "$(hns $h)"
    ip -n "$ul" link add "$h-mgmt" type veth peer name mgmt0 netns "$(hns $h)"
    if [ "$(lab_vxlan)" = onenic ]; then
      # The usual server: its one NIC carries its address (the agent then picks the kernel VXLAN path itself).
      ip -n "$(hns $h)" addr add "$data_net.$i/24" dev up0
    else
      # A second underlay NIC whose address the kernel handles: kernel VXLAN devices use it.
      ip -n "$ul" link add "$h-vx" mtu "${NP_LAB_MTU:-1500}" type veth peer name ux0 mtu "${NP_LAB_MTU:-1500}" netns "$(hns $h)"
      ip -n "$ul" link set "$h-vx" master data up
      ip -n "$(hns $h)" addr add "$vx_net.$i/24" dev ux0
      # Two NICs on one L2 segment: answer ARP only on the NIC that holds the address, or
      # peers may learn ux0's MAC for the OVS VTEP (ARP flux) and tunnel traffic goes astray.
      ip netns exec "$(hns $h)" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
      ip -n "$(hns $h)" link set ux0 up
    fi
    ip -n "$ul" link set "$h-data" master data up
    ip -n "$ul" link set "$h-mgmt" master mgmt up
    ip -n "$(hns $h)" link set up0 up
    ip -n "$(hns $h)" link set mgmt0 up
    ip -n "$(hns $h)" addr add "$mgmt_net.$i/24" dev mgmt0
    # A shared mount point, so the container netns files bind-mounted here later also
    # appear in the agent's mount namespace (`ip netns exec` makes a slave copy; / is private here).
    mount --bind "$labdir/$h/netns" "$labdir/$h/netns"
    mount --make-shared "$labdir/$h/netns"
  done

  log "lab $id: etcd on $etcd_url, netmaster on $master_url"
  etcd_start
  master_start
  for i in $(seq 1 "$n"); do log "lab $id: host$i: ovsdb-server + ovs-vswitchd"; ovs_start "host$i"; done
  for h in $(docker_hosts_wanted "$n"); do log "lab $id: $h: dockerd"; docker_start "$h"; done
  for i in $(seq 1 "$n"); do agent_start "host$i"; done
  for i in $(seq 1 "$n"); do agent_wait "host$i"; done
  up_done=1
  cmd_status
}

up_exit() {
  local rc=$?
  [ "$up_done" = 1 ] && return 0
  trap - EXIT INT TERM
  log "up failed"
  if [ "${NP_LAB_KEEP_ON_FAIL:-0}" = 1 ]; then log "kept lab $id for inspection (NP_LAB_KEEP_ON_FAIL=1); remove with: scripts/lab.sh --lab $id down"; exit 1; fi
  local f
  for f in "$labdir"/*/*.log "$labdir"/*/ovs/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f (tail)" >&2
    tail -15 "$f" >&2
  done
  down_lab
  exit $(( rc ? rc : 1 ))
}

# ---------------------------------------------------------------- down

# Removes lab $id completely; safe to run on a half-built or already removed lab.
down_lab() {
  local f ns h
  # Containers first: anything running inside them (test listeners, shells) goes by PID.
  kill_netns_pids_all "$labdir"/host*/netns/*
  # Lab dockerds while the agents still answer their plugin calls.
  for h in "$labdir"/host*; do [ -d "$h" ] && docker_stop_dir "$h"; done
  local specs=()
  for h in "$labdir"/host*; do [ -d "$h" ] && specs+=("$h/netagent.pid:netagent"); done
  stop_pidfiles TERM "${specs[@]}" "$labdir/ul/netmaster.pid:netmaster"
  specs=("$labdir/ul/etcd.pid:etcd")
  for h in "$labdir"/host*/ovs "$labdir"/ul/ovs; do
    [ -d "$h" ] && specs+=("$h/ovs-vswitchd.pid:ovs-vswitchd" "$h/ovsdb-server.pid:ovsdb-server")
  done
  stop_pidfiles TERM "${specs[@]}"
  for f in "$labdir"/host*/netns/*; do
    [ -e "$f" ] || continue
    # A bind-mounted namespace file is a mount point (possibly stacked): unmount until it is not.
    while umount "$f" 2>/dev/null; do :; done
    rm -f "$f" 2>/dev/null || { umount -l "$f" 2>/dev/null; rm -f "$f"; } || true
  done
  for h in "$labdir"/host*/netns; do
    while mountpoint -q "$h" 2>/dev/null; do umount "$h" 2>/dev/null || umount -l "$h" || break; done
  done
  # Stragglers in the lab's named namespaces (a PID file lost in a crash) also go by PID.
  for ns in $(ip netns list | awk '{print $1}'); do
    [[ $ns == np$id-* ]] || continue
    kill_netns_pids "/run/netns/$ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -f /run/docker/plugins/np"$id"host[0-9]*.sock
  [ ! -d "$labdir" ] || umount_under "$labdir"
  rm -rf "$labdir"
  if [ -f "$labroot/current" ] && [ "$(cat "$labroot/current")" = "$id" ]; then rm -f "$labroot/current"; fi
}

cmd_down() {
  local d
  if [ "${1:-}" = --all ]; then
    for d in "$labroot"/*/; do
      [ -d "$d" ] || continue
      select_lab "$(basename "$d")"
      down_lab
      log "lab $id removed"
    done
    rm -f "$labroot/current"
    return 0
  fi
  local want=$lab_id
  [ -n "$want" ] || { [ -f "$labroot/current" ] && want=$(cat "$labroot/current"); } || true
  if [ -z "$want" ]; then log "no current lab (nothing to do; --all removes every lab under $labroot)"; return 0; fi
  select_lab "$want"
  down_lab
  log "lab $id removed"
}

# ---------------------------------------------------------------- status

state_of() { if pid_alive "$1" "$2"; then echo "running (pid $(cat "$1"))"; else echo "stopped"; fi; }

cmd_status() {
  need_lab
  local n h i c missing=""
  n=$(hosts_of_lab)
  for f in netns-dir uplink vtep-ip; do agent_flag_wanted "$f" || missing="$missing --$f"; done
  echo "lab $id ($n hosts), state in $labdir"
  echo "  underlay ns $ul: bridges data (underlay switch) and mgmt ($ctl_ip/24)"
  echo "    etcd      $etcd_url   $(state_of "$labdir/ul/etcd.pid" etcd)"
  echo "    netmaster $master_url   $(state_of "$labdir/ul/netmaster.pid" netmaster) (certificate $(master_tls_cert), API token $(master_token_file))"
  for i in $(seq 1 "$n"); do
    h=host$i
    case $(lab_vxlan) in
      onenic) echo "  $h: ns $(hns $h), mgmt0 $mgmt_net.$i/24, one NIC up0 $data_net.$i/24 (agent defaults: uplink and VTEP from Hosts[])" ;;
      *) echo "  $h: ns $(hns $h), mgmt0 $mgmt_net.$i/24, uplink up0 (VTEP $data_net.$i/24, set by the agent), ux0 $vx_net.$i/24 (kernel VXLAN underlay)" ;;
    esac
    echo "    ovsdb-server $(state_of "$labdir/$h/ovs/ovsdb-server.pid" ovsdb-server), ovs-vswitchd $(state_of "$labdir/$h/ovs/ovs-vswitchd.pid" ovs-vswitchd) (OVS_RUNDIR=$labdir/$h/ovs)"
    echo "    netagent $(state_of "$labdir/$h/netagent.pid" netagent), log $labdir/$h/netagent.log"
    if docker_on "$h"; then echo "    dockerd $(state_of "$labdir/$h/dockerd.pid" dockerd), socket $(docker_sock "$h"), plugin driver $(docker_driver "$h") (scripts/lab.sh docker cli $h ...)"; fi
    for c in "$labdir/$h/netns"/*; do [ -e "$c" ] && echo "    container $(basename "$c")"; done
  done
  for c in "$labdir/externals"/*; do [ -f "$c" ] && echo "  external $(basename "$c"): $(cat "$c")"; done
  [ -z "$missing" ] || echo "  note: this netagent build lacks$missing; the agents run without them"
  cat <<EOF
  use:
    scripts/lab.sh netdcli -cfg intent.json        (Hosts host1..host$n, Intf up0, VtepIp $data_net.N: the examples/ files as they are)
    scripts/lab.sh container add host1 myContainer1
    scripts/lab.sh container exec myContainer1 ping -c 2 IP
    scripts/lab.sh ovs host1 ovs-ofctl -O OpenFlow13 dump-flows $bridge
    scripts/lab.sh down
EOF
}

# ---------------------------------------------------------------- containers

container_file() {
  local name=$1 f
  for f in "$labdir"/host*/netns/"$name"; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  return 1
}

check_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] || die "bad name '$1' (letters, digits, _ . -; at most 64)"; }

cmd_container() {
  need_lab
  local sub=${1:-} f
  shift || true
  case $sub in
    add)
      [ $# -eq 2 ] || die "usage: container add HOST NAME"
      check_host "$1"; check_name "$2"
      if f=$(container_file "$2"); then die "container $2 exists already ($f)"; fi
      f=$labdir/$1/netns/$2
      touch "$f"
      unshare --net="$f" ip link set lo up || { rm -f "$f"; die "could not create the netns of $2"; }
      ;;
    del)
      [ $# -eq 2 ] || die "usage: container del HOST NAME"
      check_host "$1"; check_name "$2"
      f=$labdir/$1/netns/$2
      [ -e "$f" ] || die "no container $2 on $1"
      kill_netns_pids "$f"
      while mountpoint -q "$f"; do umount "$f"; done
      rm -f "$f"
      ;;
    exec)
      [ $# -ge 2 ] || die "usage: container exec NAME CMD..."
      f=$(container_file "$1") || die "no container $1 in lab $id"
      shift
      exec nsenter --net="$f" "$@"
      ;;
    list)
      for f in "$labdir"/host*/netns/*; do [ -e "$f" ] && echo "$(basename "$(dirname "$(dirname "$f")")") $(basename "$f")"; done
      return 0
      ;;
    *) die "usage: container add|del HOST NAME | exec NAME CMD... | list" ;;
  esac
}

# ---------------------------------------------------------------- external machines

# The access switch for external machines: this kernel has neither bridge VLAN filtering
# nor tc vlan actions (measured: RTNETLINK "Operation not supported", no act_vlan/flower),
# so an OVS bridge `ext` in the underlay namespace tags their frames (access port = VLAN)
# and trunks them into the Linux `data` bridge, which passes 802.1Q frames untouched.
ext_switch_start() {
  local d=$labdir/ul/ovs
  if [ ! -f "$d/ext-ready" ] || ! pid_alive "$d/ovs-vswitchd.pid" ovs-vswitchd; then
    ovs_start_in "$d" "$ul" ul
    env $(ovs_env "$d") ovs-vsctl --timeout=10 -- --may-exist add-br ext \
      -- set Bridge ext datapath_type=netdev fail_mode=standalone other_config:mac-aging-time=300
    if ! ip -n "$ul" link show xt-br >/dev/null 2>&1; then
      ip -n "$ul" link add xt-br mtu "${NP_LAB_MTU:-1500}" type veth peer name xt-ovs mtu "${NP_LAB_MTU:-1500}"
      ip -n "$ul" link set xt-br master data up
      ip -n "$ul" link set xt-ovs up
    fi
    env $(ovs_env "$d") ovs-vsctl --timeout=10 -- --may-exist add-port ext xt-ovs
    touch "$d/ext-ready"
  fi
}

cmd_external() {
  need_lab
  local sub=${1:-} ns
  shift || true
  case $sub in
    add)
      [ $# -eq 3 ] || die "usage: external add NAME VLAN IP/PREFIX"
      local name=$1 vlan=$2 cidr=$3
      [[ $name =~ ^[a-z0-9]{1,12}$ ]] || die "external name: 1-12 lowercase letters/digits"
      [[ $vlan =~ ^[0-9]+$ ]] && [ "$vlan" -ge 2 ] && [ "$vlan" -le 4094 ] || die "VLAN must be 2..4094"
      [[ $cidr =~ ^[0-9.]+/[0-9]+$ ]] || die "IP/PREFIX like 11.1.0.200/24"
      [ ! -e "$labdir/externals/$name" ] || die "external $name exists already"
      ns=np$id-x-$name
      ext_switch_start
      ip netns add "$ns"
      no_ipv6 "$ns"
      ip -n "$ns" link set lo up
      ip -n "$ul" link add "x-$name" type veth peer name eth0 netns "$ns"
      ip -n "$ul" link set "x-$name" up
      env $(ovs_env "$labdir/ul/ovs") ovs-vsctl --timeout=10 -- add-port ext "x-$name" tag="$vlan"
      ip -n "$ns" addr add "$cidr" dev eth0
      ip -n "$ns" link set eth0 up
      # A physical machine computes its own checksums; the userspace switch would otherwise see partial ones.
      ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 || true
      echo "vlan $vlan, $cidr, ns $ns" >"$labdir/externals/$name"
      ;;
    del)
      [ $# -eq 1 ] || die "usage: external del NAME"
      ns=np$id-x-$1
      [ -e "/run/netns/$ns" ] && kill_netns_pids "/run/netns/$ns"
      env $(ovs_env "$labdir/ul/ovs") ovs-vsctl --timeout=10 -- --if-exists del-port ext "x-$1" 2>/dev/null || true
      ip -n "$ul" link del "x-$1" 2>/dev/null || true
      ip netns del "$ns" 2>/dev/null || true
      rm -f "$labdir/externals/$1"
      ;;
    exec)
      [ $# -ge 2 ] || die "usage: external exec NAME CMD..."
      ns=np$id-x-$1
      [ -e "/run/netns/$ns" ] || die "no external $1"
      shift
      exec ip netns exec "$ns" "$@"
      ;;
    *) die "usage: external add NAME VLAN IP/PREFIX | del NAME | exec NAME CMD..." ;;
  esac
}

# ---------------------------------------------------------------- hosts, etcd, helpers

cmd_host() {
  need_lab
  [ $# -eq 2 ] || die "usage: host stop-agent|kill-agent|start-agent|down|stop|up hostN"
  check_host "$2"
  case $1 in
    stop-agent) agent_stop "$2" TERM ;;
    kill-agent) agent_stop "$2" KILL ;;
    start-agent) agent_start "$2" && agent_wait "$2" ;;
    down|stop) agent_stop "$2" KILL; ovs_stop "$2" KILL ;;
    up) ovs_start "$2"; agent_start "$2" && agent_wait "$2" ;;
    *) die "usage: host stop-agent|kill-agent|start-agent|down|stop|up hostN" ;;
  esac
}

cmd_etcd() {
  need_lab
  case ${1:-} in
    stop) etcd_stop ;;
    kill) etcd_stop KILL ;;
    start) if ! pid_alive "$labdir/ul/etcd.pid" etcd; then etcd_start; fi ;;
    restart) etcd_stop; etcd_start ;;
    *) die "usage: etcd stop|kill|start|restart" ;;
  esac
}

cmd_master() {
  need_lab
  local pidf=$labdir/ul/netmaster.pid
  case ${1:-} in
    stop) stop_pidfile "$pidf" netmaster TERM ;;
    kill) stop_pidfile "$pidf" netmaster KILL ;;
    start) if ! pid_alive "$pidf" netmaster; then master_start; fi ;;
    restart) stop_pidfile "$pidf" netmaster TERM; master_start ;;
    *) die "usage: master stop|kill|start|restart" ;;
  esac
}

sub=${1:-}
shift || true
case $sub in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status ;;
  netdcli) need_lab; exec ip netns exec "$ul" "$repo/bin/netdcli" --master "$master_url" --cacert "$(master_tls_cert)" --token-file "$(master_token_file)" "$@" ;;
  container) cmd_container "$@" ;;
  external) cmd_external "$@" ;;
  host) cmd_host "$@" ;;
  etcd) cmd_etcd "$@" ;;
  master) cmd_master "$@" ;;
  docker) cmd_docker "$@" ;;
  exec)
    need_lab
    [ $# -ge 2 ] || die "usage: exec hostN|ul CMD..."
    if [ "$1" = ul ]; then ns=$ul; else check_host "$1"; ns=$(hns "$1"); fi
    shift
    exec ip netns exec "$ns" "$@"
    ;;
  ovs)
    need_lab
    [ $# -ge 2 ] || die "usage: ovs hostN CMD..."
    check_host "$1"
    d=$(host_dir "$1")/ovs
    shift
    exec env OVS_RUNDIR="$d" OVS_DBDIR="$d" OVS_LOGDIR="$d" "$@"
    ;;
  log) need_lab; check_host "${1:-}"; cat "$(host_dir "$1")/netagent.log" ;;
  ""|-h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "unknown command '$sub' (scripts/lab.sh help)" ;;
esac
