"""The fixtures folder: answers chosen by a person for images they know (SPEC section 5, step 2).

Each `*.json` file under the folder is one fixture (format: `fixtures/README.md`). Loading validates
every file and stops at the first broken one with `FixtureError(file, place, reason)`; a loaded
`FixtureSet` is immutable, so a reload builds a new one and swaps it in whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..detect.images import ImageInfo, sniff
from ..detect.meta import MODES
from ..errors import FixtureError
from .models import ANSWER_MODELS, ErrorAnswer, ModeAnswer

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# An answer is a few levels deep (answers → mode → labels → label → types_prob → entry); 32 leaves room,
# and keeps the JSON decoder and the validators (both recursive) far from Python's recursion limit.
MAX_DEPTH = 32
ALL_MODES = "*"


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str | None = Field(None, min_length=1, description="Image file, relative to the fixture file.")
    sha256: str | None = Field(None, description="SHA-256 of the image bytes, 64 hex digits.")
    name: str | None = Field(None, min_length=1, description="The image's name in meta.images.")
    filename: str | None = Field(None, min_length=1, description="Pattern for the part's filename.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Match:
        given = [key for key in ("image", "sha256", "name", "filename") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(f"needs exactly one of image, sha256, name, filename (got {len(given)})")
        if self.sha256 is not None and not SHA256_HEX.match(self.sha256.lower()):
            raise ValueError("sha256 must be 64 hexadecimal digits")
        return self


class RequestError(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: int = Field(ge=400, le=599)
    body: str = Field(min_length=1)


class FixtureFile(BaseModel):
    """One fixture file, as written."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    # Checked by hand: a union would name its members in the error's place (`source.dict[str,any]`).
    source: Any = Field(
        None, description="Where the answers were recorded: an object (e.g. repo, commit, path, url, note), a "
        "list of them, or a text."
    )
    match: Match
    answers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    request_error: RequestError | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: Any) -> Any:
        listed = value if isinstance(value, list) else [value]
        if value is not None and not all(isinstance(item, dict | str) for item in listed):
            raise ValueError("must be an object, a list of objects or a text")
        return value

    @model_validator(mode="after")
    def _something(self) -> FixtureFile:
        if not self.answers and self.request_error is None:
            raise ValueError("needs answers or request_error")
        for mode in self.answers:
            if mode != ALL_MODES and mode not in MODES:
                raise ValueError(f"unknown mode {mode!r} in answers (known: {', '.join(MODES)}, or '*')")
        return self


@dataclass(frozen=True, slots=True)
class Fixture:
    """A loaded fixture: how it matches, and its answers ready to send (without status and name)."""

    path: str
    description: str
    kind: str
    key: str
    answers: dict[str, tuple[int, dict[str, Any]]]
    request_error: tuple[int, str] | None

    def answer(self, mode: str) -> tuple[int, dict[str, Any]] | None:
        return self.answers.get(mode, self.answers.get(ALL_MODES))


def _place(loc: Iterable[int | str]) -> str:
    place = ""
    for item in loc:
        place += f"[{item}]" if isinstance(item, int) else (f".{item}" if place else str(item))
    return place


def _invalid(file: Path, exc: ValidationError, prefix: str = "") -> FixtureError:
    error = exc.errors()[0]
    place = _place([*([prefix] if prefix else []), *error["loc"]])
    return FixtureError(file, place, error["msg"].removeprefix("Value error, "))


def _coords(value: Any, loc: list[int | str]) -> Iterable[tuple[list[int | str], list[int]]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "coord" and isinstance(child, list):
                yield [*loc, key], child
            else:
                yield from _coords(child, [*loc, key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _coords(child, [*loc, index])


def _answers(file: Path, written: FixtureFile, info: ImageInfo | None) -> dict[str, tuple[int, dict[str, Any]]]:
    answers: dict[str, tuple[int, dict[str, Any]]] = {}
    for mode, entry in written.answers.items():
        model: type[ModeAnswer] = ErrorAnswer if mode == ALL_MODES else ANSWER_MODELS[mode]
        try:
            parsed = model.model_validate(entry)
        except ValidationError as exc:
            raise _invalid(file, exc, f"answers.{mode}") from None
        wire = parsed.wire()
        if info is not None:
            for loc, (left, top, right, bottom) in _coords(wire, ["answers", mode]):
                if right > info.width or bottom > info.height:
                    raise FixtureError(
                        file, _place(loc), f"box {[left, top, right, bottom]} is outside the "
                        f"{info.width}×{info.height} image {written.match.image}"
                    )
        answers[mode] = (parsed.status, wire)
    return answers


def _image_inside(file: Path, image: str, root: Path, label: str) -> Path:
    """The image a fixture names, refused unless it (after every symlink) is inside `root`.

    A fixture folder is often someone else's (a teammate's branch, a mounted volume): its fixtures must
    not read, and expose the hash of, whatever file the server can reach (`../../home/me/.ssh/id_rsa`).
    """
    path = (file.parent / image).resolve()
    if not path.is_relative_to(root.resolve()):
        raise FixtureError(label, "match.image", f"{image} is outside the fixtures folder {root}")
    return path


def _too_deep(document: Any) -> bool:
    """Whether a decoded document nests containers deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def unreadable(what: str) -> str:
    """Why a file the server's user may not read stops the server, and what to change."""
    return (
        f"cannot read {what}: permission denied to the server's user (uid {os.getuid()}); make the "
        f"fixtures readable to it (e.g. chmod -R a+rX on the folder)"
    )


def load_fixture(file: Path, label: str, *, root: Path | None = None) -> Fixture:
    """Read and check one fixture file; `label` is how errors name it.

    `match.image` must be inside `root` (the fixtures folder; by default the fixture's own folder).
    """
    try:
        text = file.read_text(encoding="utf-8")
    except PermissionError:
        raise FixtureError(label, "", unreadable("the file")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(label, "", f"cannot read: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(label, f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise FixtureError(label, "", f"nested deeper than {MAX_DEPTH} levels") from None
    if _too_deep(document):
        raise FixtureError(label, "", f"nested deeper than {MAX_DEPTH} levels")
    try:
        written = FixtureFile.model_validate(document)
    except ValidationError as exc:
        raise _invalid(Path(label), exc) from None
    match, info = written.match, None
    if match.image is not None:
        image_path = _image_inside(file, match.image, file.parent if root is None else root, label)
        try:
            data = image_path.read_bytes()
        except PermissionError:
            raise FixtureError(label, "match.image", unreadable(match.image)) from None
        except OSError as exc:
            raise FixtureError(label, "match.image", f"cannot read {match.image}: {exc.strerror}") from None
        info = sniff(data)
        if info is None:
            raise FixtureError(label, "match.image", f"{match.image} is not a JPEG, PNG or TIFF image")
        kind, key = "sha256", hashlib.sha256(data).hexdigest()
    elif match.sha256 is not None:
        kind, key = "sha256", match.sha256.lower()
    elif match.name is not None:
        kind, key = "name", match.name
    else:
        assert match.filename is not None
        kind, key = "filename", match.filename
    error = written.request_error
    return Fixture(
        path=label,
        description=written.description,
        kind=kind,
        key=key,
        answers=_answers(Path(label), written, info),
        request_error=(error.status, error.body) if error else None,
    )


@dataclass(frozen=True)
class FixtureSet:
    """Every fixture of a folder, indexed for matching: content, then meta name, then filename."""

    fixtures: tuple[Fixture, ...] = ()
    folder: str | None = None
    by_sha256: dict[str, Fixture] = field(default_factory=dict)
    by_name: dict[str, Fixture] = field(default_factory=dict)
    by_filename: tuple[Fixture, ...] = ()

    @classmethod
    def of(cls, fixtures: Iterable[Fixture], folder: str | None = None) -> FixtureSet:
        fixtures = tuple(fixtures)
        by_sha256: dict[str, Fixture] = {}
        by_name: dict[str, Fixture] = {}
        for fixture in fixtures:
            index = by_sha256 if fixture.kind == "sha256" else by_name if fixture.kind == "name" else None
            if index is not None:
                index.setdefault(fixture.key, fixture)
        by_filename = tuple(fixture for fixture in fixtures if fixture.kind == "filename")
        return cls(fixtures, folder, by_sha256, by_name, by_filename)

    @classmethod
    def load(cls, folder: Path | None) -> FixtureSet:
        """Every `*.json` under `folder`, sorted by path; no folder means no fixtures."""
        if folder is None:
            return cls()
        if not folder.is_dir():
            raise FixtureError(folder, "", "fixtures folder does not exist")
        if not os.access(folder, os.R_OK | os.X_OK):
            raise FixtureError(folder, "", unreadable("the fixtures folder"))
        files = sorted(folder.rglob("*.json"))
        return cls.of((load_fixture(file, str(file), root=folder) for file in files), str(folder))

    def __len__(self) -> int:
        return len(self.fixtures)

    def find(self, sha256: str | None, name: str, filename: str | None) -> Fixture | None:
        """The fixture that answers an image, if any."""
        if sha256 is not None and (found := self.by_sha256.get(sha256)) is not None:
            return found
        if (found := self.by_name.get(name)) is not None:
            return found
        if filename is not None:
            for fixture in self.by_filename:
                if fnmatchcase(filename, fixture.key):
                    return fixture
        return None


class FixtureStore:
    """The fixture set in use, swapped whole on reload so a request never sees half a folder."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.current = FixtureSet.load(folder)
        self.last_error: str | None = None
        self._signature = self.signature()

    def signature(self) -> tuple[tuple[str, int, int], ...]:
        """Every file under the folder with its change time and size: what a reload depends on."""
        if self.folder is None or not self.folder.is_dir():
            return ()
        stats = []
        for path in sorted(self.folder.rglob("*")):
            try:
                stat = path.stat()
            except OSError:
                continue
            stats.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(stats)

    def reload(self) -> FixtureSet:
        """Load the folder again; a broken fixture raises FixtureError and keeps the old set."""
        self._signature = self.signature()
        try:
            self.current = FixtureSet.load(self.folder)
        except FixtureError as exc:
            self.last_error = str(exc)
            raise
        self.last_error = None
        return self.current

    def reload_if_changed(self) -> bool:
        """Reload when a file under the folder changed since the last load; True if it did."""
        if self.signature() == self._signature:
            return False
        self.reload()
        return True
