"""v2 batch paths in tiers: which paths a poll asks, what it is counted at, what is stored.

Pure `VehicleProfile` tests (no Home Assistant): the times are hand-picked around 20 October
2026, 08:00 UTC, and every expectation below is worked out from the tiers in
docs/benchmarks.md ("Tiers on the v2 batch path"), not from the code.
"""

from datetime import UTC, datetime, timedelta

from custom_components.smartcar.const import ReadPath
from custom_components.smartcar.profile import ProfileChange, VehicleProfile

NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EV_SCOPES = frozenset(
    {
        "read_battery",
        "read_charge",
        "read_odometer",
        "read_location",
        "read_security",
        "read_tires",
    }
)
# What the default entities of an EV listen for (its /fuel answered 501 long ago).
NEEDED = frozenset({"/battery", "/charge", "/odometer", "/location", "/security"})
EV_PATHS = (
    "/battery",
    "/battery/capacity",
    "/charge",
    "/charge/limit",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
)


def ev_read_at(at: datetime) -> VehicleProfile:
    """An EV whose every path answered in one read at `at`, for the default entities."""
    return ProfileChange(answered=frozenset(EV_PATHS), followed=NEEDED).applied_to(
        VehicleProfile(permissions=EV_SCOPES), at
    )


def test_energy_is_asked_every_poll_and_slower_tiers_once_their_interval_passed() -> (
    None
):
    profile = ev_read_at(NOW)

    assert profile.batch_paths(NEEDED, NOW + HOUR) == ("/battery", "/charge")
    assert profile.batch_paths(NEEDED, NOW + 12 * HOUR - timedelta(seconds=1)) == (
        "/battery",
        "/charge",
    )
    # Where the car is and whether it is locked: twice a day.
    assert profile.batch_paths(NEEDED, NOW + 12 * HOUR) == (
        "/battery",
        "/charge",
        "/location",
        "/security",
    )
    # The odometer: once a day.
    assert profile.batch_paths(NEEDED, NOW + 24 * HOUR) == (
        "/battery",
        "/charge",
        "/odometer",
        "/location",
        "/security",
    )


def test_a_path_no_entity_needs_is_not_asked_once_it_answered() -> None:
    profile = ev_read_at(NOW)

    # /tires/pressure answered at NOW and nobody listens: a week later it is still not asked.
    assert "/tires/pressure" not in profile.batch_paths(NEEDED, NOW + 7 * 24 * HOUR)


def test_a_path_never_answered_is_asked_at_once() -> None:
    profile = ProfileChange(
        answered=frozenset({"/battery"}), followed=NEEDED
    ).applied_to(VehicleProfile(permissions=EV_SCOPES), NOW)

    # Every other path, and /battery, which is asked at every poll.
    assert profile.batch_paths(NEEDED, NOW + HOUR) == (
        "/battery",
        "/battery/capacity",
        "/charge",
        "/charge/limit",
        "/odometer",
        "/location",
        "/security",
        "/tires/pressure",
    )


def test_a_path_that_failed_is_asked_until_it_answers() -> None:
    profile = ev_read_at(NOW)
    # The odometer was due at the next day's read, which answered everything else.
    later = NOW + 24 * HOUR
    answered = frozenset({"/battery", "/charge", "/location", "/security"})
    profile = ProfileChange(answered=answered, followed=NEEDED).applied_to(
        profile, later
    )

    assert "/odometer" in profile.batch_paths(NEEDED, later + HOUR)
    assert "/location" not in profile.batch_paths(NEEDED, later + HOUR)


def test_a_path_whose_entity_was_just_enabled_is_read_at_the_next_poll() -> None:
    profile = ev_read_at(NOW)
    enabled = NEEDED | {"/tires/pressure"}

    assert "/tires/pressure" in profile.batch_paths(enabled, NOW + HOUR)
    # Once read for it, the tyres are on their tier again.
    profile = ProfileChange(
        answered=frozenset({"/battery", "/charge", "/tires/pressure"}), followed=enabled
    ).applied_to(profile, NOW + HOUR)
    assert profile.batch_paths(enabled, NOW + 2 * HOUR) == ("/battery", "/charge")


def test_a_hybrid_asks_fuel_on_the_middle_tier_a_petrol_car_every_poll() -> None:
    hybrid_needed = frozenset({"/battery", "/charge", "/fuel"})
    scopes = frozenset({"read_battery", "read_charge", "read_fuel"})
    answered = frozenset(
        {"/battery", "/battery/capacity", "/charge", "/charge/limit", "/fuel"}
    )
    hybrid = ProfileChange(answered=answered, followed=hybrid_needed).applied_to(
        VehicleProfile(permissions=scopes), NOW
    )
    # A petrol car: /battery, /charge and their sub-paths answered 501.
    petrol = ProfileChange(
        unsupported=answered - {"/fuel"},
        answered=frozenset({"/fuel"}),
        followed=hybrid_needed,
    ).applied_to(VehicleProfile(permissions=scopes), NOW)

    assert hybrid.batch_paths(hybrid_needed, NOW + HOUR) == ("/battery", "/charge")
    assert hybrid.batch_paths(hybrid_needed, NOW + 12 * HOUR) == (
        "/battery",
        "/charge",
        "/fuel",
    )
    assert petrol.batch_paths(hybrid_needed, NOW + HOUR) == ("/fuel",)


def test_a_profile_stored_before_the_times_were_kept_asks_every_needed_path() -> None:
    stored = {
        "permissions": sorted(EV_SCOPES),
        "attributes": None,
        "unsupported": ["/fuel"],
        "denied": [],
        "answered": list(EV_PATHS),
        "signals_failed_at": None,
        "signals_failure": None,
        "grant": None,
    }

    profile = VehicleProfile.from_json(stored)

    assert profile.batch_paths(NEEDED, NOW) == (
        "/battery",
        "/charge",
        "/odometer",
        "/location",
        "/security",
    )


def test_the_times_and_the_followed_paths_survive_the_store_and_a_new_grant() -> None:
    profile = ev_read_at(NOW)

    restored = VehicleProfile.from_json(profile.to_json())

    assert restored == profile
    assert restored.to_json()["answered_at"]["/odometer"] == "2026-10-20T08:00:00+00:00"
    assert restored.followed == NEEDED
    regranted = profile.regranted("2026-10-21T00:00:00+00:00")
    assert regranted.batch_paths(NEEDED, NOW + HOUR) == ()  # no permissions yet
    assert regranted.answered_at == profile.answered_at
    assert regranted.followed == NEEDED


def test_a_read_that_is_not_a_batch_keeps_the_followed_paths() -> None:
    profile = ev_read_at(NOW)

    after = ProfileChange(signals_worked=True).applied_to(profile, NOW + HOUR)

    assert after.followed == NEEDED
    assert after.answered_at == profile.answered_at


def test_the_cost_is_the_paced_one_or_what_the_poll_really_asks_if_more() -> None:
    profile = ev_read_at(NOW)

    # /battery and /charge, and the slower tiers' 2 + 2 + 1 = 5 reads a day counted as
    # ceil(5 / 5) = 1 path a poll.
    assert profile.poll_cost(ReadPath.BATCH, NEEDED, NOW + HOUR) == 3
    # At a poll that asks all five, the hard cap counts all five.
    assert profile.poll_cost(ReadPath.BATCH, NEEDED, NOW + 24 * HOUR) == 5
    # The tyres on their daily tier too: 6 reads a day, ceil(6 / 5) = 2.
    tyres = NEEDED | {"/tires/pressure"}
    followed = ProfileChange(answered=frozenset(), followed=tyres).applied_to(
        profile, NOW
    )
    assert followed.poll_cost(ReadPath.BATCH, tyres, NOW + HOUR) == 4
    assert profile.poll_cost(ReadPath.SIGNALS, NEEDED, NOW + HOUR) == 1
    assert VehicleProfile().poll_cost(ReadPath.BATCH, NEEDED, NOW) == 1
