"""`python -m bench NAME [options]`: startup, init, registry (later: asesmen, services, reports, sync)."""

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
    args = parser.parse_args()
    if args.name == "startup":
        from bench.startup import run

        run(args.repeats)
    elif args.name == "init":
        from bench.init import run

        run(args.clients)
    elif args.name == "registry":
        from bench.registry import run

        run([int(n) for n in args.sizes.split(",")], seed=args.seed, queries=args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
