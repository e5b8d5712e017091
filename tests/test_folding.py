"""One accent and case folding (``values.fold_letters``) under every comparison of text."""

from __future__ import annotations

import pytest

from connector_rollup.intake.history import employer_key
from connector_rollup.rollup.identity import fold_name, fold_organization
from connector_rollup.values import fold, fold_letters


@pytest.mark.parametrize(
    "text, lower, casefolded",
    [
        ("Connectee ID", "connectee id", "connectee id"),
        ("Émilie CÔTÉ", "emilie cote", "emilie cote"),
        ("Straße", "straße", "strasse"),  # casefold, as names have always been compared
        ("ﬁnance", "finance", "finance"),  # compatibility forms split (NFKD)
        ("", "", ""),
    ],
)
def test_fold_letters(text, lower, casefolded):
    assert fold_letters(text) == lower
    assert fold_letters(text, casefold=True) == casefolded


def test_each_folder_adds_its_own_steps_to_the_one_folding():
    assert fold("Date de présentation *") == "date_de_presentation"
    assert employer_key("  Les Déménagements  Côté ") == "lesdemenagementscote"
    assert fold_name("  O'Brien-CÔTÉ  Ørsted ") == "obriencote orsted"
    assert fold_organization("The Société Générale Inc.") == "societe generale"
