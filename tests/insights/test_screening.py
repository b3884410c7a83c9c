"""The personal-data warning on gap descriptions (a heuristic that asks, never blocks)."""

import pytest

from insights.screening import screen


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Barnet 20140312-2387 väntade.", "personal_number"),
        ("Barnet 140312-2387 väntade.", "personal_number"),
        ("Barnet 201403122387 väntade.", "personal_number"),
        ("Samordningsnummer 20140372-2387.", "personal_number"),
        ("Anna Svensson fick inget svar.", "name"),
        ("Vi pratade med Familjen Karlsson om kön.", "name"),
        ("Mamma Lena Andersson orkade inte.", "name"),
        ("Skriv till lena@example.se.", "email"),
        ("Ring 070-123 45 67 på kvällen.", "phone"),
    ],
)
def test_personal_data_is_found(text, kind):
    assert kind in {f.kind for f in screen(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Väntetiden till BUP var över ett år.",
        "Habiliteringen Sörmland och Region Sörmland hade olika regler.",
        "Försäkringskassan krävde ett nytt läkarintyg för omvårdnadsbidrag.",
        "Kön var lång mellan 2025-03-12 och 2025-06-01, tre månader.",
        "Det saknas korttidsboende. Många familjer väntar.",
        "Första linjen tog inte emot remissen.",
    ],
)
def test_text_about_the_support_system_passes(text):
    assert screen(text) == []


def test_known_organisation_words_are_not_names():
    assert screen("Solrosens Korttidshem stängde.") != []
    assert screen("Solrosens Korttidshem stängde.", extra_not_names=["Solrosens", "Korttidshem"]) == []
