"""`rightsledger index follow`: keep the event index synced with the chain head, in the foreground.

Each sync reads up to `head - confirmations`; a line is printed whenever the indexed block or the
head moves (block, head, lag, new events). Ctrl-C stops it between two ranges: every range is
one transaction (SQLite or PostgreSQL), so nothing half-written is kept and the next run resumes from the cursor.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from ..workflows.indexer import Indexer, SyncResult
from .context import CliError, Context


def _line(result: SyncResult, confirmations: int, as_json: bool) -> str:
    lag = max(0, result.head - result.to_block)
    if as_json:
        return json.dumps(
            {
                "block": result.to_block,
                "head": result.head,
                "lag": lag,
                "confirmations": confirmations,
                "newEvents": result.events,
                "rolledBackTo": result.rolled_back_to,
            }
        )
    rolled = f" (the chain reorganised: rolled back to block {result.rolled_back_to})" if result.rolled_back_to else ""
    return f"block {result.to_block}  head {result.head}  lag {lag}  +{result.events} events{rolled}"


def cmd_follow(ctx: Context, db_path: str | Path) -> int:
    args = ctx.args
    if args.confirmations < 0:
        raise CliError(f"--confirmations must be 0 or more, not {args.confirmations}")
    if args.interval <= 0:
        raise CliError(f"--interval must be more than 0 seconds, not {args.interval}")
    client = ctx.client()
    index = Indexer(client, db_path, wal=True)
    seen: tuple[int, int] | None = None
    # A service manager stops it with SIGTERM: stop as on Ctrl-C (after the write under way).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            try:
                result = index.sync(confirmations=args.confirmations)
            except Exception as exc:  # the node may be down for a while: say so, retry
                if args.once:
                    raise CliError(f"the sync failed: {exc}") from exc
                print(f"rightsledger: the sync failed ({exc}); retrying in {args.interval:g} s", file=sys.stderr)
            else:
                if args.once or (result.to_block, result.head) != seen or result.rolled_back_to is not None:
                    print(_line(result, args.confirmations, args.json), flush=True)
                    seen = (result.to_block, result.head)
            if args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print(f"stopped: indexed to block {index.cursor}", file=sys.stderr)
        return 0
    finally:
        index.close()
