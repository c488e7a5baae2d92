#!/usr/bin/env bash
# A private Docker daemon for deploy/images.sh, deploy/cluster.sh and the image tests, when none runs (CI, a VM):
#   deploy/dockerd.sh start   starts dockerd unless it already answers; prints its DOCKER_HOST (unix://...)
#   deploy/dockerd.sh host    prints its DOCKER_HOST if it answers, else exits with 1
#   deploy/dockerd.sh stop    stops it (SIGTERM; the images and the build cache stay for the next start)
# Needs root and Debian's docker.io. Everything lives in $NASNET_DEPLOY_CACHE/docker (default ~/.cache/nasnet-deploy):
# socket, data root, exec root, pid file and log. No bridge, no iptables rules, no IP masquerading: the containers use
# the host's network (--network host), so the daemon changes nothing in this machine's network setup.
set -euo pipefail
dir="${NASNET_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nasnet-deploy}/docker"
sock="$dir/docker.sock"
answers() { DOCKER_HOST="unix://$sock" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
case "${1:-}" in
  start)
    mkdir -p "$dir"
    if ! answers; then
      command -v dockerd >/dev/null || { echo "deploy/dockerd.sh: dockerd not installed: apt-get install -y docker.io" >&2; exit 2; }
      [ "$(id -u)" = 0 ] || { echo "deploy/dockerd.sh: dockerd needs root (or set DOCKER_HOST to a running daemon)" >&2; exit 2; }
      rm -f "$sock"
      setsid dockerd --host "unix://$sock" --data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
        --bridge=none --iptables=false --ip-masq=false >"$dir/dockerd.log" 2>&1 < /dev/null &
      for _ in $(seq 1 120); do
        answers && break
        sleep 0.5
      done
      answers || { tail -5 "$dir/dockerd.log" >&2; echo "deploy/dockerd.sh: dockerd did not answer (log: $dir/dockerd.log)" >&2; exit 1; }
    fi
    echo "unix://$sock"
    ;;
  host)
    answers || exit 1
    echo "unix://$sock"
    ;;
  stop)
    if [ -f "$dir/docker.pid" ]; then
      pid=$(cat "$dir/docker.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
    # dockerd leaves its default network namespace mounted under the exec root: without this, rm -rf of the cache
    # fails with "Device or resource busy".
    umount "$dir/exec/netns/default" 2>/dev/null || true
    ;;
  *)
    echo "usage: deploy/dockerd.sh start|host|stop" >&2
    exit 2
    ;;
esac
