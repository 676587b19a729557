"""A work's AI-disclosure label."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ...disclosure import Disclosure, DisclosureLevel, Phase
from .common import Schema

NO_LABEL_TEXT = "the holder has not said whether or how AI was involved in making this work"


class LabelPublic(Schema):
    content_hash: str
    disclosed: bool = Field(description="false: the holder has set no AI-disclosure label")
    level: DisclosureLevel | None = Field(description="how AI was involved, least to most")
    phases: list[Phase] = Field(description="the phases in which AI was used")
    tools: str = Field(description="the AI tools named by the holder")
    text: str | None = Field(description="the compact text form, e.g. ai-assisted-production/drafting;tools=GPT-4o")
    digital_source_type: str | None = Field(
        description="IPTC digital source type URI (or this project's extension term)"
    )
    iptc_fallback: str | None = Field(
        description="an IPTC code for consumers that need one, where the type is an extension"
    )
    plain: str = Field(description="the label in plain words")
    set_at: datetime | None
    set_by: str | None

    @classmethod
    def build(cls, content_hash: str, label: Disclosure | None) -> LabelPublic:
        if label is None:
            return cls(
                content_hash=content_hash, disclosed=False, level=None, phases=[], tools="", text=None,
                digital_source_type=None, iptc_fallback=None, plain=NO_LABEL_TEXT, set_at=None, set_by=None,
            )  # fmt: skip
        data = label.to_json_dict()
        return cls(
            content_hash=content_hash,
            disclosed=True,
            level=label.level,
            phases=[p for p in Phase if p in label.phases],
            tools=label.tools,
            text=label.to_text(),
            digital_source_type=label.iptc_digital_source_type,
            iptc_fallback=str(data["iptcFallback"]) if "iptcFallback" in data else None,
            plain=label.describe()[0].upper() + label.describe()[1:],
            set_at=label.set_at,
            set_by=label.set_by,
        )
