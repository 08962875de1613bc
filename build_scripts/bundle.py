"""Put the browser engine into a built site: Pyodide, the engine, a snapshot.

:func:`bundle` writes, under ``<site>/assets/``::

    runtime/pyodide-<version>/   pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm,
                                 pyodide-lock.json (its package list dropped)
    runtime/engine-<hash>/       the engine's wheel; python_stdlib.zip, trimmed
                                 to what the engine and Pyodide import; and
                                 snapshot.1.bin.gz, snapshot.2.bin.gz, ...:
                                 Pyodide's memory with the engine imported,
                                 its free memory zeroed and the wasm's data
                                 segments XORed out, in parts of at most
                                 6 MB (gzip, served as they are)
    engine/manifest.json         every file above with its sha256 and size

and ``<site>/_headers`` (build_scripts/headers.py). Every path under
``runtime/`` changes when its bytes do (a new Pyodide version, a new engine),
so hosts may cache them for good; the manifest keeps its URL and is
revalidated on every visit. The worker (docs/javascripts/engine-worker.mjs)
reads the manifest and checks each file's sha256 before using it.

The trimmed library and the snapshot come from running the engine in Pyodide
under Node (build_scripts/snapshot.mjs): once to list the library files it
imports, once more with the trimmed zip to take the snapshot. That takes
seconds, so the result is kept in ``.cache/engine/<key>/``, keyed by the
wheel's and Pyodide's bytes.

Unchanged runtime files are not copied again (same size and mtime), and files
whose bytes do not change are not rewritten, so ``mkdocs serve`` stays fast.

Runnable: ``python -m build_scripts.bundle SITE_DIR [--node-modules DIR]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import calculator.page
import calculator.worker_support

from .headers import write_headers
from .wheel import ROOT, build_wheel, write_if_changed

# What the page needs at run time from the npm package. Everything else
# (pyodide.js, *.map, *.d.ts, the console pages, README, package.json) stays
# out; python_stdlib.zip goes in trimmed, under the engine's directory.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json")
STDLIB = "python_stdlib.zip"
LOCK_FILE = "pyodide-lock.json"
# The snapshot is written in parts, each a gzip file of its own holding the
# next stretch of the memory (snapshot.1.bin.gz, snapshot.2.bin.gz, ...), so
# that no part is larger than SNAPSHOT_PART_MAX bytes. Chromium's HTTP cache
# keeps no entry larger than an eighth of its size, and the cache of a private
# window (and of a Playwright context) is 50 MiB in memory: a file over
# 6,553,600 bytes is downloaded again on every visit there. In one piece the
# snapshot was 6.67 MB.
SNAPSHOT_PART = "snapshot.{}.bin.gz"
SNAPSHOT_PART_MAX = 6_000_000
SNAPSHOT_PARTS = "snapshot-parts.json"  # in the build cache: the parts' names and raw sizes, the memory's sha256
# What the snapshot's parts hold is the memory less the static data that the
# wasm lays down (engine-start.mjs xorDataSegments): the manifest names the
# wasm, and the worker XORs that file's data segments back in.
SNAPSHOT_BASE = "pyodide.asm.wasm"
RUNTIME_DIR = "assets/runtime"
MANIFEST = "assets/engine/manifest.json"
SNAPSHOT_SCRIPT = ROOT / "build_scripts" / "snapshot.mjs"
# A download with no byte for this long has stalled (the page offers a retry).
STALL_TIMEOUT_MS = 15_000
# What starting from the snapshot saves over the plain start, in seconds, on
# the 2-core machine that first measured it in Chromium
# (benchmarks/browser_speed.py: the plain start took 7.3 s at 100 Mbit/s,
# where its 4.9 MB take 0.4 s, and the snapshot start 2.6 s unthrottled; less
# a margin). A slower device saves more, a faster one less: on a later 2-core
# machine with three times Lighthouse's CPU index, 1.5 s (plain 2.41 s,
# snapshot 0.89 s, unthrottled, cold). Unless the snapshot is in the
# browser's cache already (then it costs nothing to fetch), the worker fetches
# it only when its bytes should arrive in less time than this, judged on the
# first quarter of the wasm's download. Since the snapshot shrank to 4.2 MB
# it is fetched at 20 Mbit/s too, where on the faster machine it arrives
# later than the plain start would have answered (4.41 s against 4.22 s,
# both within that profile's goal); since a snapshot start no longer fetches
# the wheel and the standard-library zip (0.9 MB), 3.98 s.
SNAPSHOT_SAVES_S = 4.0
NODE_TIMEOUT_S = 300


class BundleError(RuntimeError):
    """The site cannot be given its browser engine."""


class PyodideMissing(BundleError):
    """``node_modules/pyodide`` is absent, incomplete or not the pinned version."""


def pinned_pyodide_version(root: Path = ROOT) -> str:
    """The exact Pyodide version package.json pins."""
    path = root / "package.json"
    try:
        version = json.loads(path.read_text(encoding="utf-8"))["dependencies"]["pyodide"]
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise BundleError(f"{path}: cannot read the pinned pyodide version ({error})") from None
    return version


def rules_version(root: Path = ROOT) -> str:
    """The ``version`` of calculator/rules.toml, read by the one loader."""
    from calculator import load_rules

    return load_rules((root / "calculator" / "rules.toml").read_text(encoding="utf-8")).version


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _npm_hint(root: Path) -> str:
    try:
        pin = f" (package.json pins pyodide {pinned_pyodide_version(root)})"
    except BundleError:
        pin = ""
    return f"run `npm ci` in {root} to install it{pin}"


def check_pyodide(node_modules: Path, root: Path = ROOT) -> tuple[Path, str]:
    """The pyodide package directory and its version, or :class:`PyodideMissing`."""
    source = Path(node_modules) / "pyodide"
    if not source.is_dir():
        raise PyodideMissing(f"Pyodide is not installed: {source} does not exist; {_npm_hint(root)}.")
    missing = [name for name in RUNTIME_FILES + (STDLIB,) if not (source / name).is_file()]
    if missing:
        raise PyodideMissing(f"{source} is incomplete (missing {', '.join(missing)}); {_npm_hint(root)}.")
    try:
        version = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    except (FileNotFoundError, KeyError, ValueError):
        raise PyodideMissing(f"{source}/package.json is missing or unreadable; {_npm_hint(root)}.") from None
    pinned = pinned_pyodide_version(root)
    if version != pinned:
        raise PyodideMissing(f"{source} holds pyodide {version}, but package.json pins {pinned}; {_npm_hint(root)}.")
    return source, version


def _copy_if_changed(source: Path, target: Path) -> bool:
    """Copy unless the target has the same size and mtime already. True if copied."""
    stat = source.stat()
    try:
        have = target.stat()
        if have.st_size == stat.st_size and have.st_mtime_ns == stat.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    temp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temp)
    os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(temp, target)
    return True


def _remove_others(directory: Path, keep: set[str]) -> None:
    """Delete what a previous bundle left that is no longer part of it."""
    for path in sorted(directory.iterdir()):
        if path.name in keep:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def trimmed_lock(text: str) -> str:
    """Pyodide's lock file without its package list.

    loadPyodide always reads the lock file, but the page loads no optional
    package (the engine comes as a checked wheel), and none of them is served
    here: the list is 116 KiB of entries that could only point nowhere. The
    ``info`` block, which loadPyodide checks against the runtime, stays.
    """
    lock = json.loads(text)
    lock["packages"] = {}
    return json.dumps(lock, indent=1, sort_keys=True) + "\n"


def trimmed_stdlib(source: bytes, keep: list[str]) -> bytes:
    """The standard-library zip with only the ``keep`` entries, in the
    original order and with the original metadata, so the same list always
    gives the same bytes."""
    wanted = set(keep)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(out, "w") as trimmed:
        missing = wanted - set(original.namelist())
        if missing:
            raise BundleError(f"{STDLIB}: the engine imported {', '.join(sorted(missing))}, which the zip lacks")
        for info in original.infolist():
            if info.filename in wanted:
                trimmed.writestr(info, original.read(info.filename), compress_type=info.compress_type)
    return out.getvalue()


def engine_entry(wheel_name: str) -> dict[str, str]:
    """How the worker finds the engine: module names taken from the package
    itself, the distribution from the wheel's file name."""
    return {
        "module": calculator.page.__name__,
        "support": calculator.worker_support.__name__,
        "distribution": wheel_name.split("-")[0],
    }


def _node(args: list[str], what: str) -> str:
    node = shutil.which("node")
    if not node:
        raise BundleError(f"Node.js is needed to {what} (apt-get install -y nodejs)")
    try:
        done = subprocess.run([node, str(SNAPSHOT_SCRIPT), *args], capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BundleError(f"Node.js took over {NODE_TIMEOUT_S} s to {what}") from None
    if done.returncode != 0:
        raise BundleError(f"could not {what}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def engine_files(source: Path, wheel: Path, cache_root: Path) -> tuple[dict[str, bytes], dict]:
    """{file name: bytes} of the engine's directory (the wheel, the trimmed
    library and the snapshot's parts), and {"parts": the parts in order as
    [{"name", "raw_size"}], "raw_sha256": the sha256 of the memory as Pyodide
    takes it}. Cached by the wheel's and Pyodide's bytes."""
    wheel_bytes = wheel.read_bytes()
    # The scripts that take the snapshot shape its bytes as much as the inputs do.
    makers = [SNAPSHOT_SCRIPT, SNAPSHOT_SCRIPT.parent.parent / "docs" / "javascripts" / "engine-start.mjs"]
    key_parts = [wheel_bytes] + [(source / name).read_bytes() for name in ("pyodide.asm.wasm", "pyodide.asm.mjs", STDLIB)]
    key_parts += [maker.read_bytes() for maker in makers]
    key_parts.append(f"parts of at most {SNAPSHOT_PART_MAX} bytes, less {SNAPSHOT_BASE}".encode())
    key = sha256_bytes(b"".join(hashlib.sha256(part).digest() for part in key_parts))[:20]
    cache = cache_root / key
    if not (cache / SNAPSHOT_PARTS).is_file():
        engine = json.dumps(engine_entry(wheel.name))
        with tempfile.TemporaryDirectory() as temp:
            listed = json.loads(_node(["modules", engine, str(source), str(wheel), str(source / STDLIB)], "list the library files the engine imports"))
            trimmed = Path(temp) / STDLIB
            trimmed.write_bytes(trimmed_stdlib((source / STDLIB).read_bytes(), listed["files"]))
            raw = Path(temp) / "snapshot.bin"
            taken = json.loads(_node(["snapshot", engine, str(source), str(wheel), str(trimmed), str(raw)], "take the engine's memory snapshot"))
            cache.mkdir(parents=True, exist_ok=True)
            write_if_changed(cache / STDLIB, trimmed.read_bytes())
            parts = []
            for number, (data, raw_size) in enumerate(split_snapshot(raw.read_bytes()), start=1):
                name = SNAPSHOT_PART.format(number)
                write_if_changed(cache / name, data)
                parts.append({"name": name, "raw_size": raw_size})
            listing = {"parts": parts, "raw_sha256": taken["raw_sha256"]}
            write_if_changed(cache / SNAPSHOT_PARTS, json.dumps(listing).encode("utf-8"))
    files = {wheel.name: wheel_bytes, STDLIB: (cache / STDLIB).read_bytes()}
    listing = json.loads((cache / SNAPSHOT_PARTS).read_text(encoding="utf-8"))
    for part in listing["parts"]:
        files[part["name"]] = (cache / part["name"]).read_bytes()
    return files, listing


def split_snapshot(raw: bytes, limit: int = SNAPSHOT_PART_MAX) -> list[tuple[bytes, int]]:
    """The snapshot as [(gzip bytes, raw size)]: the fewest stretches of equal
    raw size whose gzip files are each at most ``limit`` bytes."""
    for count in range(1, len(raw) // 65_536 + 2):
        step = -(-len(raw) // count)
        stretches = [raw[at : at + step] for at in range(0, len(raw), step)]
        # mtime=0 and no file name: the same snapshot always gives the same files.
        parts = [(gzip.compress(stretch, compresslevel=9, mtime=0), len(stretch)) for stretch in stretches]
        if all(len(data) <= limit for data, _ in parts):
            return parts
    raise BundleError(f"the snapshot cannot be cut into gzip parts of at most {limit} bytes")


def _entry(site: Path, relative: str, **extra) -> dict:
    path = site / "assets" / relative
    return {"path": relative, "sha256": sha256_file(path), "size": path.stat().st_size, **extra}


def bundle(
    site_dir: Path | str,
    *,
    node_modules: Path | str = ROOT / "node_modules",
    root: Path = ROOT,
    cache: Path | None = None,
) -> dict:
    """Copy the runtime and build the engine's files into ``site_dir``; return the manifest."""
    site = Path(site_dir)
    source, version = check_pyodide(Path(node_modules), root)
    cache = cache or root / ".cache"
    runtime_root = site / RUNTIME_DIR
    pyodide_name = f"pyodide-{version}"
    pyodide_dir = runtime_root / pyodide_name
    pyodide_dir.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_FILES:
        if name == LOCK_FILE:
            text = trimmed_lock((source / name).read_text(encoding="utf-8"))
            write_if_changed(pyodide_dir / name, text.encode("utf-8"))
        else:
            _copy_if_changed(source / name, pyodide_dir / name)
    _remove_others(pyodide_dir, set(RUNTIME_FILES))

    with tempfile.TemporaryDirectory() as temp:
        wheel = build_wheel(Path(temp), root=root, cache=cache / "wheel")
        files, snapshot = engine_files(source, wheel, cache / "engine")
    engine_name = "engine-" + sha256_bytes(b"".join(hashlib.sha256(data).digest() for data in files.values()))[:16]
    engine_dir = runtime_root / engine_name
    engine_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write_if_changed(engine_dir / name, data)
    _remove_others(engine_dir, set(files))
    _remove_others(runtime_root, {pyodide_name, engine_name})

    wasm = pyodide_dir / "pyodide.asm.wasm"
    runtime = {
        name: _entry(site, f"runtime/{pyodide_name}/{name}")
        for name in RUNTIME_FILES
    }
    # How many bytes the wasm moves gzip-compressed: the worker turns the rate
    # it sees (decompressed bytes) into wire bytes to judge the snapshot by.
    runtime["pyodide.asm.wasm"]["gzip_size"] = len(zlib.compress(wasm.read_bytes(), 6))
    # The parts in order: each inflates to its raw_size bytes, and the worker
    # puts them end to end, then XORs the base's data segments back in.
    parts = [_entry(site, f"runtime/{engine_name}/{part['name']}", raw_size=part["raw_size"]) for part in snapshot["parts"]]
    manifest = {
        "pyodide_version": version,
        "rules_version": rules_version(root),
        "stall_timeout_ms": STALL_TIMEOUT_MS,
        "index": f"runtime/{pyodide_name}/",
        "runtime": runtime,
        "stdlib": _entry(site, f"runtime/{engine_name}/{STDLIB}"),
        "engine": _entry(site, f"runtime/{engine_name}/{wheel.name}", **engine_entry(wheel.name)),
        "snapshot": {
            "parts": parts,
            "size": sum(part["size"] for part in parts),
            "raw_size": sum(part["raw_size"] for part in parts),
            "base": SNAPSHOT_BASE,
            # The whole memory's sha256, once the base is XORed back in: a
            # returning visitor's browser keeps that memory in the site's
            # Cache Storage and checks it against this.
            "raw_sha256": snapshot["raw_sha256"],
            "saves_s": SNAPSHOT_SAVES_S,
        },
    }
    manifest_path = site / MANIFEST
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    write_headers(site)
    return manifest


def manifest_files(manifest: dict) -> list[dict]:
    """Every file entry of a manifest."""
    return [*manifest["runtime"].values(), manifest["stdlib"], manifest["engine"], *manifest["snapshot"]["parts"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_scripts.bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="the built site (e.g. site/)")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules", help="where npm installed pyodide")
    args = parser.parse_args(argv)
    try:
        manifest = bundle(args.site_dir, node_modules=args.node_modules)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    files = manifest_files(manifest)
    for file in files:
        print(f"{file['size']:>10}  assets/{file['path']}")
    print(f"{sum(f['size'] for f in files):>10}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
