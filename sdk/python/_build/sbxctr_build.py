# SPDX-License-Identifier: Apache-2.0
"""A PEP 517 build backend for the sbxctr package, standard library only.

pip builds a package in an isolated environment into which it installs the
backend's requirements; setuptools would have to come from an index. This
backend needs nothing, so `pip install ./sdk/python` works offline. It
builds a pure-Python wheel (the sbxctr/ package) and a source archive.
"""
import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "sbxctr"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = "py3-none-any"
DIST = f"{NAME}-{VERSION}"

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Client for sbxctr serve: run untrusted code in sandboxes over HTTP/JSON
License: Apache-2.0
Requires-Python: >=3.8
"""

WHEEL = f"""Wheel-Version: 1.0
Generator: sbxctr_build
Root-Is-Purelib: true
Tag: {TAG}
"""


def _package_files():
    pkg = os.path.join(HERE, NAME)
    for root, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py") or f == "py.typed":
                full = os.path.join(root, f)
                yield full, os.path.relpath(full, HERE)


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, f"{DIST}.dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(METADATA)
    with open(os.path.join(info, "WHEEL"), "w") as f:
        f.write(WHEEL)
    return f"{DIST}.dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{DIST}-{TAG}.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for full, rel in _package_files():
            with open(full, "rb") as f:
                data = f.read()
            z.writestr(rel, data)
            records.append(_record_line(rel, data))
        for fname, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
            arc = f"{DIST}.dist-info/{fname}"
            z.writestr(arc, text)
            records.append(_record_line(arc, text.encode()))
        records.append(f"{DIST}.dist-info/RECORD,,")
        z.writestr(f"{DIST}.dist-info/RECORD", "\n".join(records) + "\n")
    return name


def build_sdist(sdist_directory, config_settings=None):
    name = f"{DIST}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ("pyproject.toml", "README.md", "_build/sbxctr_build.py"):
            t.add(os.path.join(HERE, rel), arcname=f"{DIST}/{rel}")
        for full, rel in _package_files():
            t.add(full, arcname=f"{DIST}/{rel}")
        info = tarfile.TarInfo(f"{DIST}/PKG-INFO")
        data = METADATA.encode()
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return name
