"""The vendor's wire shapes as pydantic models (SPEC sections 1, 3 and 4).

They validate what people write (fixtures), describe the API (`/openapi.json`), and let tests check
what the server sends. The hot path never builds them: answers are plain dicts shaped like these.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, model_validator
from pydantic.config import JsonDict


def _as_written(value: float) -> float:
    # `1` stays `1`: the vendor's Go encoder prints a whole float64 without `.0`, and so do fixtures.
    return int(value) if value.is_integer() else value


Prob = Annotated[float, Field(ge=0, le=1, description="Confidence, 0..1."), AfterValidator(_as_written)]


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be null: leave the field out instead")
    return value


def _box(coord: list[int]) -> list[int]:
    left, top, right, bottom = coord
    if min(coord) < 0:
        raise ValueError("coordinates must not be negative")
    if not (left < right and top < bottom):
        raise ValueError("must be [left, top, right, bottom] with left < right and top < bottom")
    return coord


Coord = Annotated[
    list[StrictInt],
    Field(min_length=4, max_length=4, description="Box [left, top, right, bottom] in pixels."),
    AfterValidator(_box),
]


# Fields the server leaves out instead of sending: `labels` when nothing was found, and every field whose
# default is None (types_prob of older answers, count_by_density and error where they do not apply).
LEFT_OUT_WHEN_EMPTY = ("labels",)


def _as_sent(schema: JsonDict) -> None:
    """Describe the fields as the server sends them: always there unless it leaves them out, never `null`."""
    properties = schema.get("properties")
    required = schema.get("required")
    optional: set[str] = set(LEFT_OUT_WHEN_EMPTY)
    for name, field in properties.items() if isinstance(properties, dict) else ():
        if not isinstance(field, dict):
            continue
        options = field.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [option for option in options if option != {"type": "null"}]
            del field["anyOf"]
            if len(rest) == 1 and isinstance(rest[0], dict):
                field.update({key: value for key, value in rest[0].items() if key not in field})
            else:
                field["anyOf"] = rest
        if "default" in field and field["default"] is None:
            del field["default"]
            optional.add(name)
    if isinstance(required, list):
        kept = [name for name in required if name not in optional]
        if kept:
            schema["required"] = kept
        else:
            del schema["required"]


class _Strict(BaseModel):
    # strict: a fixture's `"prob": "0.5"` or `"is_selfie": "yes"` is a typo to report, not a value to convert.
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_serialization_defaults_required=True, json_schema_extra=_as_sent
    )


class _Categorised(_Strict):
    eng: str = Field(min_length=1, description="Label in English.")
    rus: str = Field(min_length=1, description="Label in Russian.")
    eng_categories: list[str] = Field(default_factory=list, description="Categories in English.")
    rus_categories: list[str] = Field(default_factory=list, description="The same categories in Russian.")
    prob: Prob

    @model_validator(mode="after")
    def _paired(self) -> _Categorised:
        if len(self.eng_categories) != len(self.rus_categories):
            raise ValueError("eng_categories and rus_categories must come in pairs (same length)")
        return self


class ObjectLabel(_Categorised):
    """A label of modes object, object2 and multiobject."""

    coord: Coord


class SceneLabel(_Categorised):
    """A label of mode scene: no box."""


class PedestrianLabel(_Strict):
    """A label of mode pedestrian (the real service prints `Pedestrian` / `Человек`)."""

    eng: str = Field("Pedestrian", min_length=1)
    rus: str = Field("Человек", min_length=1)
    prob: Prob
    coord: Coord


class PlateType(_Strict):
    """How much a plate looks like each kind: every real answer prints `ru` (the vendor's docs say `rus`)."""

    type: Literal["ru", "rus", "cis", "eu"] = Field(description="`ru` as the service sends it; `rus` as documented.")
    prob: Prob


class CarNumberLabel(_Strict):
    """A label of mode car_number: the plate as read in Latin letters (eng) and, for a Russian plate, in
    Cyrillic (rus); a foreign plate has `rus` "" (real answers: `MA77K0S`, `K777`). Older answers carry no
    `types_prob`: then neither does this."""

    eng: str = Field(min_length=1, examples=["C606KY777", "MA77K0S"])
    rus: str = Field(examples=["С606КУ777", ""], description="The plate in Cyrillic; \"\" for a foreign plate.")
    prob: Prob
    coord: Coord
    # Absent, not null: None only stands for "left out", and a left-out types_prob is not sent.
    types_prob: Annotated[list[PlateType] | None, BeforeValidator(_not_null)] = Field(
        None, description="Probabilities of ru, cis and eu plates (independent); absent in older answers."
    )


class ModeAnswer(_Strict):
    """One image's answer in one mode: found (status 0) or a per-image error (1 permanent, 2 temporary)."""

    status: Literal[0, 1, 2] = 0
    error: str | None = Field(None, description="Why the image failed (status 1 or 2 only).")

    @model_validator(mode="after")
    def _error_or_result(self) -> ModeAnswer:
        if self.status == 0:
            if self.error is not None:
                raise ValueError("error is only allowed with status 1 or 2")
            return self
        if not self.error:
            raise ValueError(f"status {self.status} needs an error text")
        extra = [name for name in self.result_fields() if name in self.model_fields_set]
        if extra:
            raise ValueError(f"an error answer carries no {', '.join(extra)}")
        return self

    @classmethod
    def result_fields(cls) -> list[str]:
        return [name for name in cls.model_fields if name not in ("status", "error")]

    def wire(self) -> dict[str, Any]:
        """The answer as sent, without status and name: empty labels are left out, as the vendor does."""
        if self.status:
            return {"error": self.error}
        return self._found()

    def _found(self) -> dict[str, Any]:
        labels = getattr(self, "labels", [])
        # exclude_none: a plate written without `types_prob` is sent without one, as older answers were.
        return {"labels": [label.model_dump(exclude_none=True) for label in labels]} if labels else {}


class ObjectAnswer(ModeAnswer):
    labels: list[ObjectLabel] = Field(default_factory=list)


class SceneAnswer(ModeAnswer):
    labels: list[SceneLabel] = Field(default_factory=list)


class CarNumberAnswer(ModeAnswer):
    labels: list[CarNumberLabel] = Field(default_factory=list)


class PedestrianAnswer(ModeAnswer):
    labels: list[PedestrianLabel] = Field(default_factory=list)
    count_by_density: int | None = Field(None, ge=0, description="People counted by density; default: labels.")

    def _found(self) -> dict[str, Any]:
        count = len(self.labels) if self.count_by_density is None else self.count_by_density
        return {**super()._found(), "count_by_density": count}


class SelfieAnswer(ModeAnswer):
    prob: Prob | None = None
    is_selfie: bool | None = None

    @model_validator(mode="after")
    def _both(self) -> SelfieAnswer:
        if self.status == 0 and (self.prob is None or self.is_selfie is None):
            raise ValueError("a selfie answer needs prob and is_selfie")
        return self

    def _found(self) -> dict[str, Any]:
        return {"prob": self.prob, "is_selfie": self.is_selfie}


class ErrorAnswer(ModeAnswer):
    """A per-image error for every mode (the `"*"` entry of a fixture)."""

    status: Literal[1, 2]
    error: str = Field(min_length=1)


ANSWER_MODELS: dict[str, type[ModeAnswer]] = {
    "object": ObjectAnswer,
    "object2": ObjectAnswer,
    "multiobject": ObjectAnswer,
    "scene": SceneAnswer,
    "car_number": CarNumberAnswer,
    "pedestrian": PedestrianAnswer,
    "selfie": SelfieAnswer,
}


class _Named(BaseModel):
    name: str = Field(description="The image's name from meta.images.")


class ObjectResult(ObjectAnswer, _Named):
    pass


class SceneResult(SceneAnswer, _Named):
    pass


class CarNumberResult(CarNumberAnswer, _Named):
    pass


class PedestrianResult(PedestrianAnswer, _Named):
    pass


class SelfieResult(SelfieAnswer, _Named):
    pass


class DetectBody(_Strict):
    """One key per requested mode, in the vendor's fixed order (not the request's); each list has one entry
    per image of meta.images, in the order the image parts came in the body.

    `object2` answers under `object_labels`, as independent clients expect (the vendor's OpenAPI lists no
    `object2_labels`); when both `object` and `object2` are asked, `object_labels` holds every image's
    `object` entry, then every image's `object2` entry (unverified). With the setting
    `object2_key=object2_labels`, `object2` answers under its own key instead.
    """

    object_labels: list[ObjectResult] | None = None
    object2_labels: list[ObjectResult] | None = Field(None, description="Only with object2_key=object2_labels.")
    multiobject_labels: list[ObjectResult] | None = None
    scene_labels: list[SceneResult] | None = None
    car_number_labels: list[CarNumberResult] | None = None
    pedestrian_labels: list[PedestrianResult] | None = None
    selfie_labels: list[SelfieResult] | None = None


class SuccessEnvelope(_Strict):
    """The envelope of a processed request."""

    status: Literal[200] = 200
    body: DetectBody
    htmlencoded: Literal[False] = False
    last_modified: Literal[0] = 0


class ErrorEnvelope(_Strict):
    """The envelope of a refused or failed request: body is a short plain-English text."""

    status: int = Field(examples=[400, 403, 500])
    body: str = Field(examples=["empty oauth_provider"])
    htmlencoded: Literal[False] = False
    last_modified: Literal[0] = 0
