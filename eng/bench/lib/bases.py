"""Which base an image was built on, and its layers above that base (issues #7, #9).

Never the registry's current tag: eng/setup re-pushes the offline bases and debootstrap is not reproducible, so the
tag may name another base than the one an image was built on. Ours: the FROM of the Dockerfile it generated, looked
up in the store it built with; the SDK labels its image with the base's manifest digest.
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


def ours_base_layers(container_dir: Path, manifest: dict, store: Path) -> list | None:
    """The layers of the base ours built on: the final FROM of the Dockerfile it generated (obj/container/Dockerfile),
    looked up in the image store the build used, an OCI layout (the bench gives ours a store of its own, so the name
    there is the base this build resolved). Not image.json's `baseLayers`: that count also holds the WORKDIR's layer,
    which is the app's. The image read back must start with those layers, or the answer is unknown."""
    try:
        ref = final_from((container_dir / "Dockerfile").read_text())
        index = json.loads((Path(store) / "index.json").read_text())
    except (OSError, ValueError):
        return None
    # The generated Dockerfile pins the resolved digest (FROM name:tag@sha256:...): the store's entry for the tag.
    name, _, pinned = (ref or "").partition("@")
    entry = next((m for m in index.get("manifests", [])
                  if name in ((m.get("annotations") or {}).get("org.opencontainers.image.ref.name"),
                              (m.get("annotations") or {}).get("io.containerd.image.name"))
                  and (not pinned or m.get("digest") == pinned)), None) if ref else None
    if entry is None:
        return None
    layers = layers_at(entry["digest"], None, [], None, layouts=[Path(store)])
    if layers is None or [l["digest"] for l in manifest["layers"][:len(layers)]] != layers:
        return None
    return layers


def final_from(dockerfile: str) -> str | None:
    """The image reference of the last FROM (its flags and `AS name` left out); None when there is none."""
    ref = None
    for line in dockerfile.splitlines():
        words = line.split()
        if words and words[0].upper() == "FROM":
            args = [w for w in words[1:] if not w.startswith("--")]
            ref = args[0] if args else None
    return ref


def resolve_base_layers(config: dict | None, layout_roots, registry_url: str = "http://127.0.0.1:5000") -> list | None:
    """The layers of the base an image's config names by digest (the SDK's org.opencontainers.image.base.digest label),
    read from an OCI layout holding that manifest, else from the registry by digest. None when it cannot be found."""
    labels = ((config or {}).get("config") or {}).get("Labels") or {}
    digest = labels.get(BASE_DIGEST_LABEL)
    return layers_at(digest, labels.get(BASE_NAME_LABEL), layout_roots, registry_url) if digest else None


def layers_at(digest: str, name: str | None, layout_roots, registry_url: str | None = "http://127.0.0.1:5000",
              layouts=None) -> list | None:
    """The layer digests of the image a manifest or index digest names (an index: its linux/amd64 image, as both tools
    build here). `layouts` are OCI layouts to read first; `layout_roots` folders of layouts; then the registry."""
    manifest = read_manifest(digest, name, layout_roots, registry_url, layouts)
    if manifest and "manifests" in manifest:
        child = next((m for m in manifest["manifests"]
                      if m.get("platform", {}).get("architecture") == "amd64"), None)
        manifest = read_manifest(child["digest"], name, layout_roots, registry_url, layouts) if child else None
    if not manifest or "layers" not in manifest:
        return None
    return [l["digest"] for l in manifest["layers"]]


def read_manifest(digest: str, name: str | None, layout_roots, registry_url: str | None, layouts=None) -> dict | None:
    algo, _, hexd = digest.partition(":")
    candidates = [Path(p) for p in layouts or []]
    for root in map(Path, layout_roots):
        if root.is_dir():
            candidates += sorted(p for p in root.iterdir() if (p / "oci-layout").exists())
    for layout in candidates:
        blob = layout / "blobs" / algo / hexd
        if blob.is_file():
            return json.loads(blob.read_bytes())
    repo = registry_repo(name)
    if repo is None or registry_url is None:
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
