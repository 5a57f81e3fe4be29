"""scripts/bench.py keeps running and keeps its promises (short horizons, no timing asserted)."""

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

import pytest
import pytest_socket

BENCH_PATH = Path(__file__).parent.parent / "scripts" / "bench.py"
STRATEGIES = ("per_endpoint", "batch", "signals")
CAR_FIELDS = {
    "label",
    "polls",
    "active_polls",
    "failed_polls",
    "billed",
    "requests",
    "billed_by_path",
    "billed_per_poll",
    "mean_interval_minutes",
    "min_interval_minutes",
    "counted_by_integration",
    "billed_per_month",
    "polls_per_month",
    "fits_limit",
}


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("smartcar_bench", BENCH_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """The benchmark needs no Home Assistant instance: skip the repository-wide hass fixture."""


def _run[T](main: Coroutine[Any, Any, T]) -> T:
    """Run a benchmark on its own loop; asyncio debug mode would make it several times slower."""
    return asyncio.run(main, debug=False)


@contextmanager
def _loopback() -> Iterator[None]:
    """The simulator is served on 127.0.0.1; nothing else may be reached."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    try:
        yield
    finally:
        pytest_socket.disable_socket(allow_unix_socket=True)


@pytest.fixture(autouse=True)
def loopback_sockets() -> Iterator[None]:
    with _loopback():
        yield


@pytest.fixture(scope="module")
def one_day() -> dict[str, Any]:
    """One simulated day of every strategy and a short CPU run, shared by the tests that read it."""
    with _loopback():
        return _run(bench.run_benchmark(1, cpu_iterations=10))


def test_one_day_reports_every_strategy_per_car(one_day: dict[str, Any]) -> None:
    assert set(one_day["strategies"]) == set(STRATEGIES)
    assert one_day["settings"]["days"] == 1
    assert one_day["settings"]["monthly_limit"] == 500
    for strategy in one_day["strategies"].values():
        assert set(strategy["cars"]) == set(bench.FLEET)
        for car in strategy["cars"].values():
            assert set(car) == CAR_FIELDS
            assert car["failed_polls"] == 0
            assert car["billed"] > 0
        assert set(strategy["ratio_to"]) == {"per_endpoint", "batch"}


def test_baselines_poll_every_half_hour_and_pay_per_path(
    one_day: dict[str, Any],
) -> None:
    for key in ("per_endpoint", "batch"):
        for car in one_day["strategies"][key]["cars"].values():
            assert car["polls"] == 48
            assert car["mean_interval_minutes"] == 30.0
            # One billed request per endpoint the car supports (501s are not billed).
            assert car["billed"] == 48 * len(car["billed_by_path"])
            assert car["billed_per_poll"] > 1
    per_endpoint = one_day["strategies"]["per_endpoint"]["cars"]
    batch = one_day["strategies"]["batch"]["cars"]
    assert {vid: car["billed"] for vid, car in per_endpoint.items()} == {
        vid: car["billed"] for vid, car in batch.items()
    }


def test_ours_bills_far_less_than_both_baselines(one_day: dict[str, Any]) -> None:
    ours = one_day["strategies"]["signals"]
    for baseline in ("per_endpoint", "batch"):
        assert (
            ours["fleet_billed_per_month"]
            < one_day["strategies"][baseline]["fleet_billed_per_month"]
        )
        assert 0 < ours["ratio_to"][baseline] < 1
        for vehicle_id, car in ours["cars"].items():
            assert (
                car["billed"]
                < one_day["strategies"][baseline]["cars"][vehicle_id]["billed"]
            )


def test_ours_polls_faster_while_charging(one_day: dict[str, Any]) -> None:
    cars = one_day["strategies"]["signals"]["cars"]
    assert cars[bench.TESLA_ID]["active_polls"] > 0
    assert cars[bench.TOYOTA_ID]["active_polls"] == 0
    assert cars[bench.TESLA_ID]["polls"] > cars[bench.TOYOTA_ID]["polls"]


def test_ours_bills_one_request_per_poll_as_the_integration_counts(
    one_day: dict[str, Any],
) -> None:
    for car in one_day["strategies"]["signals"]["cars"].values():
        # The schedule trusts its own count: the simulator's ledger must agree with it.
        assert car["billed"] == car["counted_by_integration"], (
            f"{car['label']}: the simulator billed {car['billed']} requests for {car['polls']}"
            f" polls ({car['billed_by_path']}), the integration counted"
            f" {car['counted_by_integration']}"
        )
        assert car["billed_per_poll"] == 1


def test_ours_fits_the_monthly_limit_over_a_whole_month() -> None:
    # A month, not a projection: the schedule front-loads polls while charging and pays them back.
    results = _run(bench.run_benchmark(30, strategies=("signals",), cpu_iterations=0))
    ours = results["strategies"]["signals"]
    for car in ours["cars"].values():
        assert car["billed"] <= 500, (
            f"{car['label']}: {car['billed']} requests billed in a month for {car['polls']} polls"
        )
        assert car["polls"] > 400
    assert ours["fits_limit"]
    assert results["cpu"] is None


def test_cpu_benchmark_reports_ratios_to_per_endpoint(one_day: dict[str, Any]) -> None:
    cpu = one_day["cpu"]
    for table in ("read", "parse_only"):
        assert set(cpu[table]) == set(STRATEGIES)
        assert cpu[table]["per_endpoint"]["ratio_to_per_endpoint"] == 1.0
        for row in cpu[table].values():
            assert row["ms_per_state"] > 0
            assert row["ratio_to_per_endpoint"] > 0
    assert cpu["read"]["per_endpoint"]["http_requests_per_state"] == len(
        bench.READ_PATHS
    )
    assert cpu["read"]["batch"]["http_requests_per_state"] == 1


def test_command_line_writes_json_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "results.json"
    assert (
        bench.main(["--days", "0.25", "--cpu-iterations", "0", "--output", str(output)])
        == 0
    )
    written = json.loads(output.read_text())
    assert set(written["strategies"]) == set(STRATEGIES)
    printed = capsys.readouterr().out
    for key in STRATEGIES:
        assert bench.STRATEGY_LABELS[key] in printed
    assert str(output) in printed


def test_command_line_refuses_a_horizon_beyond_one_month() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--days", "31"])
