"""The engine answers byte for byte the same in Pyodide as in CPython.

A seeded generator makes a few hundred inputs over the rule file's fields,
valid and invalid. CPython evaluates them here; tests/node/parity.mjs loads
Pyodide from node_modules (no network) with the files build_scripts.bundle
writes for the site (each checked against the manifest's sha256: the wheel,
the trimmed standard library, the memory snapshot), starts the engine both
ways the browser worker does (the plain way, and from the snapshot) with the
worker's own helpers, and evaluates the same inputs. The outputs must be
equal as strings. Without node_modules/pyodide (``npm ci``) the test fails, it does not
skip: the page cannot work without it either.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import calculator
from build_scripts.bundle import bundle
from calculator import default_rules
from calculator.inputs import value_text
from calculator.models import Field
from calculator.page import answer

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "node" / "parity.mjs"
PYODIDE_DIR = ROOT / "node_modules" / "pyodide"
SEED = 20261126
COUNT = 240
NODE_TIMEOUT_S = 300


# ---------------------------------------------------------------------------
# Inputs


def _valid_value(rng: random.Random, field: Field) -> Any:
    if field.type == "bool":
        return rng.random() < 0.5
    if field.type == "choice":
        return rng.choice(field.choices)
    low, high = field.min, field.max
    if field.type == "integer":
        low, high = int(low), int(high)
        picks = [
            low,
            high,
            rng.randint(low, min(high, low + 100)),
            rng.randint(low, min(high, 10**8)),
            rng.randint(low, high),
            float(rng.randint(low, min(high, 10**6))),  # 5.0 is a whole number
        ]
        return rng.choice(picks)
    picks: list[Any] = [
        rng.uniform(low, min(high, 10.0)),
        round(rng.uniform(low, 1000.0), 2),
        rng.uniform(low, high),
        float(rng.randint(int(low) + 1, 10**6)),
        rng.randint(int(low) + 1, 10**6),  # a JSON integer in a number field
        high,
        1e-9,
        0.1 + 0.2,
    ]
    if not field.min_exclusive:
        picks.append(low)
    if field.nullable:
        picks += [None, None]
    value = rng.choice(picks)
    if field.min_exclusive and value is not None and value <= low:
        value = low + 1
    return value


def _invalid_value(rng: random.Random, field: Field) -> Any:
    wrong_type = ["12", "", [], {}, [1], {"a": 1}, "true"]
    if field.type == "bool":
        return rng.choice([0, 1, "yes", None, 1.5, *wrong_type])
    if field.type == "choice":
        return rng.choice([field.choices[0].upper(), "maybe", "", 1, True, None])
    picks: list[Any] = [True, False, *wrong_type]
    if field.min is not None:
        picks += [field.min - 1, field.min - 0.5, -1e300]
        if field.min_exclusive:
            picks.append(field.min)
    if field.max is not None:
        picks += [field.max + 1, field.max * 10, 10**30]
    if field.type == "integer":
        picks += [1.5, 2.25]
    if not field.nullable:
        picks.append(None)
    return rng.choice(picks)


_UNKNOWN_NAMES = ["monthly_request", "privacy", "foo", "", "Horizon_Months", "ü", "labeled-examples"]

_RAW_TEXTS = [
    "",
    "{",
    "[]",
    "null",
    "42",
    '"text"',
    "true",
    "NaN",
    '{"monthly_requests": NaN}',
    '{"monthly_requests": Infinity}',
    '{"api_cost_per_request": -Infinity}',
    '{"monthly_requests": 1e400}',
    '{"labeled_examples": 100000000000000000000000000000000}',
    '{"horizon_months": 12, "horizon_months": 24}',
    '{"privacy_required": true} trailing',
    '{"api_cost_per_request": -0.0}',
    '{"api_cost_per_request": 1.0e-7}',
    '{"latency_budget_ms": 0}',
    '{"latency_budget_ms": 5e-324}',
    '{"custom_build_cost": 1E9}',
    '{"a": {"b": {"c": [1, 2, {"d": null}]}}}',
    '{"monthly_requests": "50000"}',
    "\ufeff{}",
]


def generate_inputs(seed: int = SEED, count: int = COUNT) -> list[str]:
    """JSON texts for evaluate_json: valid and invalid objects, and other text."""
    rules = default_rules()
    fields = list(rules.fields.values())
    rng = random.Random(seed)
    texts = ["{}", json.dumps(rules.defaults())]
    texts += [json.dumps(dict(preset.values)) for preset in rules.presets.values()]
    texts += _RAW_TEXTS
    while len(texts) < count:
        chosen = rng.sample(fields, rng.randint(0, len(fields)))
        raw = {field.id: _valid_value(rng, field) for field in chosen}
        roll = rng.random()
        if roll < 0.3 and fields:
            for field in rng.sample(fields, rng.randint(1, 3)):
                raw[field.id] = _invalid_value(rng, field)
        elif roll < 0.38:
            raw[rng.choice(_UNKNOWN_NAMES)] = rng.choice([1, "x", None, True])
        keys = list(raw)
        rng.shuffle(keys)
        texts.append(json.dumps({key: raw[key] for key in keys}, ensure_ascii=rng.random() < 0.5))
    return texts


def generate_requests(seed: int = SEED) -> list[str]:
    """Request JSON texts for calculator.page.answer."""
    rules = default_rules()
    rng = random.Random(seed + 1)
    queries = [
        "",
        "?",
        "v=" + rules.version,
        "v=0.9.0",
        "embed=1&privacy_required=true",
        "privacy_required=true&privacy_required=false",
        "unknown=1",
        "latency_budget_ms=",
        "latency_budget_ms=50&v=0.1",
        "monthly_requests=abc&horizon_months=0",
        "labeled_examples=20000&needs_specific_behavior=true&prompting_reliable=no",
        "api_cost_per_request=1e-3&monthly_requests=%2B5",
        "prompting_reliable=YES",
        "horizon_months=12.0",
    ]
    for preset in rules.presets.values():
        queries.append("&".join(f"{k}={quote(value_text(v))}" for k, v in preset.values.items()))
    for _ in range(12):
        chosen = rng.sample(list(rules.fields.values()), rng.randint(1, 6))
        queries.append("&".join(f"{f.id}={quote(value_text(_valid_value(rng, f)))}" for f in chosen))
    page_urls = ["", "/calculator/", "https://example.org/buildvsbuy/calculator/"]
    requests = [json.dumps({"query": q, "page_url": page_urls[i % len(page_urls)]}) for i, q in enumerate(queries)]
    requests += ["not json", "[]", '{"query": 5}', '{"page_url": "/x/"}', "{}"]
    return requests


# ---------------------------------------------------------------------------
# One Pyodide run for the module


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the Pyodide parity test needs Node.js 18+ (and `npm ci`)")
    if not (PYODIDE_DIR / "pyodide.mjs").is_file():
        pytest.fail(f"Pyodide is not installed: {PYODIDE_DIR} has no pyodide.mjs; run `npm ci` in {ROOT}")
    return node


def _run_node(assets: Path, payload: dict, tmp: Path, mode: str) -> subprocess.CompletedProcess:
    inputs = tmp / "inputs.json"
    inputs.write_text(json.dumps(payload), encoding="utf-8")
    return subprocess.run(
        [_node(), str(SCRIPT), str(assets), str(inputs), mode],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NODE_TIMEOUT_S,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    _node()
    bundle(site)
    return site / "assets"


@pytest.fixture(scope="module")
def cases() -> dict[str, list[str]]:
    return {"evaluate": generate_inputs(), "answer": generate_requests()}


@pytest.fixture(scope="module", params=["plain", "snapshot"])
def pyodide_run(request, assets: Path, cases: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory) -> dict:
    done = _run_node(assets, cases, tmp_path_factory.mktemp("parity"), request.param)
    if done.returncode != 0:
        pytest.fail(f"tests/node/parity.mjs ({request.param}) failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def _compare(kind: str, inputs: list[str], expected: list[str], got: list[Any]) -> None:
    assert len(got) == len(expected), f"{kind}: {len(got)} answers from Pyodide for {len(expected)} inputs"
    problems = []
    for text, want, have in zip(inputs, expected, got):
        if have != want:
            if isinstance(have, str):
                at = next((i for i, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have)))
                detail = f"first difference at {at}: CPython {want[at - 20:at + 40]!r} / Pyodide {have[at - 20:at + 40]!r}"
            else:
                detail = f"Pyodide raised: {have}"
            problems.append(f"{kind}({text!r}): {detail}")
    assert not problems, f"{len(problems)} of {len(inputs)} differ:\n" + "\n".join(problems[:10])


# ---------------------------------------------------------------------------
# Tests


def test_inputs_are_many_and_mixed(cases: dict[str, list[str]]) -> None:
    results = [json.loads(calculator.evaluate_json(text)) for text in cases["evaluate"]]
    valid = sum("errors" not in r for r in results)
    invalid = len(results) - valid
    assert len(results) >= 200
    assert valid >= 100 and invalid >= 50, (valid, invalid)
    assert len({r["recommendation"]["id"] for r in results if "errors" not in r}) >= 4
    statuses = [json.loads(answer(text))["status"] for text in cases["answer"]]
    assert statuses.count("ready") >= 10 and statuses.count("error") >= 5


def test_inputs_are_reproducible() -> None:
    assert generate_inputs() == generate_inputs()
    assert generate_requests() == generate_requests()


def test_pyodide_runs_the_wheel(pyodide_run: dict) -> None:
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
    assert pyodide_run["pyodide"] == pinned
    engine = pyodide_run["engine"]
    assert engine["file"].startswith(engine["purelib"] + "/")
    assert engine["rules_version"] == default_rules().version
    # The plain start unpacks the wheel; a snapshot holds memory, not files.
    if pyodide_run["start"] == "plain":
        assert engine["version"] == calculator_version()
    else:
        assert engine["version"] is None
    # Pyodide no longer holds the snapshot's memory once it has copied it.
    assert pyodide_run["snapshot_input_kept"] is False


def test_evaluate_json_is_identical_in_pyodide(pyodide_run: dict, cases: dict[str, list[str]]) -> None:
    inputs = cases["evaluate"]
    _compare("evaluate_json", inputs, [calculator.evaluate_json(t) for t in inputs], pyodide_run["evaluate"])


def test_page_answer_is_identical_in_pyodide(pyodide_run: dict, cases: dict[str, list[str]]) -> None:
    requests = cases["answer"]
    _compare("page.answer", requests, [answer(t) for t in requests], pyodide_run["answer"])


def calculator_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.mark.parametrize("which", ["engine", "snapshot"])
def test_a_changed_file_is_refused(assets: Path, tmp_path: Path, which: str) -> None:
    copy = tmp_path / "assets"
    shutil.copytree(assets, copy)
    manifest = json.loads((copy / "engine" / "manifest.json").read_text(encoding="utf-8"))
    changed = manifest[which]["path"] if which == "engine" else manifest[which]["parts"][-1]["path"]
    target = copy / changed
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed
    target.write_bytes(bytes(data))
    done = _run_node(copy, {"evaluate": ["{}"], "answer": []}, tmp_path, "snapshot")
    assert done.returncode == 1, done.stdout[:500]
    assert f"{changed} does not match the manifest" in done.stderr
    assert done.stdout == ""
