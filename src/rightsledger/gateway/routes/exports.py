"""A work's record in the standards' formats: ODRL 2.2 (JSON-LD), TDMRep, its TDM policy, the CAWG
training-mining assertion, IPTC/PLUS data mining, ERC-7517 token metadata, the IPTC digital source type."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ...exports import (
    ExportRecord,
    data_mining,
    digital_source_type,
    odrl_policy,
    tdm_declaration,
    tdm_policy,
    token_metadata,
    training_mining_assertion,
)
from ..deps import ClientDep
from ..schemas import ErrorPublic
from .works import HashPath

FEATURE = "exports"
router = APIRouter(prefix="/works", tags=["exports"])

JSON_LD = "application/ld+json"


class ExportFormat(StrEnum):
    ODRL = "odrl"
    TDMREP = "tdmrep"
    TDM_POLICY = "tdm-policy"
    CAWG = "cawg"
    PLUS = "plus"
    ERC7517 = "erc7517"
    IPTC = "iptc"


_DESCRIPTION = """\
- `odrl`: the terms as an ODRL 2.2 Offer (JSON-LD, `application/ld+json`)
- `tdmrep`: the TDMRep `tdm-reservation` / `tdm-policy` values, with the HTTP headers and HTML meta elements
- `tdm-policy`: the TDM Policy (an ODRL Offer in the TDMRep profile, JSON-LD); 409 `tdm-not-offered` if mining is denied
- `cawg`: the CAWG `cawg.training-mining` assertion
- `plus`: the IPTC/PLUS `plus:DataMining` value
- `erc7517`: ERC-721 token metadata with the ERC-7517 `dataMiningPreference`
- `iptc`: the IPTC digital source type of the AI label; 404 `no-disclosure` if none was set
"""


@router.get(
    "/{content_hash}/exports/{export_format}",
    response_model=dict[str, Any],
    responses={
        200: {"content": {JSON_LD: {}}, "description": "the document (JSON-LD for odrl and tdm-policy)"},
        404: {"model": ErrorPublic},
        409: {"model": ErrorPublic},
        422: {"model": ErrorPublic},
    },
    summary="the work's record as ODRL, TDMRep, CAWG, PLUS, ERC-7517 or IPTC",
    description=_DESCRIPTION,
)
def get_export(
    content_hash: HashPath, export_format: ExportFormat, client: ClientDep, request: Request
) -> JSONResponse:
    record = ExportRecord.read(client, content_hash)
    policy_url = str(request.url_for("get_export", content_hash=content_hash, export_format="tdm-policy"))

    def tdmrep() -> dict[str, Any]:
        declaration = tdm_declaration(record, policy_url=policy_url)
        return {**declaration.to_json_dict(), "http": declaration.http_headers(), "html": declaration.html_meta()}

    builders: dict[ExportFormat, Callable[[], dict[str, Any]]] = {
        ExportFormat.ODRL: lambda: odrl_policy(record),
        ExportFormat.TDMREP: tdmrep,
        ExportFormat.TDM_POLICY: lambda: tdm_policy(record, uid=policy_url),
        ExportFormat.CAWG: lambda: training_mining_assertion(record),
        ExportFormat.PLUS: lambda: data_mining(record),
        ExportFormat.ERC7517: lambda: token_metadata(record),
        ExportFormat.IPTC: lambda: digital_source_type(record),
    }
    document = builders[export_format]()
    media = JSON_LD if export_format in (ExportFormat.ODRL, ExportFormat.TDM_POLICY) else "application/json"
    return JSONResponse(document, media_type=media)
