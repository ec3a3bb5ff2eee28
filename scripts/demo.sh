#!/usr/bin/env bash
# The README's quick example, end to end on this host:
#   netmaster + netagent on the embedded store, examples/one_host_vlan.json applied,
#   myContainer1 and myContainer2 started by name, then ping and TCP between them.
# `scripts/demo.sh stop` (or `make demo-stop`) removes everything the demo made.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
run=$here/.run/demo
bin=$here/bin
image=netplugin/busybox:local
bridge=netplugin
containers=(myContainer1 myContainer2)

stop() {
  if [ -f "$run/netmaster.pid" ] && kill -0 "$(cat "$run/netmaster.pid")" 2>/dev/null; then
    "$bin/netdcli" -cfg "$here/examples/none.json" >/dev/null 2>&1 || true
    sleep 1
  fi
  for c in "${containers[@]}"; do
    if [ "$(docker inspect -f '{{index .Config.Labels "netplugin-demo"}}' "$c" 2>/dev/null)" = "1" ]; then docker rm -f "$c" >/dev/null; fi
  done
  for d in netagent netmaster; do
    if [ -f "$run/$d.pid" ]; then
      pid=$(cat "$run/$d.pid")
      kill "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      rm -f "$run/$d.pid"
    fi
  done
  if [ -f "$run/bridge-created" ]; then ovs-vsctl --if-exists del-br "$bridge"; rm -f "$run/bridge-created"; fi
  echo "demo stopped (logs kept in $run)"
}

start() {
  mkdir -p "$run"
  for c in "${containers[@]}"; do
    if docker inspect "$c" >/dev/null 2>&1; then
      if [ "$(docker inspect -f '{{index .Config.Labels "netplugin-demo"}}' "$c")" = "1" ]; then docker rm -f "$c" >/dev/null
      else echo "demo: a container named $c exists and is not the demo's; remove it first" >&2; exit 1; fi
    fi
  done
  ovs-vsctl br-exists "$bridge" 2>/dev/null || touch "$run/bridge-created"

  echo "1. start netmaster and netagent (logs in $run)"
  echo "   \$ sudo netmaster &            \$ sudo netagent --host-label host1 &"
  "$bin/netmaster" >"$run/netmaster.log" 2>&1 & echo $! >"$run/netmaster.pid"
  "$bin/netagent" --host-label host1 >"$run/netagent.log" 2>&1 & echo $! >"$run/netagent.pid"
  for _ in $(seq 1 100); do "$bin/netdcli" get tenants >/dev/null 2>&1 && break; sleep 0.2; done

  echo "2. apply the intent"
  echo "   \$ netdcli -cfg examples/one_host_vlan.json"
  "$bin/netdcli" -cfg "$here/examples/one_host_vlan.json"

  echo "3. start the containers by name"
  for c in "${containers[@]}"; do
    echo "   \$ docker run -d --name=$c --hostname=$c $image sleep infinity"
    docker run -d --label netplugin-demo=1 --name="$c" --hostname="$c" "$image" sleep infinity >/dev/null
  done
  for _ in $(seq 1 150); do
    [ "$("$bin/netdcli" get endpoints | grep -c attached)" = 2 ] && break; sleep 0.2
  done
  "$bin/netdcli" get endpoints
  ip2=$("$bin/netdcli" get endpoints --json | node -e 'const e=JSON.parse(require("fs").readFileSync(0));console.log(e.find(x=>x.container==="myContainer2").ip)')

  echo "4. myContainer1 -> myContainer2 ($ip2): ping"
  docker exec myContainer1 ping -c 3 "$ip2"
  echo "5. myContainer1 -> myContainer2: TCP"
  docker exec -d myContainer2 sh -c 'nc -l -p 5001 > /tmp/got'
  sleep 0.3
  docker exec myContainer1 sh -c "echo 'hello over TCP from myContainer1' | nc -w 3 $ip2 5001"
  sleep 0.3
  echo "   myContainer2 received: $(docker exec myContainer2 cat /tmp/got)"
  echo
  echo "The demo is running. Try: docker exec -it myContainer1 sh;  bin/netdcli get endpoints"
  echo "Stop everything with: make demo-stop"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
