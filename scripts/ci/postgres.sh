#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store tests (crates/store, the
# command line's --db tests): installs Debian's postgresql package when no
# server is found (as root, with apt-get), creates a cluster in a temporary
# folder, starts it on a free loopback port with trust authentication, and
# exports MIBG_TEST_POSTGRES_URL, which the tests read.
#
#   source scripts/ci/postgres.sh        # start; stopped and removed when the shell exits
#   bash scripts/ci/postgres.sh          # start; prints the export line and the stop command
#   bash scripts/ci/postgres.sh stop DIR # stop and remove a cluster started the second way
#
# .ci/run sources it. Every database the tests create is dropped by the
# tests; the whole cluster is removed at the end.

_mibg_pg_main() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
    if [ -z "$bin" ] && command -v initdb >/dev/null 2>&1; then
        bin=$(dirname "$(readlink -f "$(command -v initdb)")")
    fi
    if [ -z "$bin" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "== installing PostgreSQL from Debian's packages" >&2
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
            bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
        fi
    fi
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "postgres.sh: no PostgreSQL server found and it cannot be installed here (need root and apt-get)" >&2
        return 1
    fi
    local dir port run
    dir=$(mktemp -d /tmp/mibg-pg.XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    run=()
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root: the cluster belongs to 'postgres'.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >&2 || {
        cat "$dir/server.log" >&2
        return 1
    }
    MIBG_PG_DIR=$dir
    MIBG_PG_BIN=$bin
    export MIBG_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (cluster $dir): MIBG_TEST_POSTGRES_URL=$MIBG_TEST_POSTGRES_URL" >&2
}

_mibg_pg_stop() {
    local dir=$1 bin
    bin=${MIBG_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
    [ -d "$dir/data" ] || return 0
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    else
        "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: start, and stop when the calling shell exits.
    _mibg_pg_main || return 1
    trap "_mibg_pg_stop '$MIBG_PG_DIR'" EXIT
elif [ "${1:-}" = stop ]; then
    _mibg_pg_stop "${2:?usage: postgres.sh stop DIR}"
else
    _mibg_pg_main || exit 1
    echo "export MIBG_TEST_POSTGRES_URL=$MIBG_TEST_POSTGRES_URL"
    echo "# stop with: bash scripts/ci/postgres.sh stop $MIBG_PG_DIR"
fi
