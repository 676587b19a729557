"""Reading event logs in pages of blocks, so no request asks a node for a wider range than
it serves: hosted RPC nodes cap `eth_getLogs` ranges (often 1,000 to 10,000 blocks) and
word their refusals in many ways. A refused page is halved and retried."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.types import EventData, LogReceipt

from ..errors import ChainError, ConfigError
from .contracts import signature_type

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


def event_topic(contract: Contract, name: str) -> bytes:
    """topic0 of event `name` as the contract's ABI declares it."""
    for item in contract.abi:
        if item.get("type") == "event" and item.get("name") == name:
            types = ",".join(signature_type(dict(i)) for i in item["inputs"])  # type: ignore[typeddict-item]
            return keccak(text=f"{name}({types})")
    raise ConfigError(f"the {name} event is not in the ABI of the contract at {contract.address}")


def contract_events(
    w3: Web3,
    contract: Contract,
    name: str,
    start: int,
    end: int,
    *,
    topics: Sequence[Any] = (),
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[EventData]:
    """Every `name` event of `contract` in blocks `start`..`end`, decoded, in chain order (paged).
    `topics` filters the indexed arguments after topic0 (None: any)."""
    filters = {"address": contract.address, "topics": ["0x" + event_topic(contract, name).hex(), *topics]}
    event = getattr(contract.events, name)()
    pages = logs_in_pages(fetcher(w3), filters, start, end, page_size=page_size, action=f"reading {name} events")
    return [event.process_log(log) for log in pages]
