"""Registry-wide indicators: `/observatory` (a page with charts) and `/observatory.json` (the figures)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ...workflows.observatory import indicators, observatory_html
from ..deps import ClientDep

FEATURE = "observatory"
router = APIRouter(tags=["observatory"])


@router.get("/observatory.json", response_model=dict[str, Any], summary="registry-wide indicators")
def observatory_json(client: ClientDep) -> dict[str, Any]:
    """Registrations per day, the share of works open to AI training, licences and their income,
    datasets declared, violations, removal requests (acknowledged), levy collected and paid."""
    return indicators(client)


@router.get("/observatory", response_class=HTMLResponse, summary="the indicators as a page with charts")
def observatory_page(client: ClientDep) -> HTMLResponse:
    return HTMLResponse(observatory_html(indicators(client)))
