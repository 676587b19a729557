"""A work's record in the standards' formats: ODRL 2.2 (JSON-LD), TDMRep, its TDM policy, the CAWG
training-mining assertion, IPTC/PLUS data mining, ERC-7517 token metadata, the IPTC digital source type."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ...exports import ExportRecord
from ...exports.formats import FORMATS, JSON_LD, ExportOptions
from ..deps import ClientDep
from ..schemas import ErrorPublic
from .works import HashPath

FEATURE = "exports"
router = APIRouter(prefix="/works", tags=["exports"])

# The path parameter's choices: every single-record format of `exports.formats.FORMATS` (a test keeps them equal).
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
    record = ExportRecord.read(client, content_hash, iscc=True)
    policy_url = str(request.url_for("get_export", content_hash=content_hash, export_format="tdm-policy"))
    exporter = FORMATS[export_format.value]
    document = exporter.build(record, ExportOptions(policy_url=policy_url))
    return JSONResponse(document, media_type=exporter.media_type)
