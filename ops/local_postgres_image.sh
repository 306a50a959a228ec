#!/usr/bin/env bash
# Local stand-in for the `postgres:15` image used by docker-compose.yml -- ONLY for workplaces
# without access to a container registry. A real `docker compose up` pulls postgres:15.
#
# Built on the local python:3.11-slim stand-in (ops/local_base_image.sh, Debian bookworm) with
# Debian's postgresql-15. The entrypoint covers what docker-compose.yml relies on from the
# official image: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB create the role and database on
# the first start, the data lives in /var/lib/postgresql/data (a volume), the server listens on
# all addresses with password (scram) auth, and `pg_isready` is on the PATH for the healthcheck.
# Needs a running docker daemon and Debian's apt mirror (deb.debian.org) reachable.
#   ops/local_postgres_image.sh [tag]        # tag defaults to postgres:15
set -euo pipefail

TAG="${1:-postgres:15}"
BASE="${BASE_IMAGE:-python:3.11-slim}"
CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT

cat > "$CTX/entrypoint.sh" <<'SH'
#!/bin/sh
set -e
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    echo "$POSTGRES_PASSWORD" > /tmp/pwfile && chown postgres /tmp/pwfile
    runuser -u postgres -- "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile \
        --auth-local=trust --auth-host=scram-sha-256
    rm -f /tmp/pwfile
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$POSTGRES_DB" != postgres ]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start
        runuser -u postgres -- psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
            -c "CREATE DATABASE \"$POSTGRES_DB\""
        runuser -u postgres -- "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop
    fi
fi
exec runuser -u postgres -- "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*'
SH

cat > "$CTX/Dockerfile" <<DOCKERFILE
FROM $BASE
# No default cluster: the entrypoint creates one in the volume on the first start.
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confold postgresql-15 \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
RUN chmod 755 /usr/local/bin/entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH
EXPOSE 5432
VOLUME ["/var/lib/postgresql/data"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
DOCKERFILE

DOCKER_BUILDKIT=0 docker build --network host -t "$TAG" "$CTX"
echo "tagged $TAG"
