"""Local demo only: the local chain's public development keys, for the page's clearly labelled
"local development key" signer. Mounted only when the chain id is 31337 and `--dev-keys` is set.

These keys are anvil's well-known test keys, printed in its documentation; the gateway never
holds, receives or uses any user's key."""

from __future__ import annotations

from fastapi import APIRouter

from ...chain import DEV_KEYS, dev_account
from ..schemas import DevAccountPublic, DevAccountsPublic

FEATURE = "dev-keys"
router = APIRouter(prefix="/dev", tags=["local development only"])

WARNING = (
    "LOCAL DEVELOPMENT KEYS: public test keys of the local chain (id 31337). Anyone can sign with them. "
    "Never send real value to these accounts or use them on any other network."
)


@router.get("/accounts", response_model=DevAccountsPublic)
def accounts() -> DevAccountsPublic:
    listed = [
        DevAccountPublic(
            index=i,
            address=dev_account(i).address,
            private_key=key,
            label={0: "admin and registrar of the demo", 1: "the demo's artist", 9: "the gateway's relayer"}.get(
                i, "development account"
            ),
        )
        for i, key in enumerate(DEV_KEYS)
    ]
    return DevAccountsPublic(warning=WARNING, count=len(listed), accounts=listed)
