#!/usr/bin/env bash
# Installs what the local cluster needs from Debian packages, only those missing: PostgreSQL and RabbitMQ through
# deploy/local/install.sh, then Patroni (with its etcd client library), etcd and HAProxy.
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

# node: the build copies the tablet's npm assets on a fresh checkout (as for the run command).
"$REPO_ROOT/deploy/local/install.sh" postgres rabbitmq node fonts

missing=()
command -v patroni >/dev/null || [ -x /usr/bin/patroni ] || missing+=(patroni)
# Patroni's Debian package accepts any one of several stores; ours is etcd (v2 API through python3-etcd).
dpkg -s python3-etcd >/dev/null 2>&1 || missing+=(python3-etcd)
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0

is_root || die "missing Debian packages: ${missing[*]}. Install them once as root: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
log "installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# These packages start system services of their own on install; the cluster runs private processes instead.
had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; }
trap '[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
