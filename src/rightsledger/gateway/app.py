"""The FastAPI app: thin over the SDK. Routes validate, call one SDK method, return a schema."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from ..identity.chance import chance_limit
from ..version import __version__
from . import errors
from .deps import GatewayState, state_file
from .limits import BodySizeLimit, RateLimit
from .routes import (
    checks,
    datasets,
    dev,
    exports,
    info,
    label,
    licences,
    match,
    observatory,
    offers,
    policies,
    provenance,
    relay,
    removals,
    signals,
    softbinding,
    works,
)
from .schemas import ErrorPublic
from .settings import GatewaySettings

# Answers any operation can give (the error body is the same everywhere), documented on each one so
# generated clients know them: a malformed or refused request, no such resource, a body over the
# limit, the rate limit, and the node or the gateway failing.
COMMON_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorPublic, "description": text}
    for status, text in (
        (400, "the request was refused (malformed, or a signed request that does not verify)"),
        (404, "no such resource"),
        (413, "the request body is over the gateway's limit"),
        (429, "rate-limited: retry after the Retry-After header's seconds"),
        (500, "the gateway failed unexpectedly"),
        (502, "the Ethereum node failed or refused"),
        (503, "the gateway is not configured for this (no relayer key, no index, ...)"),
    )
}

# Each resource is one module; adding an endpoint family (provenance, exports, licences,
# datasets, removal requests) is one module here and its line in this list.
ROUTE_MODULES: list[ModuleType] = [
    info, works, label, provenance, exports, licences, datasets, removals, checks, policies, offers, relay,
    signals, observatory, match, softbinding,
]  # fmt: skip
# Parts of the product whose API is not in this gateway yet; /info reports them false and the
# page shows "not available yet" for them. (None now; kept for the next one.)
PLANNED_FEATURES: tuple[str, ...] = ()

STATIC = Path(str(resources.files("rightsledger") / "gateway" / "static"))

DESCRIPTION = """\
The rightsledger gateway: read the registry of works and their usage terms, AI labels, provenance
trails, licences, exports to the standards (ODRL, TDMRep, CAWG, PLUS, ERC-7517, IPTC) and the declared
AI datasets that contain a work (with whether that use was permitted then); check uses one at a time
or 10,000 at once; check licence offers; and relay writes that users sign with their own keys
(register, set terms, opt out, prove inclusion, request removal, redeem a free offer: ERC-2771 forward
requests; the gateway pays the gas, never holds a user's key, and never pays a price for anyone).

Every error is `{"error": {"code": "<stable code>", "message": "<what to do>"}}`.
"""


def create_app(settings: GatewaySettings | None = None, *, state: GatewayState | None = None) -> FastAPI:
    """Connect to the node (the deployment is found by chain id) and build the app."""
    settings = settings or GatewaySettings()
    chance_limit()  # a bad $RIGHTSLEDGER_CHANCE_LIMIT stops the start, not a request later
    state = state or GatewayState.connect(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.start_follower()  # the index follower runs while the server does
        state.warm_codes_index()
        try:
            yield
        finally:
            state.stop_follower()
            state.close_codes_index()

    app = FastAPI(
        title="rightsledger gateway",
        version=__version__,
        description=DESCRIPTION,
        responses=COMMON_RESPONSES,
        lifespan=lifespan,
    )
    modules = [*ROUTE_MODULES, *([dev] if state.dev_keys else [])]
    for module in modules:
        app.include_router(module.router)
    state.features = {
        **{m.FEATURE: True for m in modules},
        **{f: False for f in PLANNED_FEATURES},
        "relay": state.relayer is not None,
    }
    app.state.gateway = state
    errors.install(app)
    # Outermost first: the rate limit refuses before the body is even read.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    shared = state_file(settings, state.ledger.chain_id) if settings.workers > 1 else None
    app.add_middleware(RateLimit, rate=settings.rate_limit, burst=settings.rate_burst, state_file=shared)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def serve(settings: GatewaySettings) -> None:
    """Run the gateway with uvicorn until interrupted: in this process, or in `settings.workers`
    worker processes behind one port (each builds its app from the settings, passed to it in
    RIGHTSLEDGER_GATEWAY_* environment variables; they share the state file)."""
    import uvicorn

    if settings.workers == 1:
        app = create_app(settings)
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="info", server_header=False,
            timeout_keep_alive=settings.keep_alive,
        )  # fmt: skip
        return
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"RIGHTSLEDGER_GATEWAY_{name.upper()}"] = str(value)
    uvicorn.run(
        "rightsledger.gateway.app:create_app",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        server_header=False,
        timeout_keep_alive=settings.keep_alive,
    )
