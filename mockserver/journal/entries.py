"""The journal's entries as the admin API shows them (`GET /__admin/requests`, `MockControl.requests`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PartRecord(BaseModel):
    """One part of a journalled request: what it was, never its bytes."""

    name: str
    filename: str | None
    content_type: str | None
    size: int
    sha256: str | None = Field(description="None for a part over max_image_bytes (hashing stopped).")
    complete: bool = Field(description="False for a part the body ended (or was refused) in the middle of.")


class AppliedFault(BaseModel):
    id: str
    type: str
    name: str


class ImageFailure(BaseModel):
    """One entry of a 200 answer whose image failed (status 1 or 2), by mode."""

    mode: str
    image: str
    status: int
    error: str | None


class JournalEntry(BaseModel):
    """One journalled request (the admin API's shape, and what `MockControl.requests` returns)."""

    id: int
    time: str
    session: str | None
    query: dict[str, str]
    meta: Any = Field(description="The parsed meta document, or None when it was missing or not JSON.")
    meta_unparsed: str | None = Field(description="The start of a meta that was not JSON.")
    parts: list[PartRecord] = Field(description="The parts in order (the first 256).")
    parts_total: int = Field(description="How many parts the body had.")
    status: int | None = Field(description="The envelope status; None when no envelope was sent.")
    body: str | None = Field(description="The envelope's error text, for refused or failed requests.")
    http_status: int | None = Field(description="None when no HTTP answer was sent (a transport fault).")
    faults: list[AppliedFault]
    duration_ms: float
    answer: str | None = Field(
        None, description="The answer's body as sent (its first --journal-answer-bytes); None when none was sent."
    )
    answer_size: int = Field(0, description="The whole answer's size in bytes.")
    answer_cut: bool = Field(False, description="True when `answer` is only the start of a larger answer.")
    image_failures: list[ImageFailure] = Field(
        default_factory=list, description="The failed image entries of a 200 answer (the first 256), by mode."
    )
    image_failures_total: int = Field(0, description="How many image entries of the answer failed, across modes.")


class RequestList(BaseModel):
    requests: list[JournalEntry]
