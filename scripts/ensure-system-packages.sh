#!/usr/bin/env bash
# Debian packages the tests start as real programs (test/support/real/). Idempotent: apt-get runs only when a
# package is missing. Append new packages to PACKAGES with a comment naming the test that needs them.
set -euo pipefail

PACKAGES=(
  postgresql-15          # PostgreSQL server + psql: test/real/postgres-pgbouncer.test.ts
  postgresql-client-15   # psql, pg_isready: the same tests and `bonsai smoke`
  pgbouncer              # test/real/postgres-pgbouncer.test.ts
  openjdk-17-jdk-headless # Kafka and ZooKeeper from Maven Central jars; javac builds the test client: test/real/kafka*.test.ts
  maven                  # resolves those jars (cached under ~/.cache/bonsai/kafka-<version>/)
  python3-venv           # pgAdmin from PyPI in a cached venv: test/real/pgadmin.test.ts
  openssl                # the local CA and ingress certificate of `bonsai up`
  prometheus-postgres-exporter # the metrics layer's PostgreSQL exporter: test/real/metrics.test.ts
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${#PACKAGES[@]})"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
