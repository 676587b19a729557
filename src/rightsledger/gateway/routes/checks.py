"""Checks: may this use be made of this work (or of these 10,000 works) now, by this licensee?"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ...records import CheckResult
from ...terms import ChainTime
from ...vocabulary import Reason, Use
from ..deps import ClientDep, SettingsDep
from ..errors import GatewayError
from ..schemas import AddressStr, CheckManyRequest, CheckPublic, ChecksPublic, ContentHashStr, ErrorPublic

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
def check_many(body: CheckManyRequest, client: ClientDep, settings: SettingsDep) -> Response:
    if len(body.hashes) > settings.max_batch:
        raise GatewayError(
            413, "batch-too-large", f"{len(body.hashes):,} hashes; at most {settings.max_batch:,} per request"
        )
    results = client.check_many(body.hashes, body.use, licensee=body.licensee, at=body.at)
    return checks_response(body, results)


# Each reason's tail of a result object, rendered once: the answer to 10,000 hashes is written as
# text here rather than through 10,000 response models (FastAPI skips the response model when
# given a Response; tests compare this text with ChecksPublic, which still documents it).
_RESULT_TAIL = {r: f',"allowed":{"true" if r.allows else "false"},"reason":"{r.value}"}}' for r in Reason}


def checks_response(body: CheckManyRequest, results: list[CheckResult]) -> Response:
    allowed = sum(1 for r in results if r.allowed)
    counts = {"use": body.use.value, "licensee": body.licensee, "count": len(results), "allowedCount": allowed}
    head = json.dumps(counts)
    items = ",".join(f'{{"contentHash":"{r.content_hash}"{_RESULT_TAIL[r.reason]}' for r in results)
    return Response(content=f'{head[:-1]},"results":[{items}]}}', media_type="application/json")
