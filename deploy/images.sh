#!/usr/bin/env bash
# Builds the production images from their own Dockerfiles (context: the repository root):
#   nasnet-silo:TAG   src/Silo/Dockerfile    (CPU silo, TorchSharp-cpu)
#   nasnet-client:TAG src/Client/Dockerfile  (the nasnet console)
#
#   deploy/images.sh [--tag TAG] [--local-base] [--no-cache]
#
# Default: the Dockerfiles' public bases (mcr.microsoft.com/dotnet/sdk|aspnet:10.0-noble), pulled by docker.
# --local-base: no registry needed. Makes two base images on this machine and passes them as build arguments:
#   a Debian rootfs from debootstrap (minbase, the suite and mirror apt uses here, plus libicu, libssl, zlib,
#   ca-certificates; cached in $NASNET_DEPLOY_CACHE), this machine's CA bundle (copied after ca-certificates, which
#   would overwrite it: the package mirrors may sit behind a TLS proxy), a user "app" with UID 1654 as in the .NET
#   images, and this machine's .NET (runtime only / full SDK). On Debian 12 the TorchSharp GLIBCXX fix stays on
#   (TORCHSHARP_WEAKEN_GLIBCXX=true; the Ubuntu 24.04 defaults need none).
# Builds run with --network host (a build may reach the package mirrors); images are tagged nasnet-silo:TAG and
# nasnet-client:TAG. Needs docker (DOCKER_HOST is honoured) and, for --local-base, root and debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=local
local_base=0
no_cache=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --local-base) local_base=1; shift ;;
    --no-cache) no_cache=(--no-cache); shift ;;
    *) echo "deploy/images.sh: unknown option '$1' (use --tag TAG, --local-base, --no-cache)" >&2; exit 2 ;;
  esac
done
cache="${NASNET_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nasnet-deploy}"
mkdir -p "$cache"
# The legacy builder: Debian's docker.io has no buildx, and a newer CLI refuses BuildKit without it.
export DOCKER_BUILDKIT=0
stamp() { date +%s; }
# CPU seconds spent in containers (a build's RUN steps), where the daemon's cgroup is readable (cgroup v1 cpuacct).
container_cpu() { cat /sys/fs/cgroup/cpuacct/docker/cpuacct.usage 2>/dev/null || echo 0; }
say() { echo "images.sh: $*" >&2; }

# The suite and mirror apt uses (deb822 .sources or one-line sources.list), never a hard-coded host.
apt_mirror() {
  local suite="$1" uri
  uri=$(awk -v s="$suite" '
      /^URIs:/ { u=$2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found=u }
      /^$/ { u="" } END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "deploy/images.sh: no apt source for suite '$suite' in /etc/apt/sources.list*: add one or build without --local-base" >&2; exit 2; }
  echo "$uri"
}

# Hard links when on one file system (no copy of the .NET folder or the packages), else a copy.
link_tree() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }

make_rootfs() {
  local suite="$1" rootfs="$cache/rootfs-$1"
  if [ -f "$rootfs/.nasnet-ready" ]; then
    return
  fi
  command -v debootstrap >/dev/null || { echo "deploy/images.sh: debootstrap not installed: apt-get install -y debootstrap" >&2; exit 2; }
  local mirror t0
  mirror=$(apt_mirror "$suite")
  say "debootstrap $suite from $mirror"
  t0=$(stamp)
  rm -rf "$rootfs" "$rootfs.tmp"
  debootstrap --variant=minbase --include=libicu72,libssl3,zlib1g,ca-certificates "$suite" "$rootfs.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -5 "$cache/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/var/lib/apt/lists/* "$rootfs.tmp"/var/log/*.log
  # The .NET images' non-root user (UID/GID 1654, named "app"), without running anything inside the rootfs.
  echo "app:x:1654:1654::/home/app:/usr/sbin/nologin" >>"$rootfs.tmp/etc/passwd"
  echo "app:x:1654:" >>"$rootfs.tmp/etc/group"
  echo "app:!:20000:0:99999:7:::" >>"$rootfs.tmp/etc/shadow"
  mkdir -p "$rootfs.tmp/home/app" && chown 1654:1654 "$rootfs.tmp/home/app"
  touch "$rootfs.tmp/.nasnet-ready"
  mv "$rootfs.tmp" "$rootfs"
  say "rootfs ready in $(( $(stamp) - t0 )) s"
}

# docker import of a staged tree; skipped when an image with the same inputs exists (label nasnet.inputs).
import_base() {
  local image="$1" inputs="$2" staging="$3"; shift 3
  if [ "$(docker image inspect -f '{{ index .Config.Labels "nasnet.inputs" }}' "$image" 2>/dev/null || true)" = "$inputs" ]; then
    say "$image up to date"
    return 0
  fi
  local t0; t0=$(stamp)
  tar -C "$staging" -c . | docker import "$@" --change "LABEL nasnet.inputs=$inputs" - "$image" >/dev/null
  say "$image imported in $(( $(stamp) - t0 )) s"
}

make_local_bases() {
  . /etc/os-release
  local suite="${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"
  make_rootfs "$suite"
  local dotnet_root sdk runtime_inputs sdk_inputs
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  sdk=$(dotnet --version)
  local ca=/etc/ssl/certs/ca-certificates.crt
  local common="$suite|$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App")|$(sha256sum "$ca" | cut -c1-16)|$(stat -c %Y "$cache/rootfs-$suite/.nasnet-ready")"
  runtime_inputs=$(echo "runtime|$common" | sha256sum | cut -c1-16)
  sdk_inputs=$(echo "sdk|$sdk|$common" | sha256sum | cut -c1-16)
  staging=$(mktemp -d "$cache/staging.XXXXXX")
  trap 'rm -rf "${staging:-}"' EXIT
  link_tree "$cache/rootfs-$suite" "$staging/root"
  rm -f "$staging/root/etc/ssl/certs/ca-certificates.crt" && cp "$ca" "$staging/root/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$staging/root/usr/share/dotnet"
  for part in dotnet host shared LICENSE.txt ThirdPartyNotices.txt; do
    [ -e "$dotnet_root/$part" ] && link_tree "$dotnet_root/$part" "$staging/root/usr/share/dotnet/$part"
  done
  ln -sf /usr/share/dotnet/dotnet "$staging/root/usr/bin/dotnet"
  local env=(--change "ENV APP_UID=1654" --change "ENV ASPNETCORE_HTTP_PORTS=8080" --change "ENV DOTNET_RUNNING_IN_CONTAINER=true"
             --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "WORKDIR /")
  import_base "local/nasnet-runtime-base:$suite" "$runtime_inputs" "$staging/root" "${env[@]}"
  for part in sdk sdk-manifests packs templates metadata; do
    [ -e "$dotnet_root/$part" ] && link_tree "$dotnet_root/$part" "$staging/root/usr/share/dotnet/$part"
  done
  import_base "local/nasnet-sdk-base:$suite" "$sdk_inputs" "$staging/root" "${env[@]}" \
    --change "ENV DOTNET_NOLOGO=1" --change "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1" --change "ENV NUGET_CERT_REVOCATION_MODE=offline"
  rm -rf "$staging"
  build_args=(--build-arg "SDK_IMAGE=local/nasnet-sdk-base:$suite" --build-arg "RUNTIME_IMAGE=local/nasnet-runtime-base:$suite"
              --build-arg "TORCHSHARP_WEAKEN_GLIBCXX=true")
}

build_args=()
if [ "$local_base" = 1 ]; then
  make_local_bases
fi
for image in "nasnet-silo src/Silo/Dockerfile" "nasnet-client src/Client/Dockerfile"; do
  set -- $image
  t0=$(stamp)
  c0=$(container_cpu)
  docker build --network host "${no_cache[@]}" "${build_args[@]}" -f "$2" -t "$1:$tag" . >"$cache/build-$1.log" 2>&1 \
    || { tail -30 "$cache/build-$1.log" >&2; echo "deploy/images.sh: docker build of $1 failed (log: $cache/build-$1.log)" >&2; exit 1; }
  cpu=$(( ($(container_cpu) - c0) / 1000000000 ))
  say "$1:$tag built in $(( $(stamp) - t0 )) s (${cpu} CPU s in build containers), $(docker image inspect -f '{{ .Size }}' "$1:$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
done
