"""Build the engine's wheel in pure Python, byte for byte the same every time.

The site ships ``calculator/`` to the browser as a wheel whose sha256 the
worker checks before installing it into Pyodide. Building it here with
:mod:`zipfile` (rather than running pip on every site build) keeps the build
fast and the bytes stable: fixed timestamps (1980-01-01), sorted entries, fixed
permissions and a fixed compression level, so the same sources always give the
same sha256.

The wheel holds the package's ``*.py`` files and ``rules.toml`` (never
``__pycache__``), a ``*.dist-info/METADATA`` built from ``pyproject.toml``, a
``WHEEL`` file (``Root-Is-Purelib: true``, ``Tag: py3-none-any``), the console
script in ``entry_points.txt`` and a ``RECORD`` with the sha256 of every file.

Runnable: ``python -m build_scripts.wheel OUT_DIR`` prints the wheel's path.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "calculator"
DATA_FILES = ("rules.toml",)  # pyproject's package-data, besides the modules
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip file can hold
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESS_LEVEL = 9
GENERATOR = "build_scripts.wheel"


class WheelError(RuntimeError):
    """The wheel cannot be built (missing metadata or sources)."""


def project(root: Path = ROOT) -> dict:
    """The ``[project]`` table of ``pyproject.toml``."""
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WheelError(f"{path}: not found") from None
    meta = data.get("project", {})
    for key in ("name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise WheelError(f"{path}: [project] needs a '{key}'")
    return meta


def normalized_name(name: str) -> str:
    """The distribution name as wheel file names spell it (PEP 427/503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_name(root: Path = ROOT) -> str:
    """``buildvsbuy_calculator-<version>-py3-none-any.whl``."""
    meta = project(root)
    return f"{normalized_name(meta['name'])}-{meta['version']}-py3-none-any.whl"


def package_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """(archive name, source path) of each file that goes in, sorted by name."""
    package = root / PACKAGE
    if not (package / "__init__.py").is_file():
        raise WheelError(f"{package}: not a package (no __init__.py)")
    found: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        relative = path.relative_to(root)
        if "__pycache__" in relative.parts or not path.is_file():
            continue
        found[relative.as_posix()] = path
    for name in DATA_FILES:
        path = package / name
        if not path.is_file():
            raise WheelError(f"{path}: missing (the engine cannot run without it)")
        found[f"{PACKAGE}/{name}"] = path
    return sorted(found.items())


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` as RECORD writes it."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _metadata(meta: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {meta['version']}",
    ]
    if meta.get("description"):
        lines.append(f"Summary: {meta['description']}")
    license_ = meta.get("license")
    if isinstance(license_, dict) and license_.get("text"):
        lines.append(f"License: {license_['text']}")
    if meta.get("requires-python"):
        lines.append(f"Requires-Python: {meta['requires-python']}")
    for requirement in meta.get("dependencies", []):
        lines.append(f"Requires-Dist: {requirement}")
    return "\n".join(lines) + "\n"


def _wheel_file() -> str:
    return "\n".join(
        [
            "Wheel-Version: 1.0",
            f"Generator: {GENERATOR}",
            "Root-Is-Purelib: true",
            "Tag: py3-none-any",
        ]
    ) + "\n"


def _entry_points(meta: dict) -> str | None:
    scripts = meta.get("scripts") or {}
    if not scripts:
        return None
    lines = ["[console_scripts]"] + [f"{name} = {target}" for name, target in sorted(scripts.items())]
    return "\n".join(lines) + "\n"


def wheel_contents(root: Path = ROOT) -> list[tuple[str, bytes]]:
    """Every (archive name, bytes) of the wheel, in archive order, RECORD last."""
    meta = project(root)
    dist_info = f"{normalized_name(meta['name'])}-{meta['version']}.dist-info"
    entries = [(name, path.read_bytes()) for name, path in package_files(root)]
    entries.append((f"{dist_info}/METADATA", _metadata(meta).encode("utf-8")))
    entries.append((f"{dist_info}/WHEEL", _wheel_file().encode("utf-8")))
    entry_points = _entry_points(meta)
    if entry_points:
        entries.append((f"{dist_info}/entry_points.txt", entry_points.encode("utf-8")))
    entries.append((f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8")))
    record_name = f"{dist_info}/RECORD"
    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{record_name},,\n"
    entries.append((record_name, record.encode("utf-8")))
    return entries


def wheel_bytes(root: Path = ROOT) -> bytes:
    """The wheel as bytes: the same sources always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in wheel_contents(root):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that external_attr means a mode
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def build_wheel(out_dir: Path | str, *, root: Path = ROOT) -> Path:
    """Write the wheel into ``out_dir`` (created if needed) and return its path.

    An existing wheel with the same bytes is left alone (so its mtime does not
    change and a live-reloading server sees nothing new); otherwise the file is
    replaced atomically.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / wheel_name(root)
    write_if_changed(target, wheel_bytes(root))
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
