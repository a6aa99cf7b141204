#!/usr/bin/env bash
# Full check: lint, import contracts, engine tests without Qt (SQLite and PostgreSQL), then the UI and
# integration tests.
# Extra arguments go to the final pytest run, e.g. ./test.sh -k nik -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/setup-env.sh
source scripts/setup-env.sh
setup_env test

# Never touch the developer's data or database, never need a screen.
export QT_QPA_PLATFORM=offscreen
unset ATENSI_DB ATENSI_TEST_PG_URL
WORKTMP=$(mktemp -d /tmp/atensi-test.XXXXXX)
PGDIR=""
export ATENSI_HOME=$WORKTMP/home
mkdir -p "$ATENSI_HOME"

cleanup() {
    if [[ -n $PGDIR ]]; then
        scripts/pg-throwaway.sh stop "$PGDIR" >/dev/null 2>&1 ||
            echo "PERINGATAN: klaster PostgreSQL di $PGDIR tidak bisa dihentikan" >&2
    fi
    rm -rf -- "$WORKTMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Menyalakan PostgreSQL sementara"
PGDIR=$(mktemp -d /tmp/atensi-pg.XXXXXX)
set +e
pg_out=$(scripts/pg-throwaway.sh start "$PGDIR")
pg_rc=$?
set -e
if ((pg_rc == 0)); then
    ATENSI_TEST_PG_URL=$(printf '%s\n' "$pg_out" | tail -n 1)
    export ATENSI_TEST_PG_URL
    echo "    $ATENSI_TEST_PG_URL"
elif ((pg_rc == 3)); then
    echo "PERINGATAN: PostgreSQL tidak terpasang; tes bertanda 'pg' dilewati" >&2
    rmdir -- "$PGDIR" 2>/dev/null || true
    PGDIR=""
else
    echo "GALAT: PostgreSQL sementara gagal menyala" >&2
    exit 1
fi

echo "==> ruff check"
.venv/bin/ruff check .

echo "==> lint-imports"
.venv/bin/lint-imports

echo "==> Tes mesin tanpa Qt (ATENSI_BLOCK_QT=1 pytest tests/core)"
ATENSI_BLOCK_QT=1 .venv/bin/python -m pytest -p no:pytest-qt tests/core -q

# tests/core ran above (SQLite and PostgreSQL, Qt blocked); the rest of the suite runs once more here. Extra
# arguments (./test.sh -k nik) select across the whole suite, core included.
if (($# == 0)); then
    echo "==> Tes antarmuka dan integrasi (pytest tests --ignore=tests/core)"
    .venv/bin/python -m pytest -q tests --ignore=tests/core
else
    echo "==> Seluruh tes (pytest $*)"
    .venv/bin/python -m pytest -q "$@"
fi
