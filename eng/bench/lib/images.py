"""eng/bench/images: per sample, the image ours builds (`dotnet publish -p:ContainerBuild=true`) against the .NET
SDK's (`dotnet publish -t:PublishContainer`): size compressed and uncompressed, layer count, and reproducibility.

Each tool publishes each sample clean from two clone folders at different paths (as two CI agents would), to a
private registry; the manifests are read back from the registry exactly as served. Reproducible means the same layer
digests and the same manifest digest from both clones. Sizes count every layer, the base image's included (MB =
10^6 bytes); the app's own layers are counted apart, above the base each image was built on (ours: the FROM of its
generated Dockerfile in the store it built with; the SDK's: its org.opencontainers.image.base.digest label, from the
offline OCI layouts or localhost:5000 by digest), never the registry's current tag: eng/setup re-pushes the bases
and debootstrap is not reproducible, so the tag may name another base than the one an image was built on.
"""
from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bases  # noqa: E402
import benchlib as b  # noqa: E402

COMMAND = "bash eng/bench/images"
BASE_REGISTRY = "localhost:5000"
TOOLS = {"ours": "ours (ContainerBuild=true)", "sdk": "SDK PublishContainer"}
CLONES = ["clone-a/src", "other/place/clone-b"]



def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=1)
    p.add_argument("--samples", default=",".join(b.SAMPLES), help="comma-separated: HelloConsole,HelloWeb,Solution")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args()  # --runs is accepted for the contract: sizes and digests do not vary from run to run
    samples = [s for s in args.samples.split(",") if s]
    for s in samples:
        if s not in b.SAMPLES:
            p.error(f"unknown sample {s}")
    b.require_base_registry()
    info = b.machine()
    work = b.scratch_dir("images")
    logs = b.ROOT / "artifacts/bench/logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / "images.log"
    log_file.write_text("")
    registry = b.BenchRegistry(work / "registry")
    bench = ImagesBench(work, registry, log_file)
    try:
        registry.start()
        b.log("Containerize.Sdk: the package of this checkout (packed unless the harness handed its feed)")
        bench.feed, bench.version = b.pack_sdk(b.ROOT / "artifacts/bench", log_file)
        rows = []
        for sample in samples:
            rows += bench.sample_rows(sample)
    finally:
        b.stop_compiler_server(b.dotnet_env(b.nuget_folder()))
        registry.stop()
        if args.keep:
            b.log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nimages: clean builds from two clones per tool; {info['cores']} cores")
    b.print_table(rows)
    if args.json:
        b.write_doc(args.json, "images", rows, info, ours_available=bench.ours_available, ours_reason=bench.ours_reason)
    return 0


class ImagesBench:
    def __init__(self, work: Path, registry: b.BenchRegistry, log_file: Path):
        self.work, self.registry, self.log_file = work, registry, log_file
        self.store = work / "store"
        self.env = b.dotnet_env(b.nuget_folder(), self.store)
        self.feed = self.version = None
        self.ours_available = True
        self.ours_reason = None
        self._uncompressed: dict = {}
        self._sdk_bases: dict = {}

    def sdk_base(self, sample: str) -> str:
        """The SDK's base at one digest for both clones: a base re-pushed between them is no irreproducibility."""
        if sample not in self._sdk_bases:
            self._sdk_bases[sample] = bases.pinned(f"{BASE_REGISTRY}/{b.SAMPLES[sample][2]}")
        return self._sdk_bases[sample]

    def publish(self, tool: str, sample: str, clone: int):
        """Publishes one clean clone; returns (manifest digest, manifest, base layer digests or None) or None when ours
        builds no image."""
        ours = tool == "ours"
        copy = self.work / tool / CLONES[clone] / sample
        b.copy_sample(sample, copy, self.feed if ours else None, self.version if ours else None)
        if not ours:
            b.write_nuget_config(copy, self.feed)
        repo = f"bench/{tool}/clone{clone}/{sample.lower()}"
        cmd = ["dotnet", "publish", copy / b.SAMPLES[sample][1], "-c", "Release", "-nologo", "-v:m",
               f"-p:ContainerRegistry={self.registry.host}", f"-p:ContainerRepository={repo}",
               "-p:ContainerImageTags=latest"]
        if ours:
            cmd += ["-p:ContainerBuild=true", f"-p:ContainerBaseImageMirror={BASE_REGISTRY}"]
        else:
            cmd += ["-t:PublishContainer", f"-p:ContainerBaseImage={self.sdk_base(sample)}"]
        b.log(f"{tool}: publish {sample} from {CLONES[clone]}")
        try:
            b.run(cmd, env=self.env, log_file=self.log_file)
        except b.CommandFailed as e:
            if ours:
                return self.unavailable(f"the publish failed ({e})")
            raise
        digest, manifest = self.registry.manifest(repo, "latest")
        if digest is None:
            if ours:
                return self.unavailable("the publish succeeded but pushed no image "
                                        "(Containerize.Sdk does not build images in this checkout)")
            raise b.CommandFailed(f"the SDK pushed no image for {sample}; see {self.log_file}")
        if "manifests" in manifest:  # an image index: measure the linux/amd64 image
            child = next((m for m in manifest["manifests"] if m.get("platform", {}).get("architecture") in (None, "amd64")),
                         manifest["manifests"][0])
            _, manifest = self.registry.manifest(repo, child["digest"])
        if ours:
            base = bases.ours_base_layers(copy / Path(b.SAMPLES[sample][1]).parent / "obj/container", manifest,
                                          self.store)
        else:
            base = bases.resolve_base_layers(self.registry.blob_json(manifest["config"]["digest"]), bases.LAYOUT_ROOTS)
        return digest, manifest, base

    def unavailable(self, reason: str):
        if self.ours_available:
            b.log(f"ours: not available in this checkout: {reason}")
        self.ours_available = False
        self.ours_reason = reason
        return None

    def uncompressed_size(self, layer: dict) -> int | None:
        digest = layer["digest"]
        if digest not in self._uncompressed:
            path = self.registry.blob_path(digest)
            media = layer.get("mediaType", "")
            size = 0
            if media.endswith("zstd"):
                if not shutil.which("zstd"):
                    self._uncompressed[digest] = None
                    return None
                proc = subprocess.Popen(["zstd", "-dc", str(path)], stdout=subprocess.PIPE)
                stream = proc.stdout
            elif media.endswith("gzip"):
                stream = gzip.open(path, "rb")
            else:
                stream = open(path, "rb")
            with stream:
                while chunk := stream.read(1 << 20):
                    size += len(chunk)
            self._uncompressed[digest] = size
        return self._uncompressed[digest]

    def describe(self, manifest: dict, base) -> dict:
        layers = manifest["layers"]
        unc = [self.uncompressed_size(l) for l in layers]
        app = bases.app_layers(layers, base)
        return {"layers": len(layers), "app_layers": None if app is None else len(app),
                "compressed": round(sum(l["size"] for l in layers) / 1e6, 3),
                "uncompressed": None if None in unc else round(sum(unc) / 1e6, 3),
                "app_compressed": None if app is None else round(sum(l["size"] for l in app) / 1e6, 3),
                "digests": [l["digest"] for l in layers], "base": None if app is None else list(base)}

    def sample_rows(self, sample: str) -> list:
        found = {}
        for tool in TOOLS:
            if tool == "ours" and not self.ours_available:
                found[tool] = None
                continue
            a = self.publish(tool, sample, 0)
            c = self.publish(tool, sample, 1) if a else None
            found[tool] = (a, c) if a and c else None
        d = {t: (self.describe(v[0][1], v[0][2]), self.describe(v[1][1], v[1][2]), v[0][0], v[1][0]) if v else None
             for t, v in found.items()}
        note = None if self.ours_available else f"ours: not available in this checkout ({self.ours_reason})"
        unresolved = [TOOLS[t] for t, v in d.items() if v is not None and v[0]["app_layers"] is None]
        app_note = "; ".join(x for x in (note, f"the base of {', '.join(unresolved)} could not be resolved (ours: "
                                         "its Dockerfile's FROM in its store; the SDK: the manifest its "
                                         f"{bases.BASE_DIGEST_LABEL} label names, in no layout nor registry)"
                                         if unresolved else None) if x) or None

        def val(tool, key):
            return None if d[tool] is None else d[tool][0][key]

        def r(id, what, unit, key, row_note=note, **kw):
            return b.row(f"images.{sample}.{id}", f"{sample} {what}", "cold", val("ours", key), unit, TOOLS["sdk"],
                         val("sdk", key), COMMAND, note=row_note, sample=sample, **kw)

        rows = [r("size-compressed", "image size, compressed", "MB", "compressed"),
                r("size-uncompressed", "image size, uncompressed", "MB", "uncompressed"),
                r("app-size-compressed", "app layers above the base each image was built on, compressed", "MB",
                  "app_compressed", row_note=app_note,
                  # Whether both images stand on the same base layers (None when either is unknown).
                  same_base=None if not (val("ours", "base") and val("sdk", "base")) else
                  val("ours", "base") == val("sdk", "base")),
                r("layers", "layer count (app layers: ours "
                  f"{val('ours', 'app_layers') if d['ours'] else '-'}, SDK {val('sdk', 'app_layers')})",
                  "layers", "layers")]

        def same_layers(tool):
            if d[tool] is None:
                return None
            x, y = d[tool][0]["digests"], d[tool][1]["digests"]
            return sum(1 for p, q in zip(x, y) if p == q)

        def same_manifest(tool):
            return None if d[tool] is None else int(d[tool][2] == d[tool][3])

        ours_same, ours_total = same_layers("ours"), val("ours", "layers")
        rows.append(b.row(f"images.{sample}.repro-layers",
                          f"{sample} layer digests equal across two clean builds in two clones "
                          f"(of ours {ours_total or '-'}, SDK {val('sdk', 'layers')})", "cold", ours_same, "layers",
                          TOOLS["sdk"], same_layers("sdk"), COMMAND, target="all layers equal",
                          met=None if ours_same is None else ours_same == ours_total, note=note, sample=sample))
        ours_m = same_manifest("ours")
        rows.append(b.row(f"images.{sample}.repro-manifest",
                          f"{sample} manifest digest equal across two clean builds in two clones (1 = yes)", "cold",
                          ours_m, "match", TOOLS["sdk"], same_manifest("sdk"), COMMAND, target="same digest",
                          met=None if ours_m is None else ours_m == 1, note=note, sample=sample))
        for x in rows[-2:]:
            x["ratio"] = None  # counts of matches, not a cost: a ratio would mean nothing
        return rows


if __name__ == "__main__":
    try:
        sys.exit(main())
    except b.CommandFailed as e:
        print(f"eng/bench/images: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
