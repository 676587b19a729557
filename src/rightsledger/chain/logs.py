"""Reading event logs in pages of blocks, so no request asks a node for a wider range than
it serves: hosted RPC nodes cap `eth_getLogs` ranges (often 1,000 to 10,000 blocks) and
word their refusals in many ways. A refused page is halved and retried."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from web3 import Web3
from web3.types import LogReceipt

from ..errors import ChainError

DEFAULT_PAGE_SIZE = 5_000
"""Blocks per eth_getLogs request: below the range limits of common hosted RPC nodes."""

RANGE_ERROR = re.compile(
    r"block range|range (is )?too (large|wide)|too many (blocks|results|logs)|limit exceeded|"
    r"exceed|query returned more than|response size|max(imum)? (block )?range",
    re.IGNORECASE,
)
"""How nodes say a range is too wide."""

LogFetcher = Callable[[dict[str, Any]], list[LogReceipt]]


def fetcher(w3: Web3) -> LogFetcher:
    """`eth_getLogs` on `w3`, as the fetch function `logs_in_pages` takes."""
    return lambda params: list(w3.eth.get_logs(params))  # type: ignore[arg-type]


def logs_in_pages(
    fetch: LogFetcher,
    filters: dict[str, Any],
    start: int,
    end: int,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    action: str = "reading event logs",
) -> Iterator[LogReceipt]:
    """The logs matching `filters` (address, topics) from block `start` to `end`, in order."""
    span = page_size
    block = start
    while block <= end:
        last = min(block + span - 1, end)
        try:
            page = fetch({**filters, "fromBlock": block, "toBlock": last})
        except Exception as exc:  # noqa: BLE001 - nodes word range limits in many ways
            if span > 1 and RANGE_ERROR.search(str(exc)):
                span = max(1, span // 2)
                continue
            raise ChainError(f"{action} (blocks {block}..{last}): {exc}") from None
        yield from page
        block = last + 1
