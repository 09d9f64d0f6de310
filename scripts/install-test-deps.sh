#!/bin/sh
# Debian packages the test suite drives for real: prometheus + promtool (end-to-end checks of the
# shipped rules and dashboard), chromium (browser test of the page), kubectl (`kubectl kustomize`
# renders the Kubernetes manifests) and faketime (runs the binary with its clock stopped at a
# history's end, for the window gauges). Installed only when missing; needs root (CI runs as
# root). Without them those tests fail with a message naming this script.
set -eu
need=""
command -v prometheus >/dev/null 2>&1 || need="$need prometheus"
command -v promtool >/dev/null 2>&1 || need="$need prometheus"
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v kubectl >/dev/null 2>&1 || need="$need kubectl"
ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 >/dev/null 2>&1 || need="$need faketime"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$need (run as root: apt-get install -y$need)" >&2
  exit 0
fi
echo "installing Debian packages:$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# The package `kubectl` where an apt source has it; else Debian's own `kubernetes-client` (its
# kubectl is older: test/deploy/kubernetes.test.ts says so if its kustomize cannot render ours).
case " $need " in
  *" kubectl "*)
    if ! apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      need=$(echo "$need" | sed 's/ kubectl/ kubernetes-client/')
    fi
    ;;
esac
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >&2
