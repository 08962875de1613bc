"""The engine's wheel (build_scripts.wheel) and the site bundle (build_scripts.bundle)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import calculator
from build_scripts import bundle as bundle_module
from build_scripts.bundle import RUNTIME_FILES, BundleError, PyodideMissing, bundle, main
from build_scripts.wheel import ROOT, build_wheel, wheel_bytes, wheel_name

PINNED = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
DIST_INFO = f"buildvsbuy_calculator-{VERSION}.dist-info"
# What npm installs besides the runtime files; none of it may reach the site.
NPM_EXTRAS = ("pyodide.js", "pyodide.js.map", "pyodide.mjs.map", "pyodide.d.ts", "ffi.d.ts",
              "console.html", "console-v2.html", "README.md")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package_sources(root: Path = ROOT) -> set[str]:
    package = root / "calculator"
    names = {p.relative_to(root).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    return names | {"calculator/rules.toml"}


@pytest.fixture
def fake_node_modules(tmp_path: Path) -> Path:
    """A node_modules/pyodide with small stand-ins for every file npm installs."""
    source = tmp_path / "node_modules" / "pyodide"
    source.mkdir(parents=True)
    for name in RUNTIME_FILES + NPM_EXTRAS:
        (source / name).write_bytes(f"stand-in for {name}\n".encode())
    lock = {"info": {"abi_version": "2026_0", "version": PINNED}, "packages": {"numpy": {"file_name": "numpy.whl"}}}
    (source / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    (source / "package.json").write_text(json.dumps({"name": "pyodide", "version": PINNED}), encoding="utf-8")
    return tmp_path / "node_modules"


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    """A copy of the project's metadata and package, with litter the wheel must leave out."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("pyproject.toml", "package.json"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "calculator", root / "calculator", ignore=shutil.ignore_patterns("__pycache__"))
    cache = root / "calculator" / "__pycache__"
    cache.mkdir()
    (cache / "engine.cpython-313.pyc").write_bytes(b"\x00compiled")
    (cache / "stray.py").write_text("raise SystemExit('from __pycache__')\n", encoding="utf-8")
    (root / "calculator" / "notes.txt").write_text("not package data\n", encoding="utf-8")
    return root


# ---------------------------------------------------------------------------
# The wheel


def test_the_wheel_is_byte_for_byte_the_same_every_time(tmp_path: Path) -> None:
    first = build_wheel(tmp_path / "a")
    second = build_wheel(tmp_path / "b")
    assert first.name == second.name == wheel_name()
    assert first.read_bytes() == second.read_bytes() == wheel_bytes()


def test_an_unchanged_wheel_is_not_rewritten(tmp_path: Path) -> None:
    path = build_wheel(tmp_path)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert build_wheel(tmp_path) == path
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_the_wheel_is_named_from_pyproject() -> None:
    assert wheel_name() == f"buildvsbuy_calculator-{VERSION}-py3-none-any.whl"


def test_the_record_lists_every_file_with_its_sha256_and_size(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
        assert names[-1] == f"{DIST_INFO}/RECORD"
        rows = list(csv.reader(io.StringIO(wheel.read(f"{DIST_INFO}/RECORD").decode("utf-8"))))
        assert [row[0] for row in rows] == names
        for name, digest, size in rows:
            if name.endswith("/RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = wheel.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}", name
            assert int(size) == len(data), name


def test_the_wheel_holds_every_module_and_the_rules_and_nothing_else(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
        package = [n for n in names if not n.startswith(DIST_INFO)]
        assert set(package) == _package_sources()
        assert package == sorted(package)
        assert "calculator/rules.toml" in package and "calculator/page.py" in package
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        for name in package:
            assert wheel.read(name) == (ROOT / name).read_bytes(), name
        assert set(names) - set(package) == {
            f"{DIST_INFO}/{n}" for n in ("METADATA", "WHEEL", "entry_points.txt", "top_level.txt", "RECORD")
        }
        meta = wheel.read(f"{DIST_INFO}/METADATA").decode()
        assert "Name: buildvsbuy-calculator\n" in meta and f"Version: {VERSION}\n" in meta
        tags = wheel.read(f"{DIST_INFO}/WHEEL").decode()
        assert "Root-Is-Purelib: true\n" in tags and "Tag: py3-none-any\n" in tags
        assert "buildvsbuy = calculator.cli:main" in wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
        for info in wheel.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert info.external_attr >> 16 == 0o100644, info.filename
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_pycache_and_other_files_are_left_out(fake_root: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path / "out", root=fake_root)) as wheel:
        package = {n for n in wheel.namelist() if not n.startswith(DIST_INFO)}
    assert package == _package_sources(fake_root)
    assert not any("__pycache__" in n or n.endswith((".pyc", ".txt")) for n in package)


def test_the_wheel_runs_on_its_own(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(build_wheel(tmp_path / "out")) as wheel:
        wheel.extractall(target)
    code = (
        "import calculator, importlib.metadata, sys; "
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


def test_only_the_runtime_files_are_copied(tmp_path: Path, fake_node_modules: Path) -> None:
    site = tmp_path / "site"
    bundle(site, node_modules=fake_node_modules)
    assert sorted(p.name for p in (site / "assets" / "pyodide").iterdir()) == sorted(RUNTIME_FILES)
    for name in RUNTIME_FILES:
        copied = (site / "assets" / "pyodide" / name).read_bytes()
        if name == "pyodide-lock.json":
            lock = json.loads(copied)
            assert lock == {"info": {"abi_version": "2026_0", "version": PINNED}, "packages": {}}
        else:
            assert copied == (fake_node_modules / "pyodide" / name).read_bytes()
    assert sorted(p.name for p in (site / "assets" / "engine").iterdir()) == sorted([wheel_name(), "manifest.json"])
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == sorted(
        [f"assets/pyodide/{n}" for n in RUNTIME_FILES] + [f"assets/engine/{wheel_name()}", "assets/engine/manifest.json"]
    )


def test_the_manifest_describes_what_was_written(tmp_path: Path, fake_node_modules: Path) -> None:
    site = tmp_path / "site"
    returned = bundle(site, node_modules=fake_node_modules)
    manifest = json.loads((site / "assets" / "engine" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == returned
    wheel = (site / "assets" / "engine" / manifest["wheel"]).read_bytes()
    assert manifest["wheel"] == wheel_name()
    assert manifest["sha256"] == _sha256(wheel) == _sha256(wheel_bytes())
    assert manifest["size"] == len(wheel)
    assert manifest["rules_version"] == calculator.default_rules().version
    assert manifest["pyodide_version"] == PINNED
    assert manifest["files"] == {
        **{f"pyodide/{n}": _sha256((site / "assets" / "pyodide" / n).read_bytes()) for n in RUNTIME_FILES},
        f"engine/{wheel_name()}": manifest["sha256"],
    }


def test_unchanged_files_are_not_copied_again(tmp_path: Path, fake_node_modules: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    bundle(site, node_modules=fake_node_modules)
    manifest_path = site / "assets" / "engine" / "manifest.json"
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    copies: list[str] = []
    real_copy = shutil.copyfile
    monkeypatch.setattr(bundle_module.shutil, "copyfile", lambda a, b: copies.append(Path(a).name) or real_copy(a, b))
    os.utime(manifest_path, ns=(1, 1))
    before[manifest_path] = 1
    bundle(site, node_modules=fake_node_modules)
    assert copies == []
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == before

    changed = fake_node_modules / "pyodide" / "python_stdlib.zip"
    changed.write_bytes(b"a new standard library\n")
    manifest = bundle(site, node_modules=fake_node_modules)
    assert copies == ["python_stdlib.zip"]
    assert (site / "assets" / "pyodide" / "python_stdlib.zip").read_bytes() == b"a new standard library\n"
    assert manifest["files"]["pyodide/python_stdlib.zip"] == _sha256(b"a new standard library\n")


def test_leftovers_of_an_older_bundle_are_removed(tmp_path: Path, fake_node_modules: Path) -> None:
    site = tmp_path / "site"
    (site / "assets" / "pyodide").mkdir(parents=True)
    (site / "assets" / "engine").mkdir(parents=True)
    (site / "assets" / "pyodide" / "pyodide.js").write_text("old", encoding="utf-8")
    (site / "assets" / "engine" / "buildvsbuy_calculator-0.9.0-py3-none-any.whl").write_bytes(b"old")
    bundle(site, node_modules=fake_node_modules)
    assert not (site / "assets" / "pyodide" / "pyodide.js").exists()
    assert sorted(p.name for p in (site / "assets" / "engine").iterdir()) == sorted([wheel_name(), "manifest.json"])


def test_missing_node_modules_says_to_run_npm_ci(tmp_path: Path, capsys) -> None:
    with pytest.raises(PyodideMissing, match=r"run `npm ci` in .*pins pyodide " + PINNED.replace(".", r"\.")) as caught:
        bundle(tmp_path / "site", node_modules=tmp_path / "nowhere")
    assert isinstance(caught.value, BundleError)
    assert str(tmp_path / "nowhere" / "pyodide") in str(caught.value)
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


def test_the_command_line_bundles_a_site(tmp_path: Path, fake_node_modules: Path, capsys) -> None:
    assert main([str(tmp_path / "site"), "--node-modules", str(fake_node_modules)]) == 0
    out = capsys.readouterr().out
    assert "assets/pyodide/pyodide.asm.wasm" in out and wheel_name() in out
    assert (tmp_path / "site" / "assets" / "engine" / "manifest.json").is_file()


def test_the_real_pyodide_package_bundles(tmp_path: Path) -> None:
    node_modules = ROOT / "node_modules"
    if not (node_modules / "pyodide").is_dir():
        pytest.fail(f"Pyodide is not installed in {node_modules}: run `npm ci` in {ROOT}")
    manifest = bundle(tmp_path / "site", node_modules=node_modules)
    assert manifest["pyodide_version"] == PINNED
    assert sorted(p.name for p in (tmp_path / "site" / "assets" / "pyodide").iterdir()) == sorted(RUNTIME_FILES)
    lock = json.loads((tmp_path / "site" / "assets" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["info"]["arch"] == "wasm32" and "packages" in lock


def test_the_worker_looks_where_the_bundle_writes() -> None:
    worker = (ROOT / "docs" / "javascripts" / "engine-worker.mjs").read_text(encoding="utf-8")
    assert 'new URL("../assets/", import.meta.url)' in worker  # served at <site>/javascripts/
    assert f'new URL("{bundle_module.PYODIDE_DIR.removeprefix("assets/")}/", ASSETS)' in worker
    assert f'new URL("{bundle_module.ENGINE_DIR.removeprefix("assets/")}/", ASSETS)' in worker
    assert f'new URL("{bundle_module.MANIFEST}", ENGINE_URL)' in worker
