"""eng/bench/unpack: the layer unpacker (issue #17) on the .NET SDK image's layers, applied to an empty folder: ours
(`containerize layer apply`, in both whiteout modes) against `umoci raw unpack` of the same image (target: at most
1.0x) and against `tar -xzf` of the same blobs in order (information: tar applies no whiteouts; the SDK image has
none, so all four leave the same tree, which the first run checks).

The image is copied once with skopeo from localhost:5000 (eng/setup) into an OCI layout that every tool reads.
Every run times each command once, in turn, the order rotating (interleaved), so drift hits all of them; medians are
reported. Untimed around each command: the output folder is removed and made again empty, then `sync`, so no tool
pays for the previous one's writeback or its removal. The blobs are read once before the first run: every run reads
them from the page cache (warm), as a build that has just pulled them would.

With --baseline-ref REF (or --baseline-cli PATH) the CLI of another commit is timed in the same runs, and a row says
whether ours is within 10% of it (issue #17: "no slower than today's unpacker by more than 10%").
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

COMMAND = "bash eng/bench/unpack"
IMAGE = "localhost:5000/dotnet/sdk:10.0"


def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=3)
    p.add_argument("--image", default=os.environ.get("CTZ_BENCH_UNPACK_IMAGE", IMAGE),
                   help=f"the image whose layers are unpacked (default {IMAGE})")
    p.add_argument("--baseline-ref", metavar="REF", help="also time the CLI built from this commit (git archive, eng/build-cli)")
    p.add_argument("--baseline-cli", metavar="PATH", help="also time this containerize binary (which has `layer apply`)")
    args = p.parse_args()
    info = b.machine()
    keep = bool(os.environ.get("CTZ_BENCH_DIR"))
    work = Path(os.environ["CTZ_BENCH_DIR"]) / "unpack" if keep else Path(tempfile.mkdtemp(prefix="ctz-bench-unpack."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for tool in ("skopeo", "umoci", "tar"):
            if not shutil.which(tool):
                raise b.CommandFailed(f"{tool} is needed (eng/setup installs it)")
        if not Path("/usr/bin/time").exists():
            raise b.CommandFailed("GNU time is needed (apt-get install time)")
        cli = build_cli()
        baseline = args.baseline_cli or (build_baseline(args.baseline_ref, work) if args.baseline_ref else None)
        layout, tag, blobs = fetch_image(args.image, work)
        rows = measure(work, args.runs, cli, baseline, layout, tag, blobs, args.image)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    info["load_after"] = round(os.getloadavg()[0], 2)
    print(f"\nunpack: {args.runs} interleaved runs, medians; {info['cores']} cores, load {info['load_before']} before, "
          f"{info['load_after']} after")
    b.print_table(rows)
    if args.json:
        b.write_doc(args.json, "unpack", rows, info, runs=args.runs)
    return 0


def build_cli() -> str:
    """The CLI users run (NativeAOT when it publishes), as the context and push areas time it."""
    b.log("building the CLI (eng/build-cli)")
    p = subprocess.run(["bash", str(b.ROOT / "eng/build-cli")], stdout=subprocess.PIPE, check=False)
    if p.returncode != 0:
        raise b.CommandFailed("eng/build-cli failed")
    return p.stdout.decode().strip().splitlines()[-1]


def build_baseline(ref: str, work: Path) -> str:
    """The CLI of another commit, built the same way from its own sources (git archive: no worktree to clean up)."""
    src = work / "baseline-src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    b.log(f"building the baseline CLI of {ref}")
    archive = subprocess.Popen(["git", "-C", str(b.ROOT), "archive", ref], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(src)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise b.CommandFailed(f"git archive {ref} failed")
    env = dict(os.environ)
    env.pop("CTZ_CLI", None)  # the baseline's own build, never ours
    p = subprocess.run(["bash", str(src / "eng/build-cli")], stdout=subprocess.PIPE, env=env, check=False)
    if p.returncode != 0:
        raise b.CommandFailed(f"the baseline's eng/build-cli failed ({ref})")
    return p.stdout.decode().strip().splitlines()[-1]


def fetch_image(image: str, work: Path) -> tuple[Path, str, list[Path]]:
    """An OCI layout of the image (skopeo), and its layer blobs lowest first."""
    layout, tag = work / "image", "bench"
    if not (layout / "index.json").exists():
        b.log(f"skopeo copy {image} into {layout}")
        b.run(["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{image}", f"oci:{layout}:{tag}"])
    return layout, tag, layer_blobs(layout, tag)


def layer_blobs(layout: Path, tag: str) -> list[Path]:
    """The blob files of a tagged single-platform manifest in an OCI layout, in the manifest's order (lowest first)."""
    def blob(digest: str) -> Path:
        algorithm, encoded = digest.split(":", 1)
        return layout / "blobs" / algorithm / encoded

    index = json.loads((layout / "index.json").read_text())
    refs = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
    if len(refs) != 1:
        raise b.CommandFailed(f"{layout} has {len(refs)} manifests tagged {tag}, not one")
    manifest = json.loads(blob(refs[0]["digest"]).read_text())
    if "layers" not in manifest:
        raise b.CommandFailed(f"{layout}:{tag} is an index, not an image manifest: give a single-platform image")
    return [blob(layer["digest"]) for layer in manifest["layers"]]


def commands(cli: str, baseline: str | None, layout: Path, tag: str, blobs: list[Path], out: Path) -> dict:
    """What each tool runs to fill the folder `out` (made empty before each), as a shell command."""
    layers = " ".join(f"'{p}'" for p in blobs)
    cmds = {
        "ours": f"'{cli}' layer apply '{out}' {layers}",
        "ours-overlay": f"'{cli}' layer apply --whiteouts overlay '{out}' {layers}",
        # As root umoci keeps owners, as ours and tar do; --rootless would drop them.
        "umoci": f"umoci raw unpack --image '{layout}:{tag}' '{out}'",
        "tar": " && ".join(f"tar {'-xzf' if gzipped(p) else '-xf'} '{p}' -C '{out}'" for p in blobs),
    }
    if baseline:
        cmds["baseline"] = f"'{baseline}' layer apply '{out}' {layers}"
        cmds["baseline-overlay"] = f"'{baseline}' layer apply --whiteouts overlay '{out}' {layers}"
    return cmds


def gzipped(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def fresh_folder(out: Path) -> None:
    """An empty output folder and no dirty pages left: untimed, so no tool pays for another's files."""
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir(parents=True)
    subprocess.run(["sync"], check=True)


def tree_listing(root: Path) -> list[str]:
    """What a tool left: type, mode, owner, link count (hardlinks kept), size (files), link target and mtime of every
    path under the root (the root's own entry is left out: each tool dates it differently)."""
    p = subprocess.run(["find", ".", "-mindepth", "1", "-printf", "%y %m %U:%G %n %s %l %T@ %p\\n"], cwd=root,
                       stdout=subprocess.PIPE, check=True)
    lines = []
    for line in p.stdout.decode("utf-8", "surrogateescape").splitlines():
        kind, mode, owner, links, size, rest = line.split(" ", 5)
        # A folder's size and link count depend on how it was filled, not on what it holds.
        lines.append(" ".join((kind, mode, owner, links if kind != "d" else "-", size if kind == "f" else "-", rest)))
    return sorted(lines)


def differences(a: list[str], b_: list[str], limit: int = 5) -> list[str]:
    only_a, only_b = sorted(set(a) - set(b_)), sorted(set(b_) - set(a))
    return [f"- {x}" for x in only_a[:limit]] + [f"+ {x}" for x in only_b[:limit]]


def measure(work: Path, runs: int, cli: str, baseline: str | None, layout: Path, tag: str, blobs: list[Path],
            image: str) -> list:
    out = work / "out"
    cmds = commands(cli, baseline, layout, tag, blobs, out)
    compressed = sum(p.stat().st_size for p in blobs)
    for p in blobs:  # the page cache holds the blobs from here on: every run reads them warm
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass
    got = {k: [] for k in cmds}
    trees = {}
    b.log(f"{image}: {len(blobs)} layers, {compressed / 1e6:.0f} MB compressed; {runs} runs of {len(cmds)} commands, "
          "interleaved")
    for i in range(runs):
        order = list(cmds)
        order = order[i % len(order):] + order[:i % len(order)]
        for k in order:
            fresh_folder(out)
            got[k].append(b.timed(cmds[k], work))
            if i == 0:
                trees[k] = tree_listing(out)  # untimed: the trees must agree, or the times compare nothing
        b.log(f"run {i + 1}/{runs}: " + ", ".join(f"{k} {got[k][-1][0]:.2f} s" for k in cmds))
    subprocess.run(["rm", "-rf", str(out)], check=True)
    size_mb = sum(int(line.split(" ")[4]) for line in trees["umoci"] if line.startswith("f ")) / 1e6
    for k, listing in trees.items():
        if listing != trees["umoci"]:
            raise b.CommandFailed(f"{k} left another tree than umoci raw unpack:\n" +
                                  "\n".join(differences(trees["umoci"], listing)))
    return rows(got, image, len(blobs), compressed, size_mb, len(trees["umoci"]))


def rows(got: dict, image: str, layers: int, compressed: int, size_mb: float, entries: int) -> list:
    wall, cpu, peak_mb = b.timed_summaries(got)

    def extra(ours, anchor):
        return {"ours_cpu": cpu(ours), "anchor_cpu": cpu(anchor), "ours_peak_mb": peak_mb(ours),
                "anchor_peak_mb": peak_mb(anchor), "runs": len(got[ours]),
                "ours_times": [x[0] for x in got[ours]], "anchor_times": [x[0] for x in got[anchor]]}

    what = (f"apply the {layers} layers of {image.split('/', 1)[-1]} ({compressed / 1e6:.0f} MB gzip, "
            f"{size_mb:.0f} MB in {entries} entries) to an empty folder")
    umoci, tar = "umoci raw unpack", "tar -xzf of each layer in order (no whiteouts)"
    result = [
        b.row("unpack.sdk.vs-umoci", what, "n/a", wall("ours"), "s", umoci, wall("umoci"), COMMAND,
              target="<= 1.0x", target_ratio=1.0, **extra("ours", "umoci")),
        b.row("unpack.sdk.vs-tar", what, "n/a", wall("ours"), "s", tar, wall("tar"), COMMAND, **extra("ours", "tar")),
        b.row("unpack.sdk.overlay.vs-umoci", what + ", overlayfs whiteouts (--whiteouts overlay)", "n/a",
              wall("ours-overlay"), "s", umoci, wall("umoci"), COMMAND, **extra("ours-overlay", "umoci")),
        b.row("unpack.sdk.overlay.vs-tar", what + ", overlayfs whiteouts (--whiteouts overlay)", "n/a",
              wall("ours-overlay"), "s", tar, wall("tar"), COMMAND, **extra("ours-overlay", "tar")),
    ]
    if "baseline" in got:
        # The band makes "no slower by more than 10%" a target of 1.0x: met when ours <= 1.10 x the baseline.
        for mode, ours, base in (("", "ours", "baseline"), (", overlayfs whiteouts", "ours-overlay", "baseline-overlay")):
            result.append(b.row(f"unpack.sdk{'.overlay' if mode else ''}.vs-baseline", what + mode, "n/a", wall(ours),
                                "s", "the baseline commit's unpacker", wall(base), COMMAND,
                                target="no more than 10% slower", target_ratio=1.0, **extra(ours, base)))
    return result


if __name__ == "__main__":
    try:
        sys.exit(main())
    except b.CommandFailed as e:
        print(f"eng/bench/unpack: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
