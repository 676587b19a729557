"""Licences issued for a work."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ...licensing import Licence, LicenceSource
from ...terms import format_wei
from ...vocabulary import Use
from .common import Schema


class LicencePublic(Schema):
    licence_id: int
    content_hash: str
    use: Use
    licensee: str
    source: LicenceSource = Field(description="bought, granted (by the holder), or offer (redeemed)")
    valid_from: datetime
    valid_until: datetime | None = Field(description="null: no end")
    valid_now: bool
    payer: str
    price_wei: str
    price: str
    transaction: str
    block: int
    plain: str

    @classmethod
    def build(cls, licence: Licence, now: datetime) -> LicencePublic:
        how = {LicenceSource.BOUGHT: "bought", LicenceSource.GRANTED: "granted by the holder",
               LicenceSource.OFFER: "redeemed from the holder's offer"}[licence.source]  # fmt: skip
        until = "with no end" if licence.valid_until is None else f"until {licence.valid_until:%Y-%m-%d %H:%M} UTC"
        return cls(
            licence_id=licence.licence_id,
            content_hash=licence.content_hash,
            use=licence.use,
            licensee=licence.licensee,
            source=licence.source,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            valid_now=licence.valid_at(now),
            payer=licence.payer,
            price_wei=str(licence.price),
            price=format_wei(licence.price),
            transaction=licence.transaction,
            block=licence.block,
            plain=f"{licence.use.value} licence for {licence.licensee}, {how} for {format_wei(licence.price)}, {until}",
        )


class LicencesPublic(Schema):
    content_hash: str
    licensee: str | None = Field(description="the licensee asked about, if any")
    count: int
    valid_count: int = Field(description="how many are valid now")
    licences: list[LicencePublic] = Field(description="in the order they were issued")
