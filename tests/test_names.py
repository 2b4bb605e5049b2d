"""Names and paths: displayed as first written, compared without regard to case or composition."""

from __future__ import annotations

import pytest

from casualty_cli.errors import GrammarError
from casualty_cli.names import display_name, name_key, split_path


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Syria/Coast", ("Syria", "Coast")),
        ("/Syria/", ("Syria",)),
        ("Syria / Coast", ("Syria", "Coast")),
        ("  Gaza  City /North ", ("Gaza City", "North")),
        ("a\tb/c", ("a b", "c")),
        ("Kha\u0304n Younis/Gaza", ("Khān Younis", "Gaza")),
        ("Borvia/Region12/Town301", ("Borvia", "Region12", "Town301")),
        ("", ()),
        ("/", ()),
    ],
)
def test_split_path(text: str, parts: tuple[str, ...]) -> None:
    assert split_path(text, what="place") == parts


@pytest.mark.parametrize("text", ["Syria//Latakia", "Syria/ /Latakia"])
def test_empty_levels_are_refused(text: str) -> None:
    with pytest.raises(GrammarError) as caught:
        split_path(text, what="place")
    assert caught.value.code == "place-empty-level"


def test_keys_ignore_case_width_and_composition() -> None:
    assert name_key("Ministry of  Health") == name_key("ministry of health")
    assert name_key("Kha\u0304n") == name_key("Khān") == name_key("KHĀN")
    assert display_name("Kha\u0304n  Younis") == "Khān Younis"
