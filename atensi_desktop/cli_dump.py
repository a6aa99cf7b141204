"""`atensi-desktop dump --canonical [-o FILE] [--client ID …] [--tanpa-arsip]`: all synced data as sorted JSON lines.

Used to compare two installations (the same data gives the same bytes) and to answer a data-subject
request (`--client`: one client's own records). The format is described in `sync/canonical.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path


def add_dump_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p = sub.add_parser("dump", help="semua data tersinkron sebagai baris JSON terurut (untuk membandingkan "
                                    "instalasi atau permintaan data subjek)")
    global_options(p, suppress=True)
    p.add_argument("--canonical", action="store_true", required=True,
                   help="bentuk kanonik: urutan dan penulisan sama di setiap instalasi (wajib)")
    p.add_argument("-o", "--output", metavar="FILE", help="tulis ke berkas ini (bawaan: layar/stdout)")
    p.add_argument("--client", metavar="ID", action="append", default=[],
                   help="hanya klien ini (UUID atau ID tampilan) dan catatannya; boleh diulang")
    p.add_argument("--tanpa-arsip", action="store_true", help="lewati baris yang diarsipkan (tombstone)")
    p.set_defaults(handler=cmd_dump)


def cmd_dump(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.errors import UserError
    from atensi_desktop.sync.canonical import canonical_dump

    ctx = _open(args)
    try:
        client_ids: list[uuid.UUID] | None = [_resolve(ctx.db, ref) for ref in args.client] or None
        include_deleted = not args.tanpa_arsip
        if not args.output:
            canonical_dump(ctx.db, sys.stdout, include_deleted=include_deleted, client_ids=client_ids)
            sys.stdout.flush()
            return 0
        target = Path(args.output)
        if not target.parent.is_dir():
            raise UserError(f"Folder {target.parent} tidak ada.", hint="Buat foldernya dulu atau pilih folder lain.")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                count = canonical_dump(ctx.db, out, include_deleted=include_deleted, client_ids=client_ids)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as err:
            raise UserError(f"Tidak bisa menulis {target}: {err.strerror or err}.",
                            hint="Periksa ruang disk dan izin tulis folder itu.") from None
        finally:
            tmp.unlink(missing_ok=True)
        sys.stderr.write(f"{count} baris ditulis ke {target}.\n")
        return 0
    finally:
        ctx.close()
