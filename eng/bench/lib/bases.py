"""Which base an image was built on, and its layers above that base (issues #7, #9).

Never the registry's current tag: eng/setup re-pushes the offline bases and debootstrap is not reproducible, so the
tag may name another base than the one an image was built on. Ours records its base layer count in
obj/container/image.json; the SDK labels its image with the base's manifest digest.
"""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import benchlib as b

BASE_DIGEST_LABEL = "org.opencontainers.image.base.digest"
BASE_NAME_LABEL = "org.opencontainers.image.base.name"
# Where a base manifest named by digest may be found: the offline layouts eng/setup pushes (this checkout's, then those
# beside the lab CTZ_LAB names), before the registry by digest.
LAYOUT_ROOTS = [b.ROOT / "artifacts/base-images"] + \
    ([Path(os.environ["CTZ_LAB"]).parent / "base-images"] if os.environ.get("CTZ_LAB") else [])


def pinned(reference: str, registry_url: str = "http://127.0.0.1:5000") -> str:
    """'localhost:5000/dotnet/aspnet:10.0' -> the same at the digest the tag names now, so that a base re-pushed
    during a run does not change the SDK's base half-way (the reference itself when the registry does not say)."""
    host, _, rest = reference.partition("/")
    repo, _, tag = rest.rpartition(":")
    req = urllib.request.Request(f"{registry_url}/v2/{repo}/manifests/{tag}", headers={"Accept": b.MANIFEST_ACCEPT},
                                 method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            digest = resp.headers.get("Docker-Content-Digest")
    except OSError:
        digest = None
    return f"{host}/{repo}@{digest}" if digest else reference


def app_layers(layers: list, base_digests) -> list | None:
    """The image's layers above its base: those after the base's own, in order. None when the base is unknown.
    A base layer the image does not start with means the image was not built on that base: unknown, not a guess."""
    if base_digests is None:
        return None
    base_digests = list(base_digests)
    if [l["digest"] for l in layers[:len(base_digests)]] != base_digests:
        return None
    return layers[len(base_digests):]


def ours_base_layers(container_dir: Path, manifest: dict) -> list | None:
    """Ours records how many of its image's layers are the base's (obj/container/image.json, `baseLayers`), and the
    manifest it built (obj/container/manifest.json): the base is what the build resolved, whatever the tag says now."""
    try:
        meta = json.loads((container_dir / "image.json").read_text())
        built = json.loads((container_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    count = meta.get("baseLayers")
    if not isinstance(count, int) or count > len(built.get("layers", [])):
        return None
    base = [l["digest"] for l in built["layers"][:count]]
    # The image read back must be the one this build recorded, or the count would describe another image.
    if [l["digest"] for l in manifest["layers"][:count]] != base:
        return None
    return base


def resolve_base_layers(config: dict | None, layout_roots, registry_url: str = "http://127.0.0.1:5000") -> list | None:
    """The layers of the base an image's config names by digest (the SDK's org.opencontainers.image.base.digest label),
    read from an OCI layout holding that manifest, else from the registry by digest. None when it cannot be found."""
    labels = ((config or {}).get("config") or {}).get("Labels") or {}
    digest = labels.get(BASE_DIGEST_LABEL)
    return layers_at(digest, labels.get(BASE_NAME_LABEL), layout_roots, registry_url) if digest else None


def layers_at(digest: str, name: str | None, layout_roots, registry_url: str = "http://127.0.0.1:5000") -> list | None:
    """The layer digests of the image a manifest or index digest names (an index: its linux/amd64 image, as both tools
    build here)."""
    manifest = read_manifest(digest, name, layout_roots, registry_url)
    if manifest and "manifests" in manifest:
        child = next((m for m in manifest["manifests"]
                      if m.get("platform", {}).get("architecture") == "amd64"), None)
        manifest = read_manifest(child["digest"], name, layout_roots, registry_url) if child else None
    if not manifest or "layers" not in manifest:
        return None
    return [l["digest"] for l in manifest["layers"]]


def read_manifest(digest: str, name: str | None, layout_roots, registry_url: str) -> dict | None:
    algo, _, hexd = digest.partition(":")
    for root in layout_roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for layout in sorted(p for p in root.iterdir() if (p / "oci-layout").exists()):
            blob = layout / "blobs" / algo / hexd
            if blob.is_file():
                return json.loads(blob.read_bytes())
    repo = registry_repo(name)
    if repo is None:
        return None
    req = urllib.request.Request(f"{registry_url}/v2/{repo}/manifests/{digest}", headers={"Accept": b.MANIFEST_ACCEPT})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())
    except (OSError, ValueError):
        return None


def registry_repo(name: str | None) -> str | None:
    """'localhost:5000/dotnet/runtime:10.0' (or @digest) -> 'dotnet/runtime'; None for a name with no registry host."""
    if not name or "/" not in name:
        return None
    host, _, rest = name.partition("/")
    if "." not in host and ":" not in host and host != "localhost":
        return None
    rest = rest.split("@", 1)[0]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest
