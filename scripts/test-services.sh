#!/usr/bin/env bash
# Make sure what the tests need is on this machine: Chromium, Redis and PostgreSQL, and the
# network tools the real-network tests build their hosts with (iproute2, nftables), the TURN
# relay (coturn) and the TLS load balancer (nginx); those tests start their own instances.
# As root, missing Debian packages are installed; as a normal user, we say what to install.
# Servers already listening on their standard ports are used as they are; installed but
# stopped ones are started (PostgreSQL as a throwaway cluster with trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
command -v /usr/bin/chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
if ! listening 6379 && ! command -v redis-server >/dev/null 2>&1; then missing+=(redis-server); fi
if ! listening 5432 && [ -z "$(pg_bindir)" ]; then missing+=(postgresql); fi
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v ethtool >/dev/null 2>&1 || missing+=(ethtool)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    # Packaged daemons (nginx, coturn) must not start on install: the tests run their own.
    policy=/usr/sbin/policy-rc.d
    own_policy=false
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=true; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
    if $own_policy; then rm -f "$policy"; fi
    # A packaged cluster started by the install has peer/password auth: stop it, so the
    # throwaway trust cluster below takes the standard port.
    if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_lsclusters >/dev/null; then
      pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}' |
        while read -r version name; do pg_ctlcluster "$version" "$name" stop || true; done
    fi
  else
    echo "the tests need these Debian packages: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! listening 6379; then
  echo "starting redis-server on 127.0.0.1:6379" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/reception-test-redis.log
fi

if ! listening 5432; then
  bindir=$(pg_bindir)
  cluster=${TEST_PG_DIR:-/tmp/reception-test-pg}
  owner=$(id -un)
  run_as() { "$@"; }
  if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
    run_as() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
  fi
  if [ ! -f "$cluster/PG_VERSION" ]; then
    mkdir -p "$cluster" && chown "$owner" "$cluster"
    run_as "$bindir/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  echo "starting PostgreSQL ($cluster) on 127.0.0.1:5432" >&2
  run_as "$bindir/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w \
    -o "-p 5432 -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
fi

for _ in $(seq 50); do listening 5432 && listening 6379 && break; sleep 0.2; done
if ! "${PSQL:-psql}" -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  createdb -h 127.0.0.1 -U postgres test 2>/dev/null ||
    "$(pg_bindir)/createdb" -h 127.0.0.1 -U postgres test 2>/dev/null || true
fi
