"""About the gateway: /info and the local chain's development accounts."""

from __future__ import annotations

from pydantic import Field

from ...vocabulary import Use
from .common import Schema


class UsePublic(Schema):
    use: Use
    plain: str


class LimitsPublic(Schema):
    max_body_bytes: int
    max_batch: int
    rate_limit: float
    rate_burst: int
    relay_max_gas: int


class IndexStatusPublic(Schema):
    block: int = Field(description="the dataset index is synced to this block")
    head: int = Field(description="the chain's head now")
    lag: int = Field(description="head - block")
    confirmations: int = Field(description="the follower indexes only to head - confirmations")
    error: str | None = Field(default=None, description="the follower's last sync error, if it failed")


class InfoPublic(Schema):
    name: str
    version: str
    chain_id: int
    block: int
    contracts: dict[str, str]
    relayer: str | None = Field(description="the account paying for relayed writes; null: writes are off")
    dev_keys: bool = Field(description="the page may sign with the local chain's public development keys")
    features: dict[str, bool] = Field(description="which parts of the API this gateway has")
    limits: LimitsPublic
    uses: list[UsePublic]
    index: IndexStatusPublic | None = Field(
        default=None, description="the background follower of the chain head; null: requests sync the index"
    )


class DevAccountPublic(Schema):
    index: int
    address: str
    private_key: str
    label: str


class DevAccountsPublic(Schema):
    warning: str
    count: int
    accounts: list[DevAccountPublic]
