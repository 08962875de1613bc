"""The engine's wheel (build_scripts.wheel), the site bundle (build_scripts.bundle)
and the _headers file (build_scripts.headers)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

import calculator
from build_scripts import bundle as bundle_module
from build_scripts import wheel as wheel_module
from build_scripts.bundle import RUNTIME_FILES, STDLIB, BundleError, PyodideMissing, bundle, main, trimmed_stdlib
from build_scripts.headers import headers_text
from build_scripts.wheel import ROOT, build_wheel

PINNED = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
WHEEL = f"buildvsbuy_calculator-{VERSION}-py3-none-any.whl"
DIST_INFO = f"buildvsbuy_calculator-{VERSION}.dist-info"
NPM_EXTRAS = ("pyodide.js", "pyodide.js.map", "pyodide.mjs.map", "pyodide.d.ts", "ffi.d.ts", "console.html", "README.md")


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"), cache=tmp_path_factory.mktemp("cache"))


@pytest.fixture
def fake_node_modules(tmp_path: Path) -> Path:
    """A node_modules/pyodide with small stand-ins for every file npm installs."""
    source = tmp_path / "node_modules" / "pyodide"
    source.mkdir(parents=True)
    for name in RUNTIME_FILES + NPM_EXTRAS:
        (source / name).write_bytes(f"stand-in for {name}\n".encode())
    with zipfile.ZipFile(source / STDLIB, "w") as stdlib:
        stdlib.writestr("json/__init__.py", "")
        stdlib.writestr("difflib.py", "")
    lock = {"info": {"abi_version": "2026_0", "version": PINNED}, "packages": {"numpy": {"file_name": "numpy.whl"}}}
    (source / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    (source / "package.json").write_text(json.dumps({"name": "pyodide", "version": PINNED}), encoding="utf-8")
    return tmp_path / "node_modules"


@pytest.fixture
def no_node(monkeypatch):
    """Stand-ins for the two Node runs: the library list and the snapshot."""
    runs = []

    def fake(args, what):
        runs.append(args[0])
        if args[0] == "modules":
            return json.dumps({"archive": "/lib/python314.zip", "files": ["json/__init__.py"]})
        memory = b"memory " + Path(args[3]).read_bytes()[:16]
        Path(args[-1]).write_bytes(memory)
        return json.dumps({"raw_sha256": hashlib.sha256(memory).hexdigest()})

    monkeypatch.setattr(bundle_module, "_node", fake)
    return runs


# ---------------------------------------------------------------------------
# The wheel


def test_the_wheel_is_byte_for_byte_the_same_every_time(tmp_path: Path, built_wheel: Path) -> None:
    again = build_wheel(tmp_path / "b", cache=tmp_path / "other-cache")
    assert again.name == built_wheel.name == WHEEL
    assert again.read_bytes() == built_wheel.read_bytes()


def test_the_wheel_holds_the_package_the_metadata_and_the_license(built_wheel: Path) -> None:
    with zipfile.ZipFile(built_wheel) as wheel:
        names = wheel.namelist()
        package = {n for n in names if not n.startswith(DIST_INFO)}
        sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "calculator").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        assert package == sources
        for name in package:
            assert wheel.read(name) == (ROOT / name).read_bytes(), name
        meta = wheel.read(f"{DIST_INFO}/METADATA").decode()
        assert "Name: buildvsbuy-calculator\n" in meta and f"Version: {VERSION}\n" in meta
        assert "License-Expression: MIT\n" in meta
        assert "buildvsbuy=calculator.cli:main" in wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
        assert "Tag: py3-none-any" in wheel.read(f"{DIST_INFO}/WHEEL").decode()
        # The dates are SOURCE_DATE_EPOCH's (the Makefile sets the last
        # commit's), or 1980-01-01 without it; zip stores local time in 2 s steps.
        epoch = int(wheel_module.source_date_epoch())
        stamp = time.gmtime(epoch - epoch % 2)[:6]
        assert {info.date_time for info in wheel.infolist()} == {stamp}


def test_source_date_epoch_sets_the_dates(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    with zipfile.ZipFile(build_wheel(tmp_path / "out", cache=tmp_path / "cache")) as wheel:
        assert {info.date_time[:3] for info in wheel.infolist()} == {(2023, 11, 14)}


def test_a_cached_wheel_needs_no_pip(tmp_path: Path, built_wheel: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    build_wheel(tmp_path / "a", cache=cache)
    monkeypatch.setattr(wheel_module, "_pip_wheel", lambda *a: pytest.fail("pip ran for an unchanged package"))
    path = build_wheel(tmp_path / "b", cache=cache)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert build_wheel(tmp_path / "b", cache=cache).stat().st_mtime_ns == 1_000_000_000  # not rewritten
    assert path.read_bytes() == built_wheel.read_bytes()


def test_the_wheel_runs_on_its_own(tmp_path: Path, built_wheel: Path) -> None:
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(built_wheel) as wheel:
        wheel.extractall(target)
    code = (
        "import calculator, importlib.metadata; "
        f"assert calculator.__file__.startswith({str(target)!r}), calculator.__file__; "
        "print(importlib.metadata.version('buildvsbuy-calculator')); "
        "print(calculator.evaluate_json('{\"privacy_required\": true}'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    version, output = done.stdout.splitlines()
    assert version == VERSION
    assert output == calculator.evaluate_json('{"privacy_required": true}')


# ---------------------------------------------------------------------------
# The bundle


def _files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_the_layout_is_versioned_and_content_hashed(tmp_path: Path, fake_node_modules: Path, no_node) -> None:
    site = tmp_path / "site"
    manifest = bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    engine_dir = Path(manifest["engine"]["path"]).parent.as_posix()
    assert engine_dir.startswith("runtime/engine-")
    assert _files(site) == {
        *(f"assets/runtime/pyodide-{PINNED}/{n}" for n in RUNTIME_FILES),
        f"assets/{engine_dir}/{WHEEL}",
        f"assets/{engine_dir}/{STDLIB}",
        f"assets/{engine_dir}/snapshot.1.bin.gz",
        "assets/engine/manifest.json",
        "_headers",
    }
    lock = json.loads((site / "assets" / manifest["runtime"]["pyodide-lock.json"]["path"]).read_text(encoding="utf-8"))
    assert lock == {"info": {"abi_version": "2026_0", "version": PINNED}, "packages": {}}
    assert no_node == ["modules", "snapshot"]


def test_the_manifest_describes_what_was_written(tmp_path: Path, fake_node_modules: Path, no_node) -> None:

    site = tmp_path / "site"
    manifest = bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    assert json.loads((site / "assets/engine/manifest.json").read_text(encoding="utf-8")) == manifest
    for file in bundle_module.manifest_files(manifest):
        data = (site / "assets" / file["path"]).read_bytes()
        assert (file["sha256"], file["size"]) == (hashlib.sha256(data).hexdigest(), len(data)), file["path"]
    assert manifest["engine"]["module"] == calculator.page.__name__
    assert manifest["engine"]["distribution"] == "buildvsbuy_calculator"
    assert manifest["rules_version"] == calculator.default_rules().version
    assert manifest["pyodide_version"] == PINNED and manifest["index"] == f"runtime/pyodide-{PINNED}/"
    with zipfile.ZipFile(site / "assets" / manifest["stdlib"]["path"]) as stdlib:
        assert stdlib.namelist() == ["json/__init__.py"]


def test_a_new_engine_gets_a_new_directory_and_the_old_one_goes(tmp_path: Path, fake_node_modules: Path, no_node, monkeypatch) -> None:
    site = tmp_path / "site"
    first = bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    real = bundle_module.build_wheel

    def changed_wheel(out, **kwargs):
        path = real(out, **kwargs)
        path.write_bytes(path.read_bytes() + b"changed")
        return path

    monkeypatch.setattr(bundle_module, "build_wheel", changed_wheel)
    second = bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    old_dir, new_dir = (Path(m["engine"]["path"]).parent for m in (first, second))
    assert old_dir != new_dir
    assert not (site / "assets" / old_dir).exists() and (site / "assets" / new_dir).is_dir()


def test_unchanged_files_are_not_written_again(tmp_path: Path, fake_node_modules: Path, no_node) -> None:
    site = tmp_path / "site"
    bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    bundle(site, node_modules=fake_node_modules, cache=tmp_path / "cache")
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == before
    assert no_node == ["modules", "snapshot"]  # the second bundle used the cache


def test_the_snapshot_is_cut_into_the_fewest_parts_under_the_limit() -> None:
    raw = random.Random(7).randbytes(300_000) + bytes(200_000)  # noise that cannot compress, then zeros
    whole = gzip.compress(raw, compresslevel=9, mtime=0)
    assert bundle_module.split_snapshot(raw, limit=len(whole)) == [(whole, len(raw))]

    parts = bundle_module.split_snapshot(raw, limit=200_000)
    assert all(len(data) <= 200_000 for data, _ in parts)
    assert b"".join(gzip.decompress(data) for data, _ in parts) == raw
    assert [size for _, size in parts] == [len(gzip.decompress(data)) for data, _ in parts]
    # One part fewer, in equal stretches, would not fit.
    fewer = len(parts) - 1
    step = -(-len(raw) // fewer)
    assert max(len(gzip.compress(raw[at : at + step], 9)) for at in range(0, len(raw), step)) > 200_000

    with pytest.raises(BundleError, match="at most 1000 bytes"):
        bundle_module.split_snapshot(raw, limit=1000)


def test_the_trimmed_library_keeps_only_what_was_imported() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as original:
        for name in ("a.py", "b/__init__.py", "c.py"):
            original.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), f"# {name}\n")
    source = buffer.getvalue()
    trimmed = trimmed_stdlib(source, ["c.py", "a.py"])
    assert trimmed == trimmed_stdlib(source, ["a.py", "c.py"])
    assert zipfile.ZipFile(io.BytesIO(trimmed)).namelist() == ["a.py", "c.py"]
    with pytest.raises(BundleError, match=r"imported d\.py, which the zip lacks"):
        trimmed_stdlib(source, ["d.py"])


def test_the_headers_mark_hashed_paths_immutable_and_the_manifest_no_cache() -> None:
    text = headers_text()
    assert "/assets/runtime/*\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert "/assets/engine/manifest.json\n  Cache-Control: no-cache\n" in text
    assert "/sub/assets/runtime/*\n" in headers_text("/sub/")


def test_missing_node_modules_says_to_run_npm_ci(tmp_path: Path, capsys) -> None:
    with pytest.raises(PyodideMissing, match=r"run `npm ci` in .*pins pyodide " + PINNED.replace(".", r"\.")) as caught:
        bundle(tmp_path / "site", node_modules=tmp_path / "nowhere")
    assert isinstance(caught.value, BundleError)
    assert not (tmp_path / "site").exists()
    assert main([str(tmp_path / "site"), "--node-modules", str(tmp_path / "nowhere")]) == 1
    assert "npm ci" in capsys.readouterr().err


def test_an_incomplete_or_other_pyodide_says_to_run_npm_ci(tmp_path: Path, fake_node_modules: Path) -> None:
    (fake_node_modules / "pyodide" / "pyodide.asm.wasm").unlink()
    with pytest.raises(PyodideMissing, match=r"missing pyodide\.asm\.wasm.*npm ci"):
        bundle(tmp_path / "site", node_modules=fake_node_modules)
    (fake_node_modules / "pyodide" / "pyodide.asm.wasm").write_bytes(b"wasm")
    (fake_node_modules / "pyodide" / "package.json").write_text('{"version": "0.1.0"}', encoding="utf-8")
    with pytest.raises(PyodideMissing, match=r"holds pyodide 0\.1\.0, but package\.json pins .*npm ci"):
        bundle(tmp_path / "site", node_modules=fake_node_modules)


def test_the_real_pyodide_package_bundles_with_a_snapshot(tmp_path: Path) -> None:
    node_modules = ROOT / "node_modules"
    if not (node_modules / "pyodide").is_dir():
        pytest.fail(f"Pyodide is not installed in {node_modules}: run `npm ci` in {ROOT}")
    manifest = bundle(tmp_path / "site", node_modules=node_modules)
    assert manifest["pyodide_version"] == PINNED
    snapshot = manifest["snapshot"]
    assert snapshot["raw_size"] > snapshot["size"] > 1_000_000
    # Every part fits an entry of Chromium's in-memory HTTP cache (50 MiB / 8),
    # and the parts inflate end to end to the whole memory.
    assert all(part["size"] <= bundle_module.SNAPSHOT_PART_MAX <= 50 * 2**20 // 8 for part in snapshot["parts"])
    site_assets = tmp_path / "site" / "assets"
    encoded = b"".join(gzip.decompress((site_assets / part["path"]).read_bytes()) for part in snapshot["parts"])
    assert len(encoded) == snapshot["raw_size"] == sum(part["raw_size"] for part in snapshot["parts"])
    # The parts hold the memory less the wasm's data segments. Decoded here
    # independently of the worker's JavaScript: a returning visitor's stored
    # copy of the decoded memory is checked against raw_sha256.
    assert snapshot["base"] == "pyodide.asm.wasm"
    wasm = (site_assets / manifest["runtime"][snapshot["base"]]["path"]).read_bytes()
    memory, segments = _xor_data_segments(encoded, wasm)
    assert snapshot["raw_sha256"] == hashlib.sha256(memory).hexdigest() != hashlib.sha256(encoded).hexdigest()
    # The static data the runtime never changed is zeros in the parts: most
    # of the segments' bytes (so the XOR really is what was shipped).
    header = int.from_bytes(encoded[4:8], "little")
    shipped = sum(encoded[header + offset : header + offset + len(data)].count(0) for offset, data in segments)
    assert shipped > 0.9 * sum(len(data) for _, data in segments)
    # The trimmed library is a fraction of Pyodide's.
    assert manifest["stdlib"]["size"] < (node_modules / "pyodide" / STDLIB).stat().st_size / 2


def _xor_data_segments(snapshot: bytes, wasm: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
    """The snapshot with the wasm's active data segments XORed into its
    memory (which starts after the header, whose length is its second
    32-bit word), and the segments as [(address, bytes)]."""

    def leb(at: int, signed: bool = False) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = wasm[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if signed and byte & 0x40:
                    value -= 1 << shift
                return value, at

    segments = []
    at = 8
    while at < len(wasm):
        section, size_at = wasm[at], at + 1
        size, at = leb(size_at)
        end = at + size
        if section == 11:
            count, at = leb(at)
            for _ in range(count):
                flags, at = leb(at)
                assert flags == 0 and wasm[at] == 0x41, "an active segment at a constant address"
                address, at = leb(at + 1, signed=True)
                assert wasm[at] == 0x0B
                length, at = leb(at + 1)
                segments.append((address & 0xFFFFFFFF, wasm[at : at + length]))
                at += length
        at = end
    out = bytearray(snapshot)
    header = int.from_bytes(snapshot[4:8], "little")
    for address, data in segments:
        start = header + address
        mixed = int.from_bytes(out[start : start + len(data)], "little") ^ int.from_bytes(data, "little")
        out[start : start + len(data)] = mixed.to_bytes(len(data), "little")
    return bytes(out), segments


def test_the_worker_looks_where_the_bundle_writes() -> None:
    worker = (ROOT / "docs" / "javascripts" / "engine-worker.mjs").read_text(encoding="utf-8")
    assert 'new URL("../assets/", import.meta.url)' in worker  # served at <site>/javascripts/
    assert f'new URL("{bundle_module.MANIFEST.removeprefix("assets/")}", ASSETS)' in worker


def test_no_package_name_is_written_in_the_scripts() -> None:
    for name in ("engine-worker.mjs", "engine-start.mjs", "engine-fetch.mjs", "engine-client.mjs", "calculator.mjs", "calculator-view.mjs"):
        text = (ROOT / "docs" / "javascripts" / name).read_text(encoding="utf-8")
        assert "calculator." not in text.replace("calculator.page.answer", ""), name
        assert "buildvsbuy_calculator" not in text, name


def test_the_worker_practises_on_the_defaults_and_every_preset() -> None:
    # One preset per leaf: practising on them runs every recommendation's code.
    from calculator import default_rules, page, worker_support

    requests = json.loads(worker_support.practice_requests())
    answers = [json.loads(page.answer(request)) for request in requests]
    assert [a["status"] for a in answers] == ["ready"] * len(requests)
    assert {a["recommendation"] for a in answers} == set(default_rules().leaves)
    assert len(requests) == 1 + len(default_rules().presets)
