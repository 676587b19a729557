"""One place that turns every failure into an HTTP status and the body
`{"error": {"code": <stable code>, "message": <plain words>}}`."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    ChainError,
    ConfigError,
    ContractRevert,
    NotFoundError,
    RelayError,
    RightsLedgerError,
    SimilarWorkError,
    ValidationError,
)

LOG = logging.getLogger("rightsledger.gateway")

# Stable codes -> HTTP status. Codes not listed fall back to their SDK branch's status.
STATUS_BY_CODE: dict[str, int] = {
    "invalid-input": 422,
    "invalid-request": 422,
    "invalid-hash": 422,
    "unknown-use": 422,
    "unknown-mode": 422,
    "unknown-status": 422,
    "not-found": 404,
    "work-not-registered": 404,
    "policy-not-found": 404,
    "not-configured": 503,
    "relay-not-configured": 503,
    "chain-unavailable": 502,
    "batch-too-large": 413,
    "body-too-large": 413,
    "rate-limited": 429,
    # Relayed requests: refused before anything is sent.
    "request-expired": 400,
    "signature-invalid": 400,
    "invalid-calldata": 400,
    "request-mismatch": 400,
    "target-not-allowed": 403,
    "function-not-allowed": 403,
    "value-not-allowed": 403,
    "gas-not-allowed": 403,
    "nonce-used": 409,
    "request-in-flight": 409,
    "nonce-too-high": 409,
    # Sent in a batch, but the forwarder skipped it (nonce used, deadline passed) or its call reverted.
    "request-skipped": 409,
    "request-reverted": 409,
    "relay-rejected": 400,
    "offer-not-free": 403,
    # Reads of the newer resources.
    "invalid-offer": 422,
    "offer-wrong-deployment": 422,
    "invalid-range": 422,
    "unknown-format": 422,
    "no-disclosure": 404,
    "tdm-not-offered": 409,
    # Datasets: proofs the gateway cannot make.
    "manifest-unreadable": 404,
    "not-in-dataset": 404,
    "manifest-root-mismatch": 409,
    # Identity: a registration whose content code is near another holder's work.
    "similar-work": 409,
}

# Decoded contract errors -> status: who may not, what does not exist, what conflicts.
STATUS_BY_CONTRACT_ERROR: dict[str, int] = {
    "WorkUnauthorized": 403,
    "AccessControlUnauthorizedAccount": 403,
    "ERC721InsufficientApproval": 403,
    "ERC721IncorrectOwner": 403,
    "WorkNotRegistered": 404,
    "PolicyUnknown": 404,
    "ERC721NonexistentToken": 404,
    "WorkAlreadyRegistered": 409,
    "LicenceUnauthorized": 403,
    "LicenceOfferSignerNotHolder": 403,
    "LicenceOfferNotForLicensee": 403,
    "LicenceOfferBadSignature": 400,
    "UnknownUse": 422,
    "DatasetUnknown": 404,
    "DatasetNotHolder": 403,
    "DatasetNotDeclarer": 403,
    "DatasetInvalidProof": 422,
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": message}
    detail.update({k: v for k, v in extra.items() if v is not None})
    return {"error": detail}


class GatewayError(RightsLedgerError):
    """A refusal of the gateway's own (limits), with its status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def _sdk_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RightsLedgerError)
    if isinstance(exc, GatewayError):
        return JSONResponse(error_body(exc.code, str(exc)), status_code=exc.status)
    if isinstance(exc, ContractRevert):
        status = STATUS_BY_CONTRACT_ERROR.get(exc.error, 422 if exc.error.startswith("Policy") else 409)
        args = {k: (str(v) if isinstance(v, int) else v) for k, v in exc.args_by_name.items()}
        return JSONResponse(
            error_body(exc.code, str(exc), contractError=exc.error, details=args or None), status_code=status
        )
    status = status_of(exc)
    if isinstance(exc, SimilarWorkError):
        return JSONResponse(error_body(exc.code, str(exc), details=exc.matches), status_code=status)
    if status == 502:
        # A node's error text may carry a provider URL with its API key: it goes to the log, under an
        # id the body names, and never to the client.
        incident = secrets.token_hex(6)
        LOG.error("incident %s: %s: %s", incident, exc.code, exc)
        return JSONResponse(
            error_body(
                exc.code,
                f"the chain node did not answer as expected; try again later (incident {incident} in the gateway log)",
                incident=incident,
            ),
            status_code=502,
        )
    return JSONResponse(error_body(exc.code, str(exc)), status_code=status)


# A code not listed answers its SDK branch's status: an SDK error is never a 500.
STATUS_BY_BRANCH: tuple[tuple[type[RightsLedgerError], int], ...] = (
    (ValidationError, 422),
    (NotFoundError, 404),
    (RelayError, 400),
    (ConfigError, 503),
    (ChainError, 502),
)


def status_of(exc: RightsLedgerError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    return next((status for branch, status in STATUS_BY_BRANCH if isinstance(exc, branch)), 422)


_CUSTOM_TYPES = {"invalid_hash": "invalid-hash", "invalid_address": "invalid-address", "invalid_hex": "invalid-hex"}


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    loc = [str(p) for p in first.get("loc", ())]
    where = ".".join(p for p in loc if p not in ("body", "query", "path")) or "request"
    kind = str(first.get("type", ""))
    if kind in _CUSTOM_TYPES:
        code = _CUSTOM_TYPES[kind]
    elif kind == "enum" and loc and (loc[-1] in ("use", "uses") or (len(loc) > 1 and loc[-2] == "uses")):
        code = "unknown-use"
    elif kind == "enum" and loc and loc[-1] == "export_format":
        code = "unknown-format"
    else:
        code = "invalid-request"
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors[:20]
    ]
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")  # pydantic's prefix for our own checks
    return JSONResponse(error_body(code, f"{where}: {message}", details=details), status_code=422)


_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large", 429: "rate-limited"}


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
    message = str(exc.detail) if exc.detail else "error"
    if exc.status_code == 404:
        message = "no such endpoint or resource; see /docs for the API"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    LOG.exception("unexpected error", exc_info=exc)
    return JSONResponse(
        error_body("internal-error", f"the gateway failed unexpectedly ({type(exc).__name__}); see its log"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RightsLedgerError, _sdk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
