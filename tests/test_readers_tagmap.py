"""The phrase rule of the tag map (readers/tagmap.py): a longer tag gets a meaning from a
known phrase it contains only when that phrase means the doing there; negations, watching
and posture words give no meaning."""

from __future__ import annotations

import pytest

from backcare_analysis.readers.tagmap import DEFAULT_TAG_KINDS, kinds_of, tag_kinds


@pytest.mark.parametrize(
    "tag",
    [
        "[94] sitting in the sun",  # kije's Daylio activity: sitting outside, not a desk day
        "sitting meditation",
        "sitting with friends",
        "run errands",
        "flight of stairs",
        "post office",
        "no exercise",
        "didn't walk",
        "skipped gym",
        "missed yoga",
        "kein Sport",
        "sin ejercicio",
        "watching football",
        "watched tennis on tv",
        "breathing exercise",
    ],
)
def test_phrases_that_do_not_mean_the_doing(tag: str) -> None:
    assert kinds_of(tag, DEFAULT_TAG_KINDS) == ()


@pytest.mark.parametrize(
    ("tag", "kinds"),
    [
        ("take the dog for a walk", ("walking",)),
        ("[253] take a walk", ("walking",)),
        ("long drive home", ("sitting",)),
        ("all day desk work", ("sitting",)),
        ("gaming night", ("sitting",)),
        ("evening yoga", ("stretching",)),
        ("morning jog", ("exercise",)),  # `run` alone is too often `run errands`
        ("bike commute to work", ("exercise",)),  # the bike, not the commute (by car?)
        ("gym session", ("exercise",)),
        ("Spaziergang im Park", ("walking",)),
    ],
)
def test_phrases_that_mean_the_doing(tag: str, kinds: tuple[str, ...]) -> None:
    assert kinds_of(tag, DEFAULT_TAG_KINDS) == kinds


@pytest.mark.parametrize(
    ("tag", "kinds"),
    [
        ("sitting", ("sitting",)),
        ("Sedentary", ("activity_level", "sitting")),
        ("run", ("exercise",)),
    ],
)
def test_a_whole_known_name_keeps_its_meaning(tag: str, kinds: tuple[str, ...]) -> None:
    assert kinds_of(tag, DEFAULT_TAG_KINDS) == kinds


def test_a_users_mapping_wins_over_the_phrase_rule() -> None:
    kinds = tag_kinds({"sitting in the sun": "sitting"})
    assert kinds_of("[94] sitting in the sun", kinds) == ("sitting",)
