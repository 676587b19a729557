"""Offline JSON-LD: the ODRL 2.2 context ships in the package (a copy of
contexts/odrl.jsonld from the npm package @digitalbazaar/odrl-context), and a document loader
serves it for the context URL, so expanding a policy never touches the network.

Expanding needs `pyld` (a development dependency: `pip install pyld`); producing policies does not.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ConfigError, ValidationError

ODRL_CONTEXT_URL = "http://www.w3.org/ns/odrl.jsonld"
"""The context URL the ODRL 2.2 and TDMRep specifications name."""
_SERVED = {ODRL_CONTEXT_URL, "https://www.w3.org/ns/odrl.jsonld"}


@cache
def odrl_context() -> dict[str, Any]:
    """The ODRL 2.2 JSON-LD context document shipped with the package."""
    data: dict[str, Any] = json.loads((resources.files("rightsledger") / "contexts" / "odrl.jsonld").read_text())
    return data


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves the ODRL context from the package and refuses anything else."""
    if url.rstrip("#") in _SERVED:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": odrl_context(),
        }
    from pyld.jsonld import JsonLdError  # type: ignore[import-untyped]

    raise JsonLdError(
        f"rightsledger loads no JSON-LD documents from the network; {url} is not shipped",
        "jsonld.LoadDocumentError",
        code="loading document failed",
    )


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON-LD expansion of `document`, offline (see `document_loader`)."""
    try:
        from pyld import jsonld  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("expanding JSON-LD needs pyld: pip install pyld") from None
    try:
        result: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": document_loader})
    except jsonld.JsonLdError as exc:
        raise ValidationError(f"the document does not expand as JSON-LD: {exc}") from None
    return result
