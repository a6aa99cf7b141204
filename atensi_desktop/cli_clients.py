"""The `atensi-desktop client …` subcommands: argument parsing only; the work lives in the handler modules.

search, show and export: atensi_desktop.cli_client_search; import: atensi_desktop.cli_client_import.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable


def _handler(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def call(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(args))

    return call


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The list filters (the same as the Klien screen's): every one optional, combined with AND."""
    parser.add_argument("--cari", metavar="TEKS", default="", help="nama (sebagian), awal NIK, No. KK atau ID klien")
    parser.add_argument("--kategori", metavar="KODE", help="kategori PPKS, mis. lanjut_usia_telantar")
    parser.add_argument("--klaster", metavar="KODE", help="klaster ATENSI, mis. lanjut_usia")
    parser.add_argument("--wilayah", metavar="KODE", help="kode wilayah: kecamatan (63.06.05) atau desa")
    parser.add_argument("--tahap", metavar="KODE", help="tahap kasus, mis. asesmen")
    parser.add_argument("--pendamping", metavar="ID", help="id pendamping penanggung jawab kasus")
    parser.add_argument("--kelompok-umur", metavar="KODE", help="anak, dewasa atau lansia")
    parser.add_argument("--jenis-kelamin", metavar="L|P", choices=("L", "P"))
    parser.add_argument("--termasuk-arsip", action="store_true", help="ikutkan klien yang diarsipkan")


def add_client_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_client = sub.add_parser("client", help="daftar klien: cari, lihat, impor, ekspor")
    csub = p_client.add_subparsers(dest="client_command", metavar="PERINTAH", parser_class=parser_class,
                                   required=True)

    p = csub.add_parser("search", help="cari klien (nama sebagian, awal NIK, No. KK, ID klien)")
    global_options(p, suppress=True)
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", metavar="N", type=int, default=20)
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=_handler("atensi_desktop.cli_client_search", "cmd_search"))

    from atensi_desktop.cli_purge import add_purge_commands

    add_purge_commands(csub, global_options, _handler)

    p = csub.add_parser("show", help="tampilkan satu klien")
    global_options(p, suppress=True)
    p.add_argument("client_id", metavar="ID", help="id (UUID) atau ID klien, mis. DSHSS-7K2M9Q")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=_handler("atensi_desktop.cli_client_search", "cmd_show"))

    p = csub.add_parser("import", help="impor klien dari XLSX atau CSV (semua baris atau tidak sama sekali)")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--mapping", metavar="FILE", help="JSON: kolom file -> isian klien")
    p.add_argument("--dry-run", action="store_true", help="periksa saja, jangan simpan")
    p.add_argument("--lewati-terdaftar", action="store_true",
                   help="lewati baris yang NIK-nya sudah terdaftar (bawaan: seluruh impor ditolak)")
    p.set_defaults(handler=_handler("atensi_desktop.cli_client_import", "cmd_import"))

    p = csub.add_parser("export", help="ekspor daftar klien (tersaring) ke XLSX")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE.xlsx")
    add_filter_options(p)
    p.set_defaults(handler=_handler("atensi_desktop.cli_client_search", "cmd_export"))
