"""eng/bench/publish: `dotnet publish -p:ContainerBuild=true` (ours) against the .NET SDK's
`dotnet publish -t:PublishContainer` and a plain `dotnet publish`, on copies of the samples (issue #7, Performance).

Each tool and destination has its own copy of each sample, so the states of one never disturb another. Every run
walks each copy through the three states, the tools interleaved within each state so that drift hits all of them:
  cold              clean: bin/ and obj/ removed (NuGet packages and base images already in each tool's cache)
  cached            nothing changed since the previous publish
  one-file-changed  one source file of the app changed (a new constant, so the assembly really changes)
  fresh-runner      a hosted CI runner: bin/ and obj/ removed, an empty image store for ours and an empty container
                    cache for the SDK (each publish gets a new TMPDIR: the SDK keeps its base layers under
                    $TMPDIR/Containers), the base only in the lab registry; a registry publish pushes to that same
                    registry under another repository, so both tools can mount the base's layers (NuGet stays warm)
Destinations: a tarball (ContainerArchiveOutputPath) and a registry (ContainerRegistry). The registry is a private
one started here with its access log on (the shared localhost:5000 keeps serving the base images), so the blobs each
publish uploads can be counted.
Two plain publishes: "plain", the sample as it is, and, in the clean state only, "package", the same sample with
Containerize.Sdk referenced and no image asked for. A container part is a tool's publish minus the plain publish of
the same project with that tool installed: the SDK's containers are always there, ours is a PackageReference, and
NuGet restores a project with one PackageReference about 0.1 s slower than one with none, whatever the package holds.
The rows show that cost apart, and ours' part against a publish without the package too.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bases  # noqa: E402
import benchlib as b  # noqa: E402

COMMAND = "bash eng/bench/publish"
STATES = ["cold", "cached", "one-file-changed", "fresh-runner"]
STATE_TEXT = {"cold": "clean (bin/ obj/ removed, base images cached)", "cached": "nothing changed",
              "one-file-changed": "one source file changed",
              "fresh-runner": "fresh CI runner (clean, empty image store and SDK container cache, base only in the "
                              "lab registry, pushed to that registry)"}
# The states whose outputs are removed first, and whose container part (a tool's publish minus a plain one) is reported.
CLEAN_STATES = ("cold", "fresh-runner")
DESTINATIONS = ["tarball", "registry"]
BASE_REGISTRY = "localhost:5000"


def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=3)
    p.add_argument("--samples", default=",".join(b.SAMPLES), help="comma-separated: HelloConsole,HelloWeb,Solution")
    p.add_argument("--destinations", default=",".join(DESTINATIONS), help="comma-separated: tarball,registry")
    p.add_argument("--states", default=",".join(STATES), help="comma-separated: cold,cached,one-file-changed,fresh-runner")
    p.add_argument("--sample-runs", default="", metavar="SAMPLE=N,...",
                   help="fewer runs for some samples: they take part in the first N of the interleaved runs")
    p.add_argument("--clean-runs", type=int, default=0, metavar="N",
                   help="runs of the clean state, the container parts' (more than --runs: the extra ones time it alone)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (printed at the end)")
    args = p.parse_args()
    try:
        sample_runs = parse_sample_runs(args.sample_runs)
    except ValueError as e:
        p.error(str(e))
    samples = [s for s in args.samples.split(",") if s]
    dests = [d for d in args.destinations.split(",") if d]
    states = [s for s in STATES if s in args.states.split(",")]
    for s in args.states.split(","):
        if s not in STATES:
            p.error(f"unknown state {s}")
    for s in list(samples) + list(sample_runs):
        if s not in b.SAMPLES:
            p.error(f"unknown sample {s}")
    for d in dests:
        if d not in DESTINATIONS:
            p.error(f"unknown destination {d}")

    b.require_base_registry()
    info = b.machine()
    work = b.scratch_dir("publish")
    logs = b.ROOT / "artifacts/bench/logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / "publish.log"
    log_file.write_text("")
    registry = b.BenchRegistry(work / "registry") if "registry" in dests else None
    try:
        if registry:
            registry.start()
        bench = PublishBench(work, samples, dests, states, registry, log_file, sample_runs)
        bench.prepare()
        bench.measure(args.runs, args.clean_runs)
        rows = bench.rows()
    finally:
        b.stop_compiler_server(b.dotnet_env(b.nuget_folder()))
        if registry:
            registry.stop()
        if args.keep:
            b.log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    fewer = "".join(f", {k} in the first {v}" for k, v in sample_runs.items() if v < args.runs)
    if args.clean_runs > args.runs:
        fewer += f", the clean state in {args.clean_runs}"
    print(f"\npublish: {args.runs} interleaved runs{fewer}, medians; {info['cores']} cores, load before "
          f"{info['load_before']}")
    b.print_table(rows)
    print("states: " + "; ".join(f"{k} = {v}" for k, v in STATE_TEXT.items()))
    if args.json:
        b.write_doc(args.json, "publish", rows, info, runs=args.runs, clean_runs=max(args.runs, args.clean_runs),
                    sample_runs=sample_runs,
                    times={"|".join(k): v for k, v in sorted(bench.times.items())},
                    ours_available=bench.ours_available,
                    ours_reason=bench.ours_reason)
    return 0


class PublishBench:
    def __init__(self, work: Path, samples, dests, states, registry, log_file: Path, sample_runs=None):
        self.work, self.samples, self.dests, self.registry, self.log_file = work, samples, dests, registry, log_file
        self.states = states
        self.sample_runs = sample_runs or {}
        self.store = work / "store"
        self.env = b.dotnet_env(b.nuget_folder(), self.store)
        self.ours_available = True
        self.ours_reason = None
        # times[(tool, sample, state)] = [seconds per run]; uploads[(tool, sample, state)] = [layer blobs per run]
        self.times: dict = {}
        self.uploads: dict = {}
        # The SDK's base per sample, at the digest the shared registry's tag names when the run starts.
        self.sdk_base: dict = {}
        # Per sample, why ours and the SDK may not compare like for like (their bases differ); None when they agree.
        self.base_notes: dict = {}

    # Tools are "plain", "package" (plain, with the package referenced), "sdk-<dest>", "ours-<dest>" and
    # "portable-<dest>" (ours with CTZ_FILESYSTEM=portable: the file-system path of Windows, macOS and musl; timed in
    # the clean state only, against ours).
    def tools(self) -> list[str]:
        t = []
        for d in self.dests:
            t += [f"ours-{d}", f"sdk-{d}"]
        if "cold" in self.states:
            t += [f"portable-{d}" for d in self.dests]
        return t + ["plain", "package"]

    @staticmethod
    def is_ours(tool: str) -> bool:
        return tool.startswith("ours") or tool.startswith("portable")

    @classmethod
    def has_package(cls, tool: str) -> bool:
        return cls.is_ours(tool) or tool == "package"

    def env_of(self, tool: str) -> dict:
        return {**self.env, "CTZ_FILESYSTEM": "portable"} if tool.startswith("portable") else self.env

    @staticmethod
    def is_plain(tool: str) -> bool:
        return tool in ("plain", "package")

    def copy_of(self, tool: str, sample: str) -> Path:
        return self.work / "copies" / tool / sample

    def archive_of(self, tool: str, sample: str) -> Path:
        return self.work / "archives" / f"{tool}-{sample.lower()}.tar.gz"

    def repo_of(self, tool: str, sample: str, state: str | None = None) -> str:
        # A fresh runner pushes to the base's own registry: another repository than the other states' pushes there.
        prefix = "bench-fresh" if state == "fresh-runner" else "bench"
        return f"{prefix}/{tool.split('-')[0]}/{sample.lower()}"

    def command(self, tool: str, sample: str, state: str | None = None) -> list:
        project = self.copy_of(tool, sample) / b.SAMPLES[sample][1]
        cmd = ["dotnet", "publish", project, "-c", "Release", "-nologo", "-v:m"]
        if self.is_plain(tool):
            return cmd
        kind, dest = tool.split("-")
        cmd += [f"-p:ContainerRepository={self.repo_of(tool, sample, state)}", "-p:ContainerImageTags=latest"]
        if kind == "sdk":
            cmd += ["-t:PublishContainer", f"-p:ContainerBaseImage={self.sdk_base[sample]}"]
        else:
            cmd += ["-p:ContainerBuild=true", f"-p:ContainerBaseImageMirror={BASE_REGISTRY}"]
        if dest == "tarball":
            cmd.append(f"-p:ContainerArchiveOutputPath={self.archive_of(tool, sample)}")
        elif state == "fresh-runner":
            cmd.append(f"-p:ContainerRegistry={BASE_REGISTRY}")
        else:
            cmd.append(f"-p:ContainerRegistry={self.registry.host}")
        return cmd

    def fresh_env(self, tool: str, sample: str, i: int) -> tuple[dict, Path]:
        """A new TMPDIR (the SDK's container cache is $TMPDIR/Containers) and, for ours, a new image store."""
        root = self.work / "fresh" / f"{tool}-{sample}-{i}"
        shutil.rmtree(root, ignore_errors=True)
        (root / "tmp").mkdir(parents=True)
        env = {**self.env_of(tool), "TMPDIR": str(root / "tmp")}
        if self.has_package(tool):
            env["CONTAINERIZE_STORE"] = str(root / "store")
        return env, root

    def prepare(self) -> None:
        b.log("Containerize.Sdk: the package of this checkout (packed unless the harness handed its feed)")
        feed, version = b.pack_sdk(b.ROOT / "artifacts/bench", self.log_file)
        (self.work / "archives").mkdir(parents=True, exist_ok=True)
        for sample in self.samples:
            self.sdk_base[sample] = bases.pinned(f"{BASE_REGISTRY}/{b.SAMPLES[sample][2]}")
            b.log(f"SDK base for {sample}: {self.sdk_base[sample]}")
        for sample in self.samples:
            for tool in self.tools():
                ours = self.has_package(tool)
                b.copy_sample(sample, self.copy_of(tool, sample), feed if ours else None, version if ours else None)
                if not ours:
                    # The same nuget.org-only restore as a user's repository (the repo's nuget.config is not above).
                    b.write_nuget_config(self.copy_of(tool, sample), feed)
        # Warm-up: restore, NuGet and base-image caches, and the check that each tool produces an image at all.
        for sample in self.samples:
            for tool in self.tools():
                if self.is_ours(tool) and not self.ours_available:
                    continue
                b.log(f"warm-up: {tool} {sample}")
                try:
                    b.run(self.command(tool, sample), env=self.env_of(tool), log_file=self.log_file)
                except b.CommandFailed as e:
                    if self.is_ours(tool):
                        self.mark_ours_unavailable(f"the publish failed ({e})")
                        continue
                    raise
                if not self.is_plain(tool) and not self.produced_image(tool, sample):
                    if self.is_ours(tool):
                        self.mark_ours_unavailable("the publish succeeded but wrote no image "
                                                   "(Containerize.Sdk does not build images in this checkout)")
                        continue
                    raise b.CommandFailed(f"{tool} wrote no image for {sample}; see {self.log_file}")
        for sample in self.samples:
            self.check_bases(sample)

    def check_bases(self, sample: str) -> None:
        """Ours (base through ContainerBaseImageMirror, pulled into its store by the warm-up) and the SDK (base pinned
        by digest) must build on the same base, or the clean state compares different downloads and layers."""
        if not self.ours_available:
            return
        sdk = self.sdk_base[sample]
        sdk_layers = bases.layers_at(sdk.split("@", 1)[1], sdk, bases.LAYOUT_ROOTS) if "@" in sdk else None
        for tool in (t for t in self.tools() if t.startswith("ours")):
            container = self.copy_of(tool, sample) / b.SAMPLES[sample][1]
            container = container.parent / "obj/container"
            try:
                built = json.loads((container / "manifest.json").read_text())
            except (OSError, ValueError):
                built = None
            ours_layers = bases.ours_base_layers(container, built, self.store) if built else None
            if sdk_layers is None or ours_layers is None:
                note = f"not checked that ours and the SDK built {sample} on the same base (one is unknown)"
            elif ours_layers != sdk_layers:
                note = (f"ours and the SDK built {sample} on different bases ({len(ours_layers)} and {len(sdk_layers)} "
                        f"layers, not the same digests): the registry's tag moved during the warm-up")
            else:
                continue
            b.log(f"WARNING: {note}")
            self.base_notes[sample] = note
            return
        b.log(f"{sample}: ours and the SDK build on the same base ({len(sdk_layers)} layers)")

    def mark_ours_unavailable(self, reason: str) -> None:
        self.ours_available = False
        self.ours_reason = reason
        b.log(f"ours: not available in this checkout: {reason}")

    def produced_image(self, tool: str, sample: str) -> bool:
        if tool.endswith("tarball"):
            a = self.archive_of(tool, sample)
            return a.exists() and a.stat().st_size > 0
        digest, _ = self.registry.manifest(self.repo_of(tool, sample), "latest")
        return digest is not None

    def measure(self, runs: int, clean_runs: int = 0) -> None:
        tools = self.tools()
        for i in range(max(runs, clean_runs)):
            for state in (self.states if i < runs else [s for s in self.states if s == "cold"]):
                for sample in samples_in_run(self.samples, self.sample_runs, i):
                    # Rotate the order from run to run: no tool always runs right after another's disk writes.
                    order = tools[i % len(tools):] + tools[:i % len(tools)]
                    for tool in order:
                        if self.has_package(tool) and not self.ours_available:
                            continue
                        if tool == "package" and state not in CLEAN_STATES:
                            continue  # only the clean states' container parts are measured against it
                        if tool.startswith("portable") and state != "cold":
                            continue  # the portable path: clean state only
                        self.measure_one(tool, sample, state, i)
            b.log(f"run {i + 1}/{max(runs, clean_runs)} done")

    def measure_one(self, tool: str, sample: str, state: str, i: int) -> None:
        copy = self.copy_of(tool, sample)
        env, fresh = self.env_of(tool), None
        if state in CLEAN_STATES:
            b.clean_outputs(copy)
        elif state == "one-file-changed":
            b.edit_source(copy, sample, i + 1)
        if state == "fresh-runner":
            env, fresh = self.fresh_env(tool, sample, i)
        # A fresh runner pushes to the lab registry, which keeps no access log: no upload count there.
        position = self.registry.log_position() if tool.endswith("registry") and state != "fresh-runner" else None
        # The previous publish's writes (a 100 MB tarball, obj/, the store) go to disk now, untimed, instead of being
        # written back by the kernel during this one: on 2 cores that writeback was most of the runs' spread.
        os.sync()
        try:
            t = b.run(self.command(tool, sample, state), env=env, log_file=self.log_file)
        except b.CommandFailed as e:
            if self.is_ours(tool):
                self.mark_ours_unavailable(f"a timed publish failed ({e})")
                return
            raise
        finally:
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
        self.times.setdefault((tool, sample, state), []).append(t)
        if position is not None:
            uploaded = self.registry.uploaded_since(position)
            _, manifest = self.registry.manifest(self.repo_of(tool, sample), "latest")
            config = (manifest or {}).get("config", {}).get("digest")
            self.uploads.setdefault((tool, sample, state), []).append(len([d for d in uploaded if d != config]))

    def med(self, tool, sample, state):
        if self.is_ours(tool) and not self.ours_available:
            return None
        return b.median(self.times.get((tool, sample, state), []))

    def rows(self) -> list:
        rows = []
        ours_note = None if self.ours_available else f"ours: not available in this checkout ({self.ours_reason})"
        for sample in self.samples:
            note = "; ".join(x for x in (ours_note, self.base_notes.get(sample)) if x) or None
            for dest in self.dests:
                dest_text = "to a tarball" if dest == "tarball" else "to a registry"
                ours_t, sdk_t = f"ours-{dest}", f"sdk-{dest}"
                for state in self.states:
                    what = f"{sample} publish {dest_text}"
                    if state == "fresh-runner" and dest == "registry":
                        what = f"{sample} publish to the base's registry (another repository)"
                    ours = self.med(ours_t, sample, state)
                    sdk = self.med(sdk_t, sample, state)
                    plain = self.med("plain", sample, state)
                    base = f"publish.{sample}.{state}.{dest}"
                    # A fresh runner's whole command to a registry: at most 0.9x the SDK's (issue #19).
                    whole = ("<= 0.9x", 0.9) if state == "fresh-runner" and dest == "registry" else (None, None)
                    rows.append(b.row(f"{base}.vs-sdk", what, state, ours, "s", "SDK PublishContainer", sdk, COMMAND,
                                      target=whole[0], target_ratio=whole[1], note=note, sample=sample, destination=dest))
                    target = ("<= 1.05x", 1.05) if state == "cached" else (None, None)
                    rows.append(b.row(f"{base}.vs-plain", what, state, ours, "s", "plain dotnet publish", plain,
                                      COMMAND, target=target[0], target_ratio=target[1], note=note, sample=sample,
                                      destination=dest))
                    if state in CLEAN_STATES:
                        sdk_part = self.paired_part(sdk_t, "plain", sample, state)
                        rows.append(b.row(f"{base}.container-part", f"{sample} container part of a clean publish {dest_text} "
                                          "(the tool's publish minus a plain one of the same project with the tool "
                                          "installed: ours with the package referenced, the same run)", state,
                                          self.paired_part(ours_t, "package", sample, state), "s",
                                          "SDK PublishContainer minus plain publish", sdk_part, COMMAND,
                                          target="<= 0.5x", target_ratio=0.5, note=note, sample=sample,
                                          destination=dest))
                        self.judge_at_or_below_zero(rows[-1], note)
                        rows.append(b.row(f"{base}.container-part-with-restore",
                                          f"{sample} container part of a clean publish {dest_text}, the package's "
                                          "restore included (ours minus a plain publish without the package)", state,
                                          self.paired_part(ours_t, "plain", sample, state), "s",
                                          "SDK PublishContainer minus plain publish", sdk_part, COMMAND, note=note,
                                          sample=sample, destination=dest))
                        self.judge_at_or_below_zero(rows[-1], note)
                        if state != "cold":
                            continue
                        rows.append(b.row(f"{base}.portable", f"{sample} clean publish {dest_text} on the portable "
                                          "file-system path (CTZ_FILESYSTEM=portable)", state,
                                          self.med(f"portable-{dest}", sample, state), "s", "ours, native path",
                                          ours, COMMAND, target="<= 1.1x", target_ratio=1.1, note=note,
                                          sample=sample, destination=dest))
                    if dest == "registry" and state in ("cached", "one-file-changed"):
                        ours_up = self.med_uploads(ours_t, sample, state)
                        sdk_up = self.med_uploads(sdk_t, sample, state)
                        expected = 0 if state == "cached" else 1
                        target = "no upload" if state == "cached" else "only the app layer"
                        rows.append(b.row(f"{base}.layers-uploaded", f"{sample} layer blobs uploaded to a registry",
                                          state, ours_up, "blobs", "SDK PublishContainer", sdk_up, COMMAND,
                                          target=target, met=None if ours_up is None else ours_up <= expected,
                                          note=note, sample=sample, destination=dest))
                        rows[-1]["ratio"] = None  # blob counts: the target is a count, not a ratio
        for sample in self.samples:
            if "cold" in self.states:
                rows.append(b.row(f"publish.{sample}.cold.package-restore",
                                  f"{sample}: what referencing Containerize.Sdk adds to a plain clean publish (NuGet "
                                  "restores one PackageReference; no image asked for)", "cold",
                                  self.paired_part("package", "plain", sample, "cold"), "s", None, None, COMMAND,
                                  sample=sample, destination=None))  # a cost shown apart, not compared
        for r in rows:
            # The runs each median is over (a sample given fewer with --sample-runs says so).
            r["runs"] = len(self.times.get(("plain", r["sample"], r["state"]), []))
        return rows

    @staticmethod
    def judge_at_or_below_zero(part: dict, note) -> None:
        """A part at or below zero is the plain publish's noise, not a cost: no ratio. Ours there, against a positive
        SDK part, is still at most half of it; an SDK part at or below zero leaves nothing to compare with."""
        ours, sdk = part["ours"], part["anchor_value"]
        if ours is None or sdk is None or (ours > 0 and sdk > 0):
            return
        met = True if part.get("target_ratio") and ours <= 0 < sdk else None
        part.update(ratio=None, met=met, note="; ".join(x for x in (note, (
            "a container part at or below zero: the plain publish took as long as the tool's (noise, no ratio)")) if x))

    def paired_part(self, tool, plain, sample, state):
        """The container part per run (tool minus the given plain publish of the same run), then the median."""
        if self.has_package(tool) and not self.ours_available:
            return None
        a = self.times.get((tool, sample, state), [])
        p = self.times.get((plain, sample, state), [])
        if not a or not p:
            return None
        return b.median([x - y for x, y in zip(a, p)])

    def med_uploads(self, tool, sample, state):
        if tool.startswith("ours") and not self.ours_available:
            return None
        return b.median(self.uploads.get((tool, sample, state), []))


def parse_sample_runs(text: str) -> dict:
    """'Solution=5,HelloWeb=8' -> {'Solution': 5, 'HelloWeb': 8}."""
    out = {}
    for part in (x for x in text.split(",") if x):
        name, _, n = part.partition("=")
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"--sample-runs: {part!r} is not SAMPLE=N with N >= 1")
        out[name] = int(n)
    return out


def samples_in_run(samples: list, sample_runs: dict, i: int) -> list:
    """The samples run i (from 0) publishes: a sample with fewer runs takes part in the first ones only."""
    return [s for s in samples if i < sample_runs.get(s, i + 1)]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except b.CommandFailed as e:
        print(f"eng/bench/publish: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
