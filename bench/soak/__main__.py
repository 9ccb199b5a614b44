"""python -m bench.soak: a live reception held for a long time on one node.

A fresh `reception run` node; the moderator, the host and 15 citizens (who
publish pre-encoded VP8 + Opus while on air) and 100 listeners in processes of five, every
one with its own socket.io connection and aiortc's receive path. The floor moves every
30 s and the moderator sends a command every few seconds (bench/soak/schedule.py). Per
minute: the node's CPU and RSS, how many listeners receive the host's video and at what
frame rate, the forwarding delay's percentiles; over the run the slopes of RSS and CPU and
everyone who dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from bench.sfu.figures import table
from bench.soak import figures
from bench.soak.run import Options, soak


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--listeners", type=int, default=100)
    parser.add_argument(
        "--citizens", type=int, default=15, help="at most 15 (a reception's places)"
    )
    parser.add_argument("--server-core", type=int, help="pin the node to this core")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--records", action="store_true", help="with --json: every participant's own counts"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.minutes < 1 or args.listeners < 1 or not 2 <= args.citizens <= 15:
        parser.error("--minutes and --listeners need at least 1, --citizens 2 to 15")
    options = Options(
        args.minutes, args.listeners, args.citizens, args.server_core, records=args.records
    )
    result = soak(options, lambda line: print(line, file=sys.stderr, flush=True))
    document = {
        "command": " ".join(["python -m bench.soak", *argv]),
        "cpu_count": os.cpu_count(),
        **result,
    }
    if args.json:
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        print(table(document["minutes"], figures.COLUMNS))
        for name in (
            "rss_slope_mb_per_min",
            "cpu_slope_pct_per_min",
            "flat",
            "dropped",
            "presence_changes",
            "video_cut_events",
            "not_receiving_at_end",
            "without_video_at_end",
            "command_errors",
        ):
            print(f"{name}: {document[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
