"""`python -m bench NAME [options]`: startup, init, registry, import, duplicates, asesmen, services, reports,
sync, soak."""

from __future__ import annotations

import argparse


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="name", required=True)
    p_start = sub.add_parser("startup", help="cold start to a shown main window vs bare QMainWindow")
    p_start.add_argument("--repeats", type=int, default=5)
    p_init = sub.add_parser("init", help="init --demo N: time and DB size vs raw sqlite3 inserts")
    p_init.add_argument("--clients", type=int, default=100_000)
    p_reg = sub.add_parser("registry", help="client search and list paging at each size vs raw sqlite3")
    p_reg.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated client counts")
    p_reg.add_argument("--seed", type=int, default=1)
    p_reg.add_argument("--queries", type=int, default=50, help="queries of each kind per size")
    p_reg.add_argument("--no-list", action="store_true", help="skip the Klien screen's RSS and first-paint run "
                       "(bench.registry_list) at the largest size")
    p_imp = sub.add_parser("import", help="client import of an XLSX (10,000 rows) into a new or a demo database")
    p_imp.add_argument("--rows", type=int, default=10_000)
    p_imp.add_argument("--existing", type=int, default=0, help="demo clients made in the new database first")
    p_imp.add_argument("--demo-sizes", default="", help="comma-separated: import into a copy of each cached "
                       "init --demo database (e.g. 1000000) instead")
    p_dup = sub.add_parser("duplicates", help="duplicate check on entry and review list on cached demo databases")
    p_dup.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated client counts")
    p_dup.add_argument("--samples", type=int, default=50)
    p_ases = sub.add_parser("asesmen", help="asesmen: open the general form, save sections on a demo database")
    p_ases.add_argument("--size", type=int, default=1_000_000, help="clients in the cached demo database")
    p_ases.add_argument("--assessments", type=int, default=100)
    p_ases.add_argument("--no-checker", action="store_true", help="save without the form interpreter")
    p_svc = sub.add_parser("services", help="service log: add an entry, a 2,000-event case timeline, a 500-client "
                           "distribution, on a demo database with N service entries")
    p_svc.add_argument("--size", type=int, default=1_000_000, help="clients in the cached demo database")
    p_svc.add_argument("--entries", type=int, default=10_000_000, help="service entries filled into a cached copy")
    p_svc.add_argument("--seed", type=int, default=1)
    p_rep = sub.add_parser("reports", help="a ~20-page case report vs bare ReportLab; the SPM recap over 1M clients")
    p_rep.add_argument("--services", type=int, default=220, help="extra service entries (about 20 A4 pages)")
    p_rep.add_argument("--repeats", type=int, default=5)
    p_rep.add_argument("--spm-size", type=int, default=1_000_000, help="clients in the cached demo database")
    p_rep.add_argument("--no-spm", action="store_true")
    p_sync = sub.add_parser("sync", help="sync on init --demo N data: full export/import, re-import, an office-day "
                            "delta, one-case bundle sizes")
    p_sync.add_argument("--clients", type=int, default=100_000, help="clients in the cached demo database")
    p_sync.add_argument("--seed", type=int, default=1)
    p_sync.add_argument("--actions", type=int, default=300, help="user actions in the simulated office day")
    p_soak = sub.add_parser("soak", help="the sync convergence property test with many examples (long; nice)")
    p_soak.add_argument("--examples", type=int, default=3000)
    p_soak.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: random, printed)")
    p_soak.add_argument("--every", type=int, default=50, help="print progress every N examples")
    p_soak.add_argument("--steps", type=int, default=None, help="most random steps per example (default 30)")
    p_soak.add_argument("--no-shrink", action="store_true", help="on a failure, report it without shrinking")
    args = parser.parse_args()
    if args.name == "startup":
        from bench.startup import run

        run(args.repeats)
    elif args.name == "init":
        from bench.init import run

        run(args.clients)
    elif args.name == "registry":
        from bench.registry import run

        sizes = [int(n) for n in args.sizes.split(",")]
        run(sizes, seed=args.seed, queries=args.queries)
        if not args.no_list:  # the Qt list model on the largest database: memory and first paint
            from bench.registry_list import run as run_list

            run_list(max(sizes), seed=args.seed)
    elif args.name == "import":
        from bench.registry_import import run as run_import

        run_import(args.rows, existing=args.existing,
                   demo_sizes=[int(n) for n in args.demo_sizes.split(",") if n.strip()])
    elif args.name == "duplicates":
        from bench.registry_duplicates import run as run_duplicates

        run_duplicates([int(n) for n in args.sizes.split(",")], samples=args.samples)
    elif args.name == "asesmen":
        from bench.asesmen import run as run_asesmen

        checker = None
        if not args.no_checker:  # the real rules of asesmen_umum, as the wizard will save
            from atensi_desktop.forms.checker import FormChecker

            checker = FormChecker()
        run_asesmen(args.size, assessments=args.assessments, checker=checker)
    elif args.name == "services":
        from bench.services import run as run_services

        run_services(args.size, args.entries, seed=args.seed)
    elif args.name == "reports":
        from bench.reports import run as run_reports

        run_reports(args.services, args.repeats, None if args.no_spm else args.spm_size)
    elif args.name == "sync":
        from bench.sync import run as run_sync

        run_sync(args.clients, seed=args.seed, actions=args.actions)
    elif args.name == "soak":
        from bench.soak import run as run_soak

        run_soak(args.examples, seed=args.seed, every=args.every, shrink=not args.no_shrink, steps=args.steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
