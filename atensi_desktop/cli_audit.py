"""`atensi-desktop audit show --client ID [--json]` and `audit export --client ID -o FOLDER` (UU PDP Pasal 31-32).

`show` prints a client's audit trail, newest first: changes from the version history and the access events
(viewed, printed, exported, imported). `export` writes the data-subject copy (services/subject_access.py).
Both open the database like every other command (signed in as a named user where security is enabled) and
obey the same permissions as the screens: reading the trail needs the audit permission, the copy the
export permission.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

GROUPS = ("perubahan", "dilihat", "dicetak", "diekspor", "diimpor")


def add_audit_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p = sub.add_parser("audit", help="jejak audit klien: siapa mengubah, melihat, mencetak, mengekspor apa")
    asub = p.add_subparsers(dest="audit_command", metavar="PERINTAH", parser_class=parser_class, required=True)
    show = asub.add_parser("show", help="riwayat akses dan perubahan satu klien, terbaru dulu")
    global_options(show, suppress=True)
    show.add_argument("--client", metavar="ID", required=True, help="UUID atau ID tampilan klien")
    show.add_argument("--tindakan", metavar="JENIS", choices=GROUPS, action="append",
                      help="hanya jenis ini: " + ", ".join(GROUPS) + " (boleh diulang)")
    show.add_argument("--limit", metavar="N", type=int, default=200, help="paling banyak N baris (bawaan 200; 0 = "
                                                                          "semua)")
    show.add_argument("--json", action="store_true", help="keluaran JSON")
    show.set_defaults(handler=cmd_show)
    exp = asub.add_parser("export", help="salinan semua data satu klien untuk klien itu (PDF, JSON, berkas)")
    global_options(exp, suppress=True)
    exp.add_argument("--client", metavar="ID", required=True, help="UUID atau ID tampilan klien")
    exp.add_argument("-o", "--output", metavar="FOLDER", required=True,
                     help="folder tujuan; di dalamnya dibuat folder data-klien-ID-TANGGAL")
    exp.set_defaults(handler=cmd_export)


def _actions(groups: list[str] | None) -> set[str] | None:
    from atensi_desktop.services.audit import ACTION_GROUPS

    if not groups:
        return None
    codes = {code: actions for code, _label, actions in ACTION_GROUPS}
    return {a for g in groups for a in codes[g]}


def cmd_show(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services.audit import client_history, format_time

    if args.limit < 0:
        import sys

        sys.stderr.write("atensi-desktop: --limit harus 0 atau lebih.\n")
        return EXIT_BAD_INPUT
    ctx = _open(args)
    try:
        client_id = _resolve(ctx.db, args.client)
        page = client_history(ctx.db, client_id, actions=_actions(args.tindakan), limit=args.limit or None)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "at": r.at.isoformat(), "action": r.action, "action_label": r.action_label,
            "user_id": str(r.user_id) if r.user_id else None, "user": r.user_name, "table": r.obj_table,
            "what": r.what, "object_id": str(r.obj_id) if r.obj_id else None, "detail": r.detail,
            "received": r.received} for r in page.rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not page.rows:
        print("Belum ada riwayat untuk klien ini.")
        return EXIT_OK
    for r in page.rows:
        print("\t".join((format_time(r.at), r.action_label, r.who, r.what, r.detail or "-")))
    if page.total > len(page.rows):
        import sys

        sys.stderr.write(f"{len(page.rows)} dari {page.total} baris; tambahkan --limit 0 untuk semuanya.\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import EXIT_OK, _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services.subject_access import export

    ctx = _open(args)
    try:
        result = export(ctx.db, ctx.paths, _resolve(ctx.db, args.client), args.output)
    finally:
        ctx.close()
    print(f"Salinan data klien ditulis ke {result.folder}: PDF {result.pages} halaman (kode verifikasi "
          f"{result.code}), JSON, {len(result.documents)} berkas.")
    return EXIT_OK
