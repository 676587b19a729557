"""The gateway's settings: flags of `rightsledger serve`, else environment variables, else defaults."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Environment variables are `RIGHTSLEDGER_GATEWAY_<NAME>` (the node and home also take the CLI's)."""

    model_config = SettingsConfigDict(env_prefix="RIGHTSLEDGER_GATEWAY_", extra="ignore", populate_by_name=True)

    rpc_url: str = Field(
        default="http://127.0.0.1:8545",
        validation_alias=AliasChoices("RIGHTSLEDGER_GATEWAY_RPC_URL", "RIGHTSLEDGER_RPC_URL"),
    )
    home: str | None = Field(
        default=None, validation_alias=AliasChoices("RIGHTSLEDGER_GATEWAY_HOME", "RIGHTSLEDGER_HOME")
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Worker processes behind the one port (uvicorn's). With more than one they share the state
    # file below: the relayer's nonces and journal, the gas budgets, the rate-limit buckets;
    # one of them follows the chain head into the index, the others read it.
    workers: int = Field(default=1, ge=1, le=64)
    # Seconds an idle kept-alive connection stays open. Longer than clients keep theirs (httpx
    # and requests: 5 s, browsers: longer but they retry): a server that closes first races
    # a client reusing the connection at that moment, which then sees it reset unanswered.
    keep_alive: int = Field(default=75, ge=1, le=3600)
    # The relayer pays the gas of users' signed requests. On the local chain (31337) the
    # default is development account 9; elsewhere writes are off unless a key is given.
    relayer_key: str | None = Field(default=None, repr=False)
    # Local demo only: let the page sign with anvil's public development keys (chain 31337 only).
    dev_keys: bool = False
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    # The most pixels an uploaded image (/match/file, /matches/byContent) may declare: decoding costs
    # about 20 bytes a pixel at its peak, and a PNG of 178 megapixels can fit in 230 KB.
    max_upload_pixels: int = Field(default=50_000_000, ge=1_024, le=2 * 89_478_485)
    max_batch: int = Field(default=10_000, ge=1, le=10_000)
    rate_limit: float = Field(default=20.0, ge=0, description="requests per second per client; 0 turns it off")
    rate_burst: int = Field(default=60, ge=1)
    relay_max_gas: int = Field(default=5_000_000, ge=21_000, le=16_000_000)
    # The relayer's nonces, its sent transactions until mined, the gas budgets and the rate-limit
    # buckets: a SQLite file shared by the gateway's workers that survives a restart. Default:
    # <home>/gateway-state-<chainId>.sqlite.
    state_file: str | None = None
    relay_stuck_after: float = Field(
        default=60.0, ge=0, description="seconds a relayed transaction may wait unmined before it is replaced"
    )
    relay_ttl: int = Field(default=600, ge=30, le=86_400, description="seconds a prepared request stays valid")
    # Relayed requests checked within this window of each other go out in one Forwarder.executeBatch
    # transaction (at most relay_batch_max); 0: each goes out as soon as the batch before it is sent.
    relay_batch_window: float = Field(
        default=0.05, ge=0, le=5, description="seconds a relayed request waits for others to batch with"
    )
    relay_batch_max: int = Field(default=64, ge=1, le=256, description="most relayed requests in one transaction")
    # The mirror of the chain's events and the datasets' manifests that answers which declared
    # datasets contain a work (kept synced by the follower below), and the codes index (/match).
    # `index_url` (postgresql://user@host/db; also $RIGHTSLEDGER_INDEX_URL) puts both in one
    # database, for serving. Else SQLite: `index_db`, default <home>/gateway-index-<chainId>.sqlite
    # (its own file: the CLI's index is another writer), and <home>/codes-<chainId>.sqlite.
    index_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("RIGHTSLEDGER_GATEWAY_INDEX_URL", "RIGHTSLEDGER_INDEX_URL", "index_url"),
        repr=False,
    )
    index_db: str | None = None
    # A background thread keeps that index synced with the chain head (requests then read it
    # without syncing, each through its own connection); off: each such request syncs first.
    follow_index: bool = True
    index_confirmations: int = Field(default=0, ge=0, description="index only to head - N")
    index_interval: float = Field(default=1.0, gt=0, le=3_600, description="seconds between the follower's syncs")
    # The crawler signals this gateway serves (/robots.txt, /.well-known/tdmrep.json, /ai.txt, /rsl.xml)
    # are for one publisher's works: a holder's, a collection's, or a manifest's (location -> work).
    signals_holder: str | None = None
    signals_collection: int | None = Field(default=None, ge=1)
    signals_manifest: str | None = None
    signals_location_prefix: str = "/works/"
    # Declared manifest URIs are read only under this folder (default: <home>/datasets, where
    # `rightsledger declare` writes them); anything else is listed as `unreadable`.
    manifest_folder: str | None = None
