#!/usr/bin/env bash
# Start ATENSI Desktop from the source tree (sets up .venv on first use).
#   ./run.sh                          the GUI
#   ./run.sh --screenshot shot.png    render a screen to PNG (works without a screen)
#   ./run.sh init --demo 50           subcommands, see `./run.sh --help`
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/setup-env.sh
source "$REPO/scripts/setup-env.sh"
setup_env run

if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} && -z ${QT_QPA_PLATFORM:-} ]]; then
    needs_screen=1
    for arg in "$@"; do
        case $arg in
            --screenshot | --screenshot=*)
                export QT_QPA_PLATFORM=offscreen
                needs_screen=0
                ;;
            # Subcommands and help never open a window.
            -h | --help | --version | init | wilayah | nik | client | case | service | report | export | import | office | dump | user | audit | backup)
                needs_screen=0
                ;;
        esac
    done
    if ((needs_screen)); then
        cat >&2 <<'MSG'
Tidak ada layar (DISPLAY dan WAYLAND_DISPLAY kosong), jadi jendela aplikasi tidak bisa dibuka.
  - Simpan tampilan ke PNG:   ./run.sh --screenshot layar.png [--view NAMA]
  - Atau jalankan di layar maya:   xvfb-run -a ./run.sh
MSG
        exit 1
    fi
fi

exec "$REPO/.venv/bin/atensi-desktop" "$@"
