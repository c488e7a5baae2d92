#!/usr/bin/env bash
# A NasNet cluster on this machine from the images of deploy/images.sh: silo containers on one Redis, host networking
# on loopback (as the process cluster of the tests), and the nasnet console as a container.
#
#   deploy/cluster.sh up [N]                       N silos (default 3): silo i on ports 11111+i (silo-to-silo),
#                                                  30000+i (gateway), 8080+i (HTTP: /dashboard, /health, /metrics)
#   deploy/cluster.sh silo NAME SILO_PORT GATEWAY_PORT HTTP_PORT    one more silo container (scale out by hand)
#   deploy/cluster.sh nasnet ARGS...               the console against the cluster; the current folder is mounted
#                                                  at /work (read-write, as the image's user 1654), e.g.
#                                                  deploy/cluster.sh nasnet campaign start --config campaign.json
#   deploy/cluster.sh ps | logs NAME | down        list, show a silo's log, stop (drain) and remove every container
#
# Settings (environment):
#   NASNET_REDIS        Redis connection string (default 127.0.0.1:6379): a redis-server on this machine, or
#                       `docker run -d --name nasnet-redis --network host redis:7 --bind 127.0.0.1` where a registry is reachable
#   NASNET_PROJECT      container name prefix and label (default nasnet): containers are PROJECT-NAME
#   NASNET_TAG          image tag (default local)
#   NASNET_CLUSTER_ID, NASNET_SERVICE_ID   Orleans ids (default nasnet)
#   NasNet__Key=value   any silo setting (README "Configuration") is passed to every silo started, e.g. NasNet__Slots=2
# The silos drain as in k8s/base/silo.yaml: NasNet__DrainSeconds=120 and a stop grace period of 150 s (docker stop
# sends SIGTERM, waits up to 150 s, then SIGKILL); `docker kill` is the crash.
set -euo pipefail
project="${NASNET_PROJECT:-nasnet}"
tag="${NASNET_TAG:-local}"
redis="${NASNET_REDIS:-127.0.0.1:6379}"
cluster_id="${NASNET_CLUSTER_ID:-nasnet}"
service_id="${NASNET_SERVICE_ID:-nasnet}"
# k8s/base/silo.yaml: terminationGracePeriodSeconds and NasNet__DrainSeconds (checked by tests/K8s.Tests).
grace_seconds=150
drain_seconds=120

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

silo() {
  local name="$1" silo_port="$2" gateway_port="$3" http_port="$4"
  local settings=(-e "NasNet__Redis=$redis" -e "NasNet__ClusterId=$cluster_id" -e "NasNet__ServiceId=$service_id"
                  -e "NasNet__SiloName=$name" -e "NasNet__SiloPort=$silo_port" -e "NasNet__GatewayPort=$gateway_port"
                  -e "NasNet__DashboardPort=$http_port" -e "NasNet__DrainSeconds=$drain_seconds")
  local v
  # Every NasNet__Key of the caller's environment (after the defaults above, so that it wins).
  while IFS= read -r v; do
    settings+=(-e "$v")
  done < <(env | grep '^NasNet__' || true)
  docker run -d --name "$project-$name" --label "nasnet.project=$project" --network host \
    --stop-timeout "$grace_seconds" "${settings[@]}" "nasnet-silo:$tag" >/dev/null
  echo "$project-$name"
}

case "${1:-}" in
  up)
    n="${2:-3}"
    for ((i = 0; i < n; i++)); do
      silo "silo$i" $((11111 + i)) $((30000 + i)) $((8080 + i))
    done
    echo "cluster.sh: $n silos on Redis $redis; /health and /dashboard on http://127.0.0.1:8080.. (one port per silo)" >&2
    ;;
  silo)
    [ $# -eq 5 ] || usage
    silo "$2" "$3" "$4" "$5"
    ;;
  nasnet)
    shift
    tty=()
    if [ -t 0 ] && [ -t 1 ]; then
      tty=(-it)
    fi
    exec docker run --rm "${tty[@]}" --network host -v "$PWD:/work" -w /work \
      -e "NASNET_CLUSTER=$redis" -e "NASNET_CLUSTER_ID=$cluster_id" -e "NASNET_SERVICE_ID=$service_id" \
      "nasnet-client:$tag" "$@"
    ;;
  ps)
    docker ps -a --filter "label=nasnet.project=$project" --format '{{.Names}}\t{{.Status}}'
    ;;
  logs)
    [ $# -eq 2 ] || usage
    docker logs "$project-$2"
    ;;
  down)
    ids=$(docker ps -aq --filter "label=nasnet.project=$project")
    if [ -n "$ids" ]; then
      # docker stop: SIGTERM, the silos drain (leases given back at their last checkpoint) within the grace period.
      docker stop $ids >/dev/null
      docker rm $ids >/dev/null
    fi
    ;;
  *)
    usage
    ;;
esac
