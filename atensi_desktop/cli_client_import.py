"""`atensi-desktop client import FILE [--mapping FILE] [--dry-run]`: check every row, import all or nothing.

The command line cannot exclude rows (the Impor screen can): a file with broken rows imports nothing,
and the report names each row and field so the file can be corrected.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from atensi_desktop.i18n import _, format_number
from atensi_desktop.services.client_import import (
    ImportPreview,
    Mapping,
    Table,
    commit,
    field_label,
    guess_mapping,
    preview,
    read_table,
)

MAX_LINES = 50  # per section of the report; the rest is counted


def cmd_import(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, PROG, _open, _progress_printer

    # The file and the mapping are read before the database is opened: a wrong path creates nothing.
    mapping = Mapping.load(args.mapping) if args.mapping else None
    table = read_table(Path(args.file), progress=_progress_printer(_("Membaca berkas")))
    if mapping is None:
        mapping = Mapping(guess_mapping(table.headers))
    _print_mapping(table, mapping, args.mapping)
    ctx = _open(args)
    try:
        pv = preview(ctx.db, table, mapping, progress=_progress_printer(_("Memeriksa baris")))
        _print_report(pv)
        summary = pv.summary()
        if summary.unresolved:
            sys.stderr.write(f"{PROG}: " + _(
                "Tidak ada yang diimpor: {count} baris bermasalah. Perbaiki baris itu di file (atau hapus "
                "barisnya dari file), lalu jalankan perintah ini lagi."
            ).format(count=format_number(summary.unresolved)) + "\n")
            return EXIT_BAD_INPUT
        registered = sorted({flag.row for flag in pv.duplicates if flag.kind == "nik_db"})
        skip = set(registered) if args.lewati_terdaftar else set()
        if registered and not skip:
            # Importing the same file twice must not register everyone twice.
            sys.stderr.write(f"{PROG}: " + _(
                "Tidak ada yang diimpor: NIK di {count} baris sudah terdaftar. Bila file ini pernah diimpor, "
                "jalankan lagi dengan --lewati-terdaftar untuk melewati baris itu."
            ).format(count=format_number(len(registered))) + "\n")
            return EXIT_BAD_INPUT
        if args.dry_run:
            print(_("Pemeriksaan saja (--dry-run): tidak ada yang disimpan."))
            return EXIT_OK
        if skip and len(skip) == len(table.rows):
            print(_("Semua baris sudah terdaftar; tidak ada yang diimpor."))
            return EXIT_OK
        result = commit(ctx.db, pv, exclude_rows=skip, progress=_progress_printer(_("Menyimpan klien")))
        if skip:
            print(_("{count} baris dilewati karena NIK-nya sudah terdaftar.").format(count=format_number(len(skip))))
    finally:
        ctx.close()
    print(_("{clients} klien diimpor ({households} keluarga baru).").format(
        clients=format_number(result.clients), households=format_number(result.households_new)))
    if result.households_attached:
        print(_("Anggota ditambahkan ke {count} keluarga yang sudah ada.").format(
            count=format_number(result.households_attached)))
    return EXIT_OK


def _print_mapping(table: Table, mapping: Mapping, mapping_file: str | None) -> None:
    where = f"{table.name} ({_('lembar')} {table.sheet})" if table.sheet else table.name
    print(_("Berkas: {file}, {rows} baris data; judul kolom di baris {header}.").format(
        file=where, rows=format_number(len(table.rows)), header=table.header_row))
    if mapping_file:
        print(_("Pemetaan kolom (dari {file}):").format(file=mapping_file))
    else:
        print(_("Pemetaan kolom (ditebak dari judul kolom; ubah dengan --mapping FILE.json):"))
    width = max((len(c) for c in mapping.columns), default=0)
    for column, name in mapping.columns.items():
        print(f"  {column.ljust(width)}  -> {name} ({field_label(name)})")
    unused = [h for h in table.headers if h not in mapping.columns]
    if unused:
        print(_("Kolom yang tidak dipakai: {columns}").format(columns=", ".join(unused)))


def _section(title: str, lines: Sequence[str], more: str) -> None:
    if not lines:
        return
    print(title)
    for line in lines[:MAX_LINES]:
        print(f"  {line}")
    if len(lines) > MAX_LINES:
        print("  " + more.format(count=format_number(len(lines) - MAX_LINES)))


def _print_report(pv: ImportPreview) -> None:
    problems = pv.problems
    summary = pv.summary()
    _section(_("Masalah ({rows} baris, {count} masalah):").format(
        rows=format_number(summary.unresolved), count=format_number(len(problems))),
        [str(p) for p in problems], _("… dan {count} masalah lain."))
    _section(_("Peringatan ({count}):").format(count=format_number(len(pv.warnings))),
             [str(w) for w in pv.warnings], _("… dan {count} peringatan lain."))
    duplicates = pv.duplicates
    _section(_("Kemungkinan duplikat ({count}; tetap diimpor, periksa nanti di daftar Kemungkinan duplikat):").format(
        count=format_number(len(duplicates))), [str(d) for d in duplicates], _("… dan {count} lagi."))
    if not pv.fuzzy_checked:
        print(_("Klien yang mirip (nama, tanggal lahir, desa) belum diperiksa: duplikat hanya dicari lewat NIK "
                "yang sama, di database dan di dalam file."))
    print(_("Ringkasan:"))
    for line in summary.lines():
        print(f"  {line}")
