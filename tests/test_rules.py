"""The rules: answers drawn from the image digest alone, pinned so they never drift between versions."""

from __future__ import annotations

import hashlib
import json

import pytest

from mockserver.answers import rules
from mockserver.answers.plan import PLATED, THEMES
from mockserver.answers.vocabulary import OBJECTS
from mockserver.detect.images import ImageInfo
from mockserver.detect.meta import MODES

# Changing these on purpose (a new vocabulary entry, a new rule) changes what every user's tests see:
# say so in the changelog.
DRAW_SEED_FIRST = [0.1023075432489026, 0.6253519299062842, 0.2570596989955797]
GOLDEN_50_IMAGES = "8752963dd23a8306a5755878d15062f615c5b5d792d7f78c42d679502425041c"


def digest(index: int) -> str:
    return hashlib.sha256(str(index).encode()).hexdigest()


def test_rules_draw_pinned() -> None:
    draw = rules.Draw("seed")
    assert [draw.unit() for _ in range(3)] == DRAW_SEED_FIRST


def test_rules_answers_pinned() -> None:
    info = ImageInfo("jpeg", 640, 480)
    document = {mode: [rules.answer(digest(index), info, mode) for index in range(50)] for mode in MODES}
    encoded = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    assert hashlib.sha256(encoded).hexdigest() == GOLDEN_50_IMAGES


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.00004), (0.0, 0.35), (0.85, 0.9999)])
def test_rules_draw_prob_never_prints_zero(low: float, high: float) -> None:
    # A confidence rounded to 0.0 would print `0.0`, not the vendor's shortest form, and no real label has 0.
    draw = rules.Draw("prob", str(low), str(high))
    for _ in range(200):
        prob = draw.prob(low, high)
        assert 0 < prob <= max(high, 0.0001)
        assert json.dumps(prob) == format(prob, ".4f").rstrip("0")


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000])
def test_rules_draw_below_in_range(n: int) -> None:
    draw = rules.Draw("range", str(n))
    values = {draw.below(n) for _ in range(2000)}
    assert values <= set(range(n)) and len(values) == min(n, len(values))


def test_rules_plan_depends_on_digest_only() -> None:
    assert rules.plan(digest(1), 100, 100) == rules.plan(digest(1), 100, 100)
    plans = {rules.plan(digest(index), 100, 100).theme for index in range(1000)}
    assert plans == set(THEMES)


def test_rules_people_get_faces_inside_them() -> None:
    nested = 0
    for index in range(300):
        found = rules.plan(digest(index), 800, 600)
        people = [item.box for item in found.instances if item.kind.eng == "Person"]
        for item in found.instances:
            if item.kind.group == "face":
                left, top, right, bottom = item.box
                nested += any(p[0] <= left and p[1] <= top and right <= p[2] and bottom <= p[3] for p in people)
    assert nested >= 10


def test_rules_unknown_mode_rejected() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        rules.answer(digest(0), ImageInfo("png", 10, 10), "faces")


def test_rules_object2_has_a_class_order_of_its_own() -> None:
    old, new = rules.class_order("object"), rules.class_order("object2")
    assert set(old) == set(new) and list(old) != list(new)
    assert list(old) == [kind.eng for kind in OBJECTS]


def test_rules_plated_vehicles_known_to_old_model() -> None:
    # A plate implies a vehicle that every object mode reports, the old model's `object` included.
    assert all(kind.in_v1 for kind in OBJECTS if kind.eng in dict(PLATED))
