"""Licences issued for a work (bought, granted, redeemed from offers), optionally of one licensee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import ClientDep
from ..schemas import AddressStr, ErrorPublic, LicencePublic, LicencesPublic
from .works import HashPath

FEATURE = "licences"
router = APIRouter(prefix="/works", tags=["licences"])


@router.get(
    "/{content_hash}/licences",
    response_model=LicencesPublic,
    responses={404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="licences issued for the work, in the order they were issued",
)
def get_licences(
    content_hash: HashPath,
    client: ClientDep,
    licensee: Annotated[AddressStr | None, Query(description="only this licensee's licences")] = None,
) -> LicencesPublic:
    licences = client.licensing.licences_of_work(content_hash, licensee=licensee)
    now = client.chain_time()
    items = [LicencePublic.build(licence, now) for licence in licences]
    return LicencesPublic(
        content_hash=content_hash,
        licensee=licensee,
        count=len(items),
        valid_count=sum(1 for i in items if i.valid_now),
        licences=items,
    )
