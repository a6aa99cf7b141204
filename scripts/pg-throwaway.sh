#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, listening only on a unix socket in DIR.
#   pg-throwaway.sh start DIR   initdb DIR/data, start it, create database atensi_test and print
#                               its SQLAlchemy URL as the last line of stdout
#   pg-throwaway.sh stop DIR    stop the cluster and delete DIR
# Exit status 3 means the PostgreSQL server binaries are not installed.
# initdb and pg_ctl refuse to run as root: as root the cluster belongs to the `postgres` user.
# DIR should be a fresh `mktemp -d /tmp/...` directory.
set -euo pipefail

MARKER=.atensi-pg-throwaway
DBNAME=atensi_test
PORT=5432

die() { printf 'pg-throwaway: %s\n' "$1" >&2; exit "${2:-1}"; }

usage() { die "pemakaian: $0 start|stop DIR" 2; }

find_bindir() {
    local d best=""
    # Highest major version first (sort -V handles 9.6 < 10 < 15).
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
        if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
            best=$d
            break
        fi
    done
    [[ -n $best ]] || die "PostgreSQL tidak terpasang (tidak ada initdb/pg_ctl di /usr/lib/postgresql/*/bin)" 3
    printf '%s\n' "$best"
}

# Run a command as the cluster owner ($PGUSER_OS) from inside DIR (the caller's cwd may be unreadable).
as_owner() {
    if [[ $(id -un) == "$PGUSER_OS" ]]; then
        (cd "$DIR" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$DIR" && runuser -u "$PGUSER_OS" -- "$@")
    else
        local q
        q=$(printf '%q ' "$@")
        (cd "$DIR" && su "$PGUSER_OS" -s /bin/sh -c "$q")
    fi
}

start() {
    local bindir
    bindir=$(find_bindir)
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    [[ ! -e $DIR/data ]] || die "$DIR/data sudah ada; pakai direktori baru"
    if [[ $(id -u) -eq 0 ]]; then
        PGUSER_OS=postgres
        id -u postgres >/dev/null 2>&1 || die "pengguna sistem 'postgres' tidak ada (initdb menolak root)"
        chown postgres: "$DIR"
    else
        PGUSER_OS=$(id -un)
    fi
    chmod 755 "$DIR"
    touch "$DIR/$MARKER"
    as_owner test -w "$DIR" -a -x "$DIR" ||
        die "$DIR tidak bisa ditulis oleh pengguna $PGUSER_OS (pakai mktemp -d /tmp/...)"

    as_owner "$bindir/initdb" -D "$DIR/data" -U "$PGUSER_OS" --auth=trust --no-sync \
        -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; die "initdb gagal"; }
    cat >>"$DIR/data/postgresql.conf" <<EOF

# pg-throwaway.sh: unix socket only, speed over durability
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $PORT
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if ! as_owner "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 start >/dev/null; then
        tail -n 30 "$DIR/postgres.log" >&2 || true
        die "pg_ctl start gagal"
    fi
    as_owner "$bindir/createdb" -h "$DIR" -p "$PORT" -U "$PGUSER_OS" -O "$PGUSER_OS" "$DBNAME" ||
        die "createdb $DBNAME gagal"
    printf 'postgresql+psycopg://%s@/%s?host=%s\n' "$PGUSER_OS" "$DBNAME" "$DIR"
}

stop() {
    [[ -d $DIR ]] || return 0
    DIR=$(cd "$DIR" && pwd)
    [[ -e $DIR/$MARKER ]] || die "$DIR bukan direktori pg-throwaway; tidak disentuh"
    if [[ -f $DIR/data/postmaster.pid ]]; then
        local bindir
        bindir=$(find_bindir)
        PGUSER_OS=$(stat -c %U "$DIR/data")
        # `status` exits 3 when no server runs (e.g. it already died): nothing to stop then.
        if as_owner "$bindir/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
            as_owner "$bindir/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null ||
                die "pg_ctl stop gagal; $DIR dibiarkan"
        fi
    fi
    rm -rf -- "$DIR"
}

[[ $# -eq 2 ]] || usage
DIR=$2
PGUSER_OS=""
case $1 in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
