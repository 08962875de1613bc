"""Build the engine's wheel with the project's own build backend (flit_core).

The site ships ``calculator/`` to the browser as a wheel whose sha256 the
worker checks before unpacking it into Pyodide. It is built the standard way,
``pip wheel --no-build-isolation`` with the backend pyproject.toml names, and
made reproducible with ``SOURCE_DATE_EPOCH`` (the zip's timestamps): the
variable's value when it is set (a release build sets it from the last
commit), otherwise 1980-01-01, the earliest date a zip can hold.

pip takes a few seconds, and ``mkdocs serve`` rebuilds on every edit, so a
wheel is kept in ``.cache/wheel/<key>/`` under a key made of everything that
goes into it (the package's files, pyproject.toml, README.md and the date).

Runnable: ``python -m build_scripts.wheel OUT_DIR`` prints the wheel's path.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "calculator"
ZIP_EPOCH = "315532800"  # 1980-01-01T00:00:00Z


class WheelError(RuntimeError):
    """The wheel cannot be built."""


def source_date_epoch() -> str:
    return os.environ.get("SOURCE_DATE_EPOCH") or ZIP_EPOCH


def _inputs(root: Path) -> list[Path]:
    """Every file the wheel is made from (flit_core leaves out __pycache__)."""
    package = [p for p in (root / PACKAGE).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted(package) + [root / "pyproject.toml", root / "README.md"]


def cache_key(root: Path = ROOT) -> str:
    digest = hashlib.sha256(source_date_epoch().encode())
    for path in _inputs(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _pip_wheel(root: Path, out: Path) -> Path:
    env = {**os.environ, "SOURCE_DATE_EPOCH": source_date_epoch(), "PIP_NO_INPUT": "1"}
    command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--quiet", "-w", str(out), str(root)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wheels = sorted(out.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise WheelError(f"`pip wheel` failed for {root} (is flit_core installed? `make setup`): {' '.join(detail)}")
    return wheels[0]


def build_wheel(out_dir: Path | str, *, root: Path = ROOT, cache: Path | None = None) -> Path:
    """Write the wheel into ``out_dir`` (created if needed) and return its path.

    An existing wheel with the same bytes is left alone (so its mtime does not
    change and a live-reloading server sees nothing new).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cached_dir = (cache or root / ".cache" / "wheel") / cache_key(root)
    cached = sorted(cached_dir.glob("*.whl")) if cached_dir.is_dir() else []
    if len(cached) != 1:
        cached_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cached_dir.parent) as temp:
            built = _pip_wheel(root, Path(temp))
            write_if_changed(cached_dir / built.name, built.read_bytes())
        cached = sorted(cached_dir.glob("*.whl"))
    target = out / cached[0].name
    write_if_changed(target, cached[0].read_bytes())
    return target


def write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` atomically, leaving the file (and its mtime) alone when
    it already holds exactly these bytes, so live reload stays quiet."""
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m build_scripts.wheel OUT_DIR", file=sys.stderr)
        return 2
    try:
        path = build_wheel(Path(args[0]))
    except WheelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
