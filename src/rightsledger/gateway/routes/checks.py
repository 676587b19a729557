"""Checks: may this use be made of this work (or of these 10,000 works) now, by this licensee?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ...terms import ChainTime
from ...vocabulary import Use
from ..deps import ClientDep, SettingsDep
from ..errors import GatewayError
from ..schemas import AddressStr, CheckItem, CheckManyRequest, CheckPublic, ChecksPublic, ContentHashStr, ErrorPublic

FEATURE = "checks"
router = APIRouter(prefix="/checks", tags=["checks"])


@router.get(
    "/{content_hash}",
    response_model=CheckPublic,
    responses={422: {"model": ErrorPublic}},
    summary="check one work (unregistered works answer `unregistered`, not an error)",
)
def check_one(
    content_hash: Annotated[ContentHashStr, Path()],
    use: Annotated[Use, Query(description="the use asked about")],
    client: ClientDep,
    licensee: Annotated[AddressStr | None, Query()] = None,
    at: Annotated[ChainTime | None, Query(description="ISO 8601 or seconds; default: the latest block")] = None,
) -> CheckPublic:
    return CheckPublic.from_result(client.check(content_hash, use, licensee=licensee, at=at))


@router.post(
    "",
    response_model=ChecksPublic,
    responses={413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="check many works at once (up to 10,000 hashes), all answered as of one block",
)
def check_many(body: CheckManyRequest, client: ClientDep, settings: SettingsDep) -> ChecksPublic:
    if len(body.hashes) > settings.max_batch:
        raise GatewayError(
            413, "batch-too-large", f"{len(body.hashes):,} hashes; at most {settings.max_batch:,} per request"
        )
    results = client.check_many(body.hashes, body.use, licensee=body.licensee, at=body.at)
    items = [CheckItem(content_hash=r.content_hash, allowed=r.allowed, reason=r.reason) for r in results]
    return ChecksPublic(
        use=body.use,
        licensee=body.licensee,
        count=len(items),
        allowed_count=sum(1 for i in items if i.allowed),
        results=items,
    )
