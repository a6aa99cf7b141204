# shellcheck shell=bash
# Shared environment set-up for run.sh and test.sh.  Source it, then call:
#     setup_env run     # runtime system packages + `pip install -e .`
#     setup_env test    # + test system packages + `pip install -e ".[test,bench]"`
# Idempotent: installed system packages are detected with dpkg-query and the pip step is skipped
# while .venv/.stamp-<mode> holds the sha256 of pyproject.toml (the test stamp also satisfies run).
set -euo pipefail

ATENSI_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ATENSI_VENV="$ATENSI_REPO/.venv"

ATENSI_PKGS_RUN=(
    libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libcups2 python3-venv
)
ATENSI_PKGS_TEST=(xvfb xauth poppler-utils zbar-tools postgresql age unzip)

_setup_say() { printf '==> %s\n' "$*"; }
_setup_warn() { printf 'PERINGATAN: %s\n' "$*" >&2; }
_setup_die() { printf 'GALAT: %s\n' "$*" >&2; exit 1; }

# A package counts as installed under its own name or its Ubuntu 24.04 "t64" name
# (libglib2.0-0 -> libglib2.0-0t64, libcups2 -> libcups2t64).
_setup_pkg_installed() {
    local p
    for p in "$1" "${1}t64"; do
        if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            return 0
        fi
    done
    return 1
}

_setup_system_packages() {
    local mode=$1
    local -a wanted=("${ATENSI_PKGS_RUN[@]}") missing=() failed=() as_root=()
    [[ $mode == test ]] && wanted+=("${ATENSI_PKGS_TEST[@]}")

    if ! command -v dpkg-query >/dev/null 2>&1; then
        _setup_warn "bukan sistem Debian/Ubuntu (dpkg-query tidak ada); pastikan sendiri paket ini terpasang: ${wanted[*]}"
        return 0
    fi
    local p
    for p in "${wanted[@]}"; do
        _setup_pkg_installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        _setup_say "Paket sistem: sudah lengkap"
        return 0
    fi

    if [[ $(id -u) -eq 0 ]]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        _setup_warn "paket sistem belum terpasang dan tidak bisa dipasang tanpa root/sudo:"
        _setup_warn "    sudo apt-get install --no-install-recommends ${missing[*]}"
        _setup_warn "melanjutkan tanpa paket itu (aplikasi atau sebagian tes mungkin gagal)."
        return 0
    fi

    _setup_say "Memasang paket sistem: ${missing[*]}"
    local log
    log=$(mktemp /tmp/atensi-apt.XXXXXX.log)
    if ! "${as_root[@]}" apt-get update -q >"$log" 2>&1; then
        _setup_warn "apt-get update gagal (lihat $log); mencoba memasang dengan daftar paket yang ada"
    fi
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        # One unknown name (an older or newer release) must not block the others: retry one by one.
        for p in "${missing[@]}"; do
            _setup_pkg_installed "$p" && continue
            "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "$p" >>"$log" 2>&1 || failed+=("$p")
        done
    fi
    if ((${#failed[@]} > 0)); then
        _setup_warn "paket ini gagal dipasang (lihat $log): ${failed[*]}"
        _setup_warn "melanjutkan tanpa paket itu (aplikasi atau sebagian tes mungkin gagal)."
    else
        rm -f "$log"
    fi
}

_setup_find_python() {
    local c
    for c in python3 python3.13 python3.12 python3.11; do
        command -v "$c" >/dev/null 2>&1 || continue
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

_setup_python() {
    local mode=$1 py hash stamp extras=""
    local -a stamps=("$ATENSI_VENV/.stamp-$mode")
    [[ $mode == run ]] && stamps+=("$ATENSI_VENV/.stamp-test")
    if [[ ! -x $ATENSI_VENV/bin/python ]]; then
        py=$(_setup_find_python) || _setup_die "butuh Python 3.11 atau lebih baru (python3 tidak ada atau terlalu tua: $(python3 --version 2>&1 || true))"
        _setup_say "Membuat lingkungan Python .venv ($("$py" --version 2>&1))"
        "$py" -m venv "$ATENSI_VENV" ||
            _setup_die "gagal membuat .venv; di Debian/Ubuntu pasang dulu paket python3-venv"
    fi
    "$ATENSI_VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
        _setup_die "$ATENSI_VENV memakai Python yang lebih tua dari 3.11; hapus .venv lalu jalankan lagi"

    hash=$(sha256sum "$ATENSI_REPO/pyproject.toml" | cut -d' ' -f1)
    for stamp in "${stamps[@]}"; do
        if [[ -f $stamp && $(<"$stamp") == "$hash" ]]; then
            _setup_say "Paket Python: sudah terpasang"
            return 0
        fi
    done

    [[ $mode == test ]] && extras="[test,bench]"
    _setup_say "Memasang paket Python (pip install -e .$extras)"
    # Build back-ends print warnings even with -q: keep them in a log shown only on failure.
    local log
    log=$(mktemp /tmp/atensi-pip.XXXXXX.log)
    if ! (cd "$ATENSI_REPO" && "$ATENSI_VENV/bin/python" -m pip install -q --disable-pip-version-check \
        -e ".$extras") >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        _setup_die "pip install gagal (log lengkap: $log)"
    fi
    rm -f "$log"
    printf '%s\n' "$hash" >"$ATENSI_VENV/.stamp-$mode"
}

setup_env() {
    local mode=${1:-}
    case $mode in
        run | test) ;;
        *) _setup_die "pemakaian: setup_env run|test" ;;
    esac
    _setup_system_packages "$mode"
    _setup_python "$mode"
}
