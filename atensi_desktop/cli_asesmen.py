"""The `atensi-desktop asesmen …` subcommands: `asesmen list CLIENT [--semua] [--json]`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable


def add_asesmen_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_asesmen = sub.add_parser("asesmen", help="asesmen klien")
    asub = p_asesmen.add_subparsers(dest="asesmen_command", metavar="PERINTAH", parser_class=parser_class,
                                    required=True)
    p = asub.add_parser("list", help="daftar asesmen seorang klien, yang terbaru dulu")
    global_options(p, suppress=True)
    p.add_argument("client_id", metavar="KLIEN", help="id (UUID) atau ID klien, mis. DSHSS-7K2M9Q")
    p.add_argument("--semua", action="store_true", help="ikutkan asesmen yang diarsipkan")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_list)


def _date(value) -> str:
    return value.strftime("%d-%m-%Y") if value else "-"


def cmd_list(args: argparse.Namespace) -> int:
    """One tab-separated line per asesmen: id, jenis, status, formulir versi, dimulai, selesai, bagian
    tersimpan, masalah, (diarsipkan)."""
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services.assessments import list_assessments

    ctx = _open(args)
    try:
        rows = list_assessments(ctx.db, _resolve(ctx.db, args.client_id), include_archived=args.semua)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "id": str(r.id), "kind": r.kind, "status": r.status, "form_id": r.form_id,
            "form_version": r.form_version, "started_on": r.started_on.isoformat(),
            "finished_on": r.finished_on.isoformat() if r.finished_on else None,
            "previous_assessment_id": str(r.previous_assessment_id) if r.previous_assessment_id else None,
            "sections_saved": r.sections_saved, "problems": r.problems, "archived": r.archived,
        } for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Klien ini belum punya asesmen.")
        return 0
    for r in rows:
        print("\t".join([str(r.id), r.kind_label, r.status_label, f"{r.form_id} v{r.form_version}",
                         _date(r.started_on), _date(r.finished_on), f"{r.sections_saved} bagian",
                         f"{r.problems} masalah", *(["diarsipkan"] if r.archived else [])]))
    return 0
