"""Files the suite ships inside its package (the OpenAPI specs and IAM catalog of
`conformance/data/`, the load kit's Locust files), found with importlib.resources so that an
editable install, an install from source and a wheel all find them, from any working folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

_extracted: dict[tuple[str, ...], Path] = {}


def shipped_path(package: str, *parts: str) -> Path:
    """The file or folder `parts` of `package`, as a path on disk.

    pip always installs a package as files, and then this is the installed file itself. A
    package imported from an archive (a zip on sys.path) is copied out once per process to a
    temporary folder removed at exit, because the spec loader and Locust need real paths.
    """
    node = files(package).joinpath(*parts)
    if isinstance(node, Path):
        return node
    key = (package, *parts)
    if key not in _extracted:
        if not node.is_file() and not node.is_dir():
            raise FileNotFoundError(f"{package} ships no {'/'.join(parts)}")
        root = Path(tempfile.mkdtemp(prefix="gwconform-data-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _extracted[key] = _copy(node, root / node.name)
    return _extracted[key]


def _copy(node: Traversable, dest: Path) -> Path:
    if node.is_dir():
        dest.mkdir()
        for child in node.iterdir():
            _copy(child, dest / child.name)
    else:
        dest.write_bytes(node.read_bytes())
    return dest
