"""Fetch the files GX's Data Docs load from CDNs, from npm at the same versions, into reports/vendor/.

Run by hand when Great Expectations is upgraded (not at install or run time: the files are kept in git so that a
machine without the network builds docs that stand offline). It reads gx-data-docs.json, checks each package's
tarball against the registry's integrity, extracts the files named there with the package's licence file, and
records each file's sha256 and the package's licence in the manifest, which tests/test_data_docs_offline.py checks.

    python reports/vendor/fetch.py
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import urllib.request
from pathlib import Path

VENDOR = Path(__file__).resolve().parent
MANIFEST = VENDOR / "gx-data-docs.json"
REGISTRY = "https://registry.npmjs.org"
LICENCE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


def split(spec: str) -> tuple[str, str, str]:
    """'@scope/name@1.2.3/dist/x.js' -> ('@scope/name', '1.2.3', 'dist/x.js')."""
    parts = spec.split("/")
    head = 2 if spec.startswith("@") else 1  # a scoped name holds one slash of its own
    name, _, version = "/".join(parts[:head]).rpartition("@")
    return name, version, "/".join(parts[head:])


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - the npm registry's https only
        return response.read()


def tarball(name: str, version: str) -> tuple[tarfile.TarFile, dict]:
    """The package's tarball, checked against the registry's sha512 integrity, and its metadata."""
    meta = json.loads(download(f"{REGISTRY}/{name}/{version}"))
    data = download(meta["dist"]["tarball"])
    algorithm, _, expected = meta["dist"]["integrity"].partition("-")
    if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() != expected:
        raise ValueError(f"{name}@{version}: the tarball does not match the registry's integrity")
    return tarfile.open(fileobj=io.BytesIO(data)), meta


def main() -> None:
    manifest = json.loads(MANIFEST.read_text("utf-8"))
    wanted: dict[tuple[str, str], list[str]] = {}
    for spec in [*manifest["urls"].values(), *manifest["also"]]:
        name, version, path = split(spec)
        wanted.setdefault((name, version), []).append(path)
    packages = {}
    for (name, version), paths in sorted(wanted.items()):
        archive, meta = tarball(name, version)
        members = set(archive.getnames())
        licence = next((f for f in LICENCE_FILES if f"package/{f}" in members), None)
        files = {}
        for path in sorted({*paths, *([licence] if licence else [])}):
            data = archive.extractfile(f"package/{path}").read()
            target = VENDOR / f"{name}@{version}" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files[path] = hashlib.sha256(data).hexdigest()
        packages[f"{name}@{version}"] = {"license": meta.get("license"), "licence_file": licence,
                                         "tarball": meta["dist"]["tarball"], "integrity": meta["dist"]["integrity"],
                                         "files": files}
    manifest["packages"] = packages
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
