"""eng/bench/layers: the layer writer (issue #4, Performance) against the usual ways of making a gzipped tar, on one
tree shaped like a publish output (about 210 MB of real .NET assemblies: the shared frameworks plus the SDK's Roslyn
and F# folders); then four layers written in parallel against sequentially; then peak memory at two tree sizes.

Every run times each command once, in turn (interleaved), so drift hits all of them; medians are reported. Wall
time on a shared machine depends on the load of others, CPU time (user+sys) does not: both are recorded. With the
kernel's autogroup scheduling a busy machine gives each session the same share whatever its thread count, so the
parallel speed-up only shows on an idle machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

COMMAND = "bash eng/bench/layers"


def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=3)
    p.add_argument("legacy_runs", nargs="?", type=int, help=argparse.SUPPRESS)  # the old `layers RUNS` form
    args = p.parse_args()
    runs = args.legacy_runs or args.runs
    info = b.machine()
    keep = bool(os.environ.get("CTZ_BENCH_DIR"))
    work = Path(os.environ["CTZ_BENCH_DIR"]) if keep else Path(tempfile.mkdtemp(prefix="ctz-bench-layers."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = measure(work, runs)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nlayers: {runs} interleaved runs, medians; {info['cores']} cores, load before {info['load_before']}")
    b.print_table(rows)
    if args.json:
        b.write_doc(args.json, "layers", rows, info, runs=runs)
    return 0


def measure(work: Path, runs: int) -> list:
    if not Path("/usr/bin/time").exists():
        raise b.CommandFailed("GNU time is needed (apt-get install time)")
    for tool in ("pigz", "tar", "gzip"):
        if not shutil.which(tool):
            raise b.CommandFailed(f"{tool} is needed (eng/setup installs it)")
    dotnet = Path("/usr/share/dotnet")
    sdk = sorted((dotnet / "sdk").iterdir(), key=lambda p: [int(x) if x.isdigit() else x for x in p.name.replace("-", ".").split(".")])[-1]
    tree = work / "tree"
    if not tree.exists():
        tree.mkdir(parents=True)
        for src in (dotnet / "shared/Microsoft.NETCore.App", dotnet / "shared/Microsoft.AspNetCore.App",
                    sdk / "Roslyn", sdk / "FSharp"):
            subprocess.run(["cp", "-a", str(src), str(tree) + "/"], check=True)
    b.log("building the CLI (Release)")
    b.run(["dotnet", "build", b.ROOT / "src/Containerize.Cli", "-c", "Release", "-nologo", "-v:q"])
    cli = b.ROOT / "src/Containerize.Cli/bin/Release/net10.0/containerize"
    size_mb = sum(f.stat().st_size for f in tree.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6

    parts = sorted((d for d in tree.iterdir() if d.is_dir()), key=lambda d: -sum(
        f.stat().st_size for f in d.rglob("*") if f.is_file() and not f.is_symlink()))
    # Largest first, so two workers share the work evenly.
    pairs = " ".join(f"'{d}' '{work}/part-{d.name}.tar.gz'" for d in parts)
    small = parts[-1]
    jobs = os.cpu_count() or 2
    commands = {
        "gnu-gzip": f"tar --sort=name -C '{tree}' -cf - . | gzip -6 > '{work}/gnu.tar.gz'",
        "pigz": f"tar --sort=name -C '{tree}' -cf - . | pigz > '{work}/pigz.tar.gz'",
        "dotnet": f"'{cli}' layer create '{tree}' '{work}/base.tar.gz' --baseline-tarfile",
        "ours": f"'{cli}' layer create '{tree}' '{work}/ours.tar.gz'",
        "ours-zstd": f"'{cli}' layer create '{tree}' '{work}/ours.tar.zst' --compression zstd",
        "seq": f"'{cli}' layer create {pairs} --jobs 1",
        # The issue's baseline: the sum of the layers' sequential times, each written by a one-core gzip as the
        # writer was before its gzip went parallel (both rows are kept: the other shows what a whole-core layer gives).
        "seq1": f"'{cli}' layer create {pairs} --jobs 1 --threads 1",
        "par": f"'{cli}' layer create {pairs} --jobs {jobs}",
        "small": f"'{cli}' layer create '{small}' '{work}/small.tar.gz'",
    }
    got = {k: [] for k in commands}
    b.log(f"tree: {size_mb:.0f} MB; {runs} runs of {len(commands)} commands, interleaved")
    for i in range(runs):
        order = list(commands)
        order = order[i % len(order):] + order[:i % len(order)]
        for k in order:
            got[k].append(b.timed(commands[k], work))
        b.log(f"run {i + 1}/{runs} done")

    wall, cpu, peak_mb = b.timed_summaries(got)

    out_size = (work / "ours.tar.gz").stat().st_size
    what = f"layer of a {size_mb:.0f} MB publish-like tree, gzip 6"
    small_mb = sum(f.stat().st_size for f in small.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    extra = lambda a, c: {"ours_cpu": cpu(a), "anchor_cpu": cpu(c)}  # noqa: E731
    return [
        b.row("layers.gzip.vs-dotnet", what, "n/a", wall("ours"), "s", ".NET TarFile + GZipStream Optimal",
              wall("dotnet"), COMMAND, target="<= 1.1x", target_ratio=1.1, output_bytes=out_size,
              **extra("ours", "dotnet")),
        b.row("layers.gzip.vs-tar-gzip", what, "n/a", wall("ours"), "s", "tar --sort=name | gzip -6", wall("gnu-gzip"),
              COMMAND, **extra("ours", "gnu-gzip")),
        b.row("layers.gzip.vs-pigz", what, "n/a", wall("ours"), "s", "tar --sort=name | pigz", wall("pigz"), COMMAND,
              **extra("ours", "pigz")),
        b.row("layers.zstd.vs-dotnet", f"layer of a {size_mb:.0f} MB publish-like tree, zstd 3", "n/a",
              wall("ours-zstd"), "s", ".NET TarFile + GZipStream Optimal", wall("dotnet"), COMMAND,
              **extra("ours-zstd", "dotnet")),
        b.row("layers.parallel", f"4 layers in parallel (--jobs {jobs})", "n/a", wall("par"), "s",
              "the same 4 layers one after another, one core each (--jobs 1 --threads 1)", wall("seq1"), COMMAND,
              target="<= 0.6x", target_ratio=0.6, **extra("par", "seq1")),
        b.row("layers.parallel.vs-seq", f"4 layers in parallel (--jobs {jobs})", "n/a", wall("par"), "s",
              "the same 4 layers one after another, each on every core (--jobs 1)", wall("seq"), COMMAND,
              **extra("par", "seq")),
        b.row("layers.memory", f"layer writer peak memory, {size_mb:.0f} MB tree", "n/a", peak_mb("ours"), "MB",
              f"peak memory on a {small_mb:.0f} MB tree", peak_mb("small"), COMMAND,
              target="does not grow (<= 1.0x)", target_ratio=1.0),
    ]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except b.CommandFailed as e:
        print(f"eng/bench/layers: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
