"""The pure consent rules: parties by age band, effectiveness, periods."""

from datetime import date, datetime, timedelta

from consent import rules
from consent.rules import STOCKHOLM, local_midnight

G = frozenset({1, 2})


def effective(decisions, *, born=date(2016, 5, 4), at=datetime(2026, 6, 1, 12, tzinfo=STOCKHOLM), assessment=None):
    band_list = rules.bands(born=born, asked_age=12, decides_age=15, assessment=assessment)
    return rules.is_effective_at(
        at,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        decisions=decisions,
        custodial_guardian_ids=G,
        band_list=band_list,
    )


def test_under_12_every_custodial_guardian_must_grant():
    assert effective({"g:1": "granted", "g:2": "granted"})
    assert not effective({"g:1": "granted"})
    assert not effective({"g:1": "granted", "g:2": "refused"})
    assert not effective({"g:1": "granted", "g:2": "revoked"})


def test_under_12_the_child_has_no_say():
    assert effective({"g:1": "granted", "g:2": "granted", "child": "refused"})


def test_from_12_the_child_is_asked_and_a_refusal_blocks():
    born = date(2013, 1, 1)  # 13
    assert effective({"g:1": "granted", "g:2": "granted"}, born=born)
    assert effective({"g:1": "granted", "g:2": "granted", "child": "granted"}, born=born)
    assert not effective({"g:1": "granted", "g:2": "granted", "child": "refused"}, born=born)
    assert not effective({"g:1": "granted", "g:2": "granted", "child": "revoked"}, born=born)
    assert not effective({"g:1": "granted", "child": "granted"}, born=born)


def test_from_15_the_child_decides_alone():
    born = date(2010, 1, 1)  # 16
    assert effective({"child": "granted"}, born=born)
    assert effective({"child": "granted", "g:1": "refused", "g:2": "revoked"}, born=born)
    assert not effective({"g:1": "granted", "g:2": "granted"}, born=born)


def test_guardians_grant_stops_at_the_15th_birthday_until_the_child_grants():
    born = date(2011, 8, 10)  # turns 15 on 2026-08-10
    band_list = rules.bands(born=born, asked_age=12, decides_age=15, assessment=None)
    periods = rules.effective_periods(
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        decisions={"g:1": "granted", "g:2": "granted"},
        custodial_guardian_ids=G,
        band_list=band_list,
    )
    assert periods == [(local_midnight(date(2026, 1, 1)), local_midnight(date(2026, 8, 10)))]
    both = rules.effective_periods(
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        decisions={"g:1": "granted", "g:2": "granted", "child": "granted"},
        custodial_guardian_ids=G,
        band_list=band_list,
    )
    assert both == [(local_midnight(date(2026, 1, 1)), local_midnight(date(2027, 1, 1)))]


def test_period_is_inclusive_of_the_last_day_in_stockholm_time():
    decisions = {"g:1": "granted", "g:2": "granted"}
    last_evening = datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM)
    assert effective(decisions, at=last_evening)
    assert not effective(decisions, at=last_evening + timedelta(minutes=1))
    assert not effective(decisions, at=datetime(2025, 12, 31, 23, 59, tzinfo=STOCKHOLM))


def test_no_custodial_guardian_means_nobody_can_consent():
    band_list = rules.bands(born=date(2016, 1, 1), asked_age=12, decides_age=15, assessment=None)
    assert not rules.effective_periods(
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        decisions={},
        custodial_guardian_ids=frozenset(),
        band_list=band_list,
    )


def test_maturity_assessment_replaces_the_age_bands():
    young = date(2018, 1, 1)  # 8
    assert effective({"child": "granted"}, born=young, assessment=rules.CHILD)
    assert not effective({"g:1": "granted", "g:2": "granted"}, born=young, assessment=rules.CHILD)
    assert not effective({"g:1": "granted", "g:2": "granted", "child": "refused"}, born=young, assessment=rules.JOINT)
    old = date(2009, 1, 1)  # 17, judged not mature enough to decide alone
    assert effective({"g:1": "granted", "g:2": "granted"}, born=old, assessment=rules.GUARDIANS)


def test_birthday_on_29_february():
    assert rules.birthday(date(2012, 2, 29), 15) == date(2027, 3, 1)
    assert rules.birthday(date(2012, 2, 29), 12) == date(2024, 2, 29)


def test_principal_age_settings_shift_the_bands():
    band_list = rules.bands(born=date(2013, 1, 1), asked_age=10, decides_age=13, assessment=None)
    assert rules.level_at(datetime(2026, 6, 1, tzinfo=STOCKHOLM), band_list) == rules.CHILD
    assert rules.level_at(datetime(2024, 6, 1, tzinfo=STOCKHOLM), band_list) == rules.JOINT
    assert rules.level_at(datetime(2022, 6, 1, tzinfo=STOCKHOLM), band_list) == rules.GUARDIANS
