"""Fetches the pinned npm packages into a cache folder outside the repository and unpacks them.

``npm pack <name>@<version>`` downloads the tarball; its sha512 is compared with the ``integrity``
pinned in sources.json (npm's ``dist.integrity``) before anything is extracted. Only the listed
member prefixes are unpacked, and only regular files with relative paths free of "..".
A second build finds the verified tarball and the unpacked tree in the cache and needs no network.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("STEPWISE_NPM_CACHE", Path.home() / ".cache" / "stepwise" / "npm"))


def load_sources(path):
    """The package list of sources.json, each checked for the fields the build uses."""
    with open(path, encoding="utf-8") as handle:
        sources = json.load(handle)
    packages = sources.get("packages")
    if not isinstance(packages, list) or not packages:
        raise ValueError("%s has no 'packages' list" % path)
    for package in packages:
        for field in ("id", "npm", "version", "integrity", "members", "licence", "licence_file"):
            if field not in package:
                raise ValueError("package %r in %s lacks the field %r" % (package.get("id"), path, field))
        if not str(package["integrity"]).startswith("sha512-"):
            raise ValueError("package %s has integrity %r; expected npm's sha512-<base64>"
                             % (package["id"], package["integrity"]))
    return {package["id"]: package for package in packages}


def integrity_of(path):
    """npm's Subresource-Integrity string of a file: "sha512-" + base64(sha512(bytes))."""
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def tarball_name(package):
    """File name npm pack gives: "@scope/name" -> "scope-name-<version>.tgz"."""
    return "%s-%s.tgz" % (package["npm"].lstrip("@").replace("/", "-"), package["version"])


def _download(package, cache):
    spec = "%s@%s" % (package["npm"], package["version"])
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            ["npm", "pack", spec, "--pack-destination", tmp, "--silent"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError("npm pack %s failed: %s" % (spec, result.stderr.strip()[-500:]))
        produced = Path(tmp) / tarball_name(package)
        if not produced.is_file():
            raise RuntimeError("npm pack %s did not produce %s" % (spec, produced.name))
        target = cache / produced.name
        os.replace(produced, target)
    return target


def verified_tarball(package, cache=DEFAULT_CACHE):
    """Path of the package's tarball in the cache, downloaded if missing, integrity checked."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / tarball_name(package)
    if not tarball.is_file() or integrity_of(tarball) != package["integrity"]:
        tarball = _download(package, cache)
    actual = integrity_of(tarball)
    if actual != package["integrity"]:
        tarball.unlink()
        raise RuntimeError("tarball of %s@%s has integrity %s, but sources.json pins %s"
                           % (package["npm"], package["version"], actual, package["integrity"]))
    return tarball


def safe_extract(tarball, dest, prefixes):
    """Extracts the regular files whose names start with one of prefixes into dest.

    Raises ValueError for a member with an absolute path or a ".." part; links and devices are
    skipped. Returns the number of files written.
    """
    count = 0
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            name = member.name
            if not any(name.startswith(prefix) or name == prefix.rstrip("/") for prefix in prefixes):
                continue
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts:
                raise ValueError("tarball %s has an unsafe member path %r" % (tarball, name))
            if not member.isfile():
                continue
            target = Path(dest, *parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
            count += 1
    return count


def fetch(package, cache=DEFAULT_CACHE):
    """Folder holding the package's extracted members (the tarball's "package/" root)."""
    cache = Path(cache)
    tarball = verified_tarball(package, cache)
    dest = cache / tarball.name[: -len(".tgz")]
    marker = dest / ".stepwise-extracted"
    stamp = json.dumps({"integrity": package["integrity"], "members": package["members"]})
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
        return dest / "package"
    if dest.exists():
        shutil.rmtree(dest)
    staging = Path(tempfile.mkdtemp(dir=cache))
    try:
        if safe_extract(tarball, staging, package["members"]) == 0:
            raise RuntimeError("tarball %s holds none of %s" % (tarball, package["members"]))
        (staging / ".stepwise-extracted").write_text(stamp, encoding="utf-8")
        os.replace(staging, dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return dest / "package"
