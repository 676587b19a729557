"""The signals crawlers and trainers read, served from the registry for the publisher this gateway is
configured for (`signals_holder`, `signals_collection` or `signals_manifest`): `/robots.txt` with IETF
AI-preference `Content-Usage` lines, `/.well-known/tdmrep.json`, Spawning's `/ai.txt`, and the RSL
licence file `/rsl.xml` with the licence fees. Regenerated on each request from the chain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ...exports.formats import SIGNAL_FORMATS, ExportOptions, export_signals
from ...workflows.publisher import publisher_works
from ..deps import ClientDep, SettingsDep
from ..errors import GatewayError
from ..schemas import ErrorPublic

FEATURE = "signals"
router = APIRouter(tags=["signals"])
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}


def _serve(fmt: str, request: Request, client: ClientDep, settings: SettingsDep) -> Response:
    if not (settings.signals_holder or settings.signals_collection or settings.signals_manifest):
        raise GatewayError(
            404,
            "signals-not-configured",
            "this gateway serves no crawler signals: start it with RIGHTSLEDGER_GATEWAY_SIGNALS_HOLDER "
            "(or _SIGNALS_COLLECTION, _SIGNALS_MANIFEST)",
        )
    works = publisher_works(
        client,
        holder=settings.signals_holder,
        collection=settings.signals_collection,
        manifest=settings.signals_manifest,
        home=settings.home,
        location_prefix=settings.signals_location_prefix,
    )
    base = str(request.base_url).rstrip("/")
    options = ExportOptions(
        policy_url=f"{base}/works/{{hash}}/exports/tdm-policy",
        license_url=f"{base}/rsl.xml",
        terms_url=f"{base}/works/{{hash}}",
    )
    document = export_signals(fmt, works, options)
    media = SIGNAL_FORMATS[fmt].media_type
    if isinstance(document, str):
        return Response(document, media_type=media)
    return JSONResponse(document, media_type=media)


@router.get("/robots.txt", response_class=Response, responses=_ERRORS, summary="robots.txt with AI preferences")
def robots(request: Request, client: ClientDep, settings: SettingsDep) -> Response:
    return _serve("robots", request, client, settings)


@router.get("/.well-known/tdmrep.json", responses=_ERRORS, summary="TDMRep: reservations and policies per path")
def tdmrep(request: Request, client: ClientDep, settings: SettingsDep) -> Response:
    return _serve("tdmrep.json", request, client, settings)


@router.get("/ai.txt", response_class=Response, responses=_ERRORS, summary="Spawning's ai.txt")
def ai_txt(request: Request, client: ClientDep, settings: SettingsDep) -> Response:
    return _serve("ai-txt", request, client, settings)


@router.get("/rsl.xml", response_class=Response, responses=_ERRORS, summary="RSL 1.0 licence file with the fees")
def rsl(request: Request, client: ClientDep, settings: SettingsDep) -> Response:
    return _serve("rsl", request, client, settings)
