"""eng/bench/run: every eng/bench/<area> script through the benchmark contract, merged into docs/bench/results.json,
one table, the plots, and (with --readme) every area's table in docs/bench/README.md and the headline ratios in the
README's "How it compares" section."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402
import svg  # noqa: E402

AREAS = ["context", "layers", "unpack", "push", "engine", "publish", "attestations", "images", "workflow"]
# Interleaved runs per area: at least 5 (issue #9); 10 where issues #6, #7 and #17 ask for 10.
FULL_RUNS = {"context": 5, "layers": 5, "unpack": 10, "push": 5, "engine": 10, "publish": 10, "attestations": 5, "images": 1, "workflow": 5}
QUICK_RUNS = 3
# --quick also narrows the slowest areas (our own scripts only; the others get fewer runs).
# A full run must fit in about 45 minutes on 2 quiet cores. Publish is the costliest area (3 samples x 5 tools x 3
# states per run): issue #7 asks 10 interleaved runs of HelloConsole and HelloWeb; the Solution sample, which #9 adds
# with its minimum of 5 runs, takes part in the first 5 of them (about 6 minutes saved).
# The clean state's container parts are differences of two ~2 s publishes, each spread over about ±0.1 s: they get 10
# runs more of that state alone (about 5 minutes), so that a part of 50 ms is told apart from one of 150 ms.
FULL_ARGS = {"publish": ["--sample-runs", "Solution=5", "--clean-runs", "20"]}
# Publish keeps its four states: the clean ones carry the container-part target (#7), the fresh runner also 0.9x (#19).
QUICK_ARGS = {"publish": ["--samples", "HelloConsole,HelloWeb"],
              "images": ["--samples", "HelloConsole"]}
PUBLISH_STATE = {"cold": "clean (cold)", "cached": "nothing changed (cached)", "one-file-changed": "one file changed",
                 "fresh-runner": "fresh CI runner"}
RESULTS = b.ROOT / "docs/bench/results.json"
# Every area's table goes to docs/bench/README.md; the README keeps the plots and one table of headline ratios.
BENCH_README = b.ROOT / "docs/bench/README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
README = b.ROOT / "README.md"
SUMMARY_BEGIN, SUMMARY_END = "<!-- bench-summary:begin -->", "<!-- bench-summary:end -->"
# The README's headline rows: (row id, a word of the anchor when an id has several anchors, what the row says).
SUMMARY = [
    ("publish.HelloWeb.cached.tarball.vs-plain", None, "HelloWeb publish to a tarball, nothing changed, vs a plain `dotnet publish`"),
    ("publish.HelloWeb.cached.tarball.vs-sdk", None, "HelloWeb publish to a tarball, nothing changed, vs the SDK's PublishContainer"),
    ("publish.HelloWeb.cold.tarball.container-part", None,
     "container part of a clean HelloWeb publish to a tarball, vs the SDK's"),
    ("engine.cold.dotnet", "BuildKit", "`containerize build`, .NET multi-stage, cold, vs BuildKit"),
    ("engine.cached.copy-heavy", "BuildKit", "`containerize build`, publish folder onto aspnet, cached, vs BuildKit"),
    ("push.cold", None, "push a 105 MB image to an empty registry, vs skopeo"),
    ("unpack.sdk.vs-umoci", None, "unpack the .NET SDK image's layers, vs umoci"),
    ("layers.gzip.vs-dotnet", None, "gzip layer of a publish-like tree, vs .NET TarFile + GZipStream"),
    ("context.ls", None, "build context of 100 000 files, vs find"),
    ("images.HelloWeb.size-compressed", None, "HelloWeb image size, compressed, vs the SDK's"),
]
STATE_LEGEND = ("cold: nothing of ours cached (for publish: bin/ and obj/ removed, NuGet packages and base images "
                "already in each tool's cache); cached: nothing changed since the previous run; one-file-changed: one "
                "source file changed; fresh-runner (publish): clean, with an empty image store and SDK container cache and the base "
                "only in the lab registry, pushed to that registry; n/a: no cache involved")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK_RUNS} runs, fewer samples and states")
    p.add_argument("--only", action="append", default=[], metavar="AREA",
                   help=f"run only these areas (repeatable or comma-separated: {', '.join(AREAS)}); the others keep "
                        "their rows from the previous results.json")
    p.add_argument("--runs", type=int, help="override the runs of every area")
    p.add_argument("--readme", action="store_true",
                   help="rewrite docs/bench/README.md's tables and README's summary, between their bench markers")
    p.add_argument("--no-run", action="store_true", help="measure nothing: table, plots and READMEs from results.json")
    p.add_argument("--skip-setup", action="store_true", help="do not run eng/setup first")
    p.add_argument("--results", default=str(RESULTS), help="where the merged results go (default docs/bench/results.json)")
    args = p.parse_args()
    only = [a for o in args.only for a in o.split(",") if a]
    for a in only:
        if a not in AREAS:
            p.error(f"unknown area {a}; areas: {', '.join(AREAS)}")
    results_path = Path(args.results)

    if args.no_run:
        if not results_path.exists():
            p.error(f"{results_path} does not exist: run the harness first")
        doc = json.loads(results_path.read_text())
    else:
        doc = measure(only or AREAS, args, results_path)
    report(doc, results_path)
    if args.readme:
        rewrite_readme(doc, results_path)
        b.log("docs/bench/README.md: every area's table rewritten; README.md: 'How it compares' summary rewritten")
    return 0


def measure(areas: list, args, results_path: Path) -> dict:
    logs = b.ROOT / "artifacts/bench/logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not args.skip_setup:
        b.log("eng/setup (packages, dockerd, registry, offline base images; idempotent)")
        with open(logs / "setup.log", "w") as out:
            if subprocess.run(["bash", str(b.ROOT / "eng/setup")], stdout=out, stderr=subprocess.STDOUT).returncode:
                print(f"eng/setup failed; see {logs / 'setup.log'}", file=sys.stderr)
                sys.exit(1)
    env = dict(os.environ)
    env.setdefault("CTZ_LAB", str(b.ROOT / "artifacts/lab"))
    machine = b.machine()
    if machine["load_before"] > (machine["cores"] or 1):
        b.log(f"WARNING: load {machine['load_before']} on {machine['cores']} cores: these figures are taken under load "
              "and are not valid; re-take them on a quiet machine")

    if {"publish", "attestations", "images"} & set(areas) and not env.get("CTZ_BENCH_SDK_FEED"):
        b.log("packing Containerize.Sdk once for the publish and images areas")
        try:
            feed, version = b.pack_sdk(b.ROOT / "artifacts/bench", logs / "pack.log")
        except b.CommandFailed as e:
            print(f"dotnet pack failed: {e}", file=sys.stderr)
            sys.exit(1)
        env.update(CTZ_BENCH_SDK_FEED=str(feed), CTZ_BENCH_SDK_VERSION=version)

    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    area_docs = {a["area"]: a for a in previous.get("areas", [])}
    rows_of = {}
    for r in previous.get("results", []):
        rows_of.setdefault(r.get("area"), []).append(r)

    for area in areas:
        status, rows = run_area(area, args, env, logs)
        area_docs[area] = status
        rows_of[area] = rows
    ordered = [area_docs[a] for a in AREAS if a in area_docs]
    doc = {
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Areas kept from an earlier run (--only) make the document a mix: each area's own runs and load say which.
        "mode": "quick" if args.quick else ("full" if set(areas) >= set(AREAS) else "mixed"),
        "command": "bash eng/bench/run" + (" --quick" if args.quick else ""),
        "machine": machine,
        "load_after": round(os.getloadavg()[0], 2),
        "noise_band": "+-10%: met when ratio <= target_ratio * 1.10",
        "states": STATE_LEGEND,
        "areas": ordered,
        "results": [r for a in AREAS for r in rows_of.get(a, [])],
    }
    if args.quick:
        doc["warning"] = "a --quick smoke run: 3 runs and fewer samples; not the figures to publish"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = results_path.with_name(results_path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, results_path)
    return doc


def run_area(area: str, args, env: dict, logs: Path) -> tuple[dict, list]:
    script = b.ROOT / "eng/bench" / area
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS[area])
    if area == "images":
        runs = 1  # sizes and digests do not vary from run to run; two clean clones are its measurement
    status = {"area": area, "runs": runs, "command": f"bash eng/bench/{area}"}
    if not script.exists():
        status.update(status="missing", reason=f"eng/bench/{area} is not in this checkout")
        b.log(f"{area}: skipped ({status['reason']})")
        return status, []
    # A script that predates the contract would ignore --json, or take it for its run count.
    if "--json" not in script.read_text():
        status.update(status="not-on-contract", reason=f"eng/bench/{area} does not take --json yet")
        b.log(f"{area}: skipped ({status['reason']})")
        return status, []
    out_json = b.ROOT / "artifacts/bench" / f"{area}.json"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.unlink(missing_ok=True)
    cmd = ["bash", str(script), "--runs", str(runs), "--json", str(out_json)]
    cmd += (QUICK_ARGS if args.quick else FULL_ARGS).get(area, [])
    b.log(f"{area}: {' '.join(cmd[1:])} (log: artifacts/bench/logs/{area}.log)")
    started = time.perf_counter()
    with open(logs / f"{area}.log", "w") as out:
        proc = subprocess.Popen(cmd, cwd=b.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in proc.stdout:
            out.write(line.decode("utf-8", "replace"))
            out.flush()
            sys.stdout.buffer.write(b"  | " + line)
            sys.stdout.flush()
        proc.stdout.close()
        rc = proc.wait()
    status["seconds"] = round(time.perf_counter() - started, 1)
    if rc != 0 or not out_json.exists():
        status.update(status="failed", reason=f"exit {rc}" + ("" if out_json.exists() else ", no JSON written") +
                      f"; see artifacts/bench/logs/{area}.log")
        b.log(f"{area}: FAILED ({status['reason']})")
        return status, []
    area_doc = json.loads(out_json.read_text())
    status.update(status="ok", machine=area_doc.get("machine"))
    b.log(f"{area}: done in {elapsed_text(status)}")
    for k in ("ours_available", "ours_reason"):
        if k in area_doc:
            status[k] = area_doc[k]
    rows = area_doc.get("results", [])
    for r in rows:
        r["area"] = area
    return status, rows


def report(doc: dict, results_path: Path) -> None:
    rows = doc.get("results", [])
    m = doc.get("machine", {})
    print(f"\n== eng/bench/run ({doc.get('mode')}), {doc.get('generated')}; {m.get('cores')} cores, load before "
          f"{m.get('load_before')}, after {doc.get('load_after')}")
    for a in doc.get("areas", []):
        extra = f" ({a['reason']})" if a.get("reason") else ""
        if a.get("ours_available") is False:
            extra += f" ours: not available in this checkout ({a.get('ours_reason')})"
        print(f"  {a['area']:8} {a['status']:6} {elapsed_text(a)}{extra}")
    print(f"  {'total':8} {'':6} {elapsed_text({'seconds': sum(a.get('seconds') or 0 for a in doc.get('areas', []))})}")
    print()
    b.print_table(rows)
    targets = [r for r in rows if r.get("met") is not None]
    missed = [r for r in targets if not r["met"]]
    print(f"\ntargets: {len(targets) - len(missed)} met, {len(missed)} missed (+-10% band); "
          f"{sum(1 for r in rows if r.get('target') and r.get('met') is None)} not measurable")
    for r in missed:
        print(f"  MISSED {r['id']}: {b.fmt(r.get('ours'), r.get('unit'))} vs {r.get('anchor')} "
              f"{b.fmt(r.get('anchor_value'), r.get('unit'))}, target {r.get('target')}")
    print(f"states: {STATE_LEGEND}")
    if (m.get("load_before") or 0) > (m.get("cores") or 1):
        print(f"WARNING: taken under load ({m.get('load_before')} on {m.get('cores')} cores): re-take on a quiet machine")
    print(f"results: {results_path}")
    write_plots(doc, results_path.parent)


def elapsed_text(area: dict) -> str:
    """An area's elapsed time as '12m34s (10 runs)': the budget of a full run is about 45 minutes on 2 quiet cores."""
    seconds = area.get("seconds")
    if seconds is None:
        return "-"
    text = f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return text + (f" ({area['runs']} run{'s' if area['runs'] != 1 else ''})" if area.get("runs") else "")


def write_plots(doc: dict, out: Path) -> None:
    """The plots go beside results.json (docs/bench for the README's figures)."""
    rows = doc.get("results", [])
    m = doc.get("machine", {})
    subtitle = (f"eng/bench/run ({doc.get('mode')}), {doc.get('generated')}, {m.get('cores')} cores, load "
                f"{m.get('load_before')}; medians")
    out.mkdir(parents=True, exist_ok=True)

    # Publish times: one panel per destination, one group per sample x state, bars ours / SDK / plain.
    panels = []
    for dest in ("tarball", "registry"):
        groups = []
        for r in rows:
            if r.get("area") == "publish" and r.get("destination") == dest and r["id"].endswith(".vs-sdk"):
                plain = next((x["anchor_value"] for x in rows if x["id"] == r["id"][:-len("vs-sdk")] + "vs-plain"), None)
                groups.append((f"{r['sample']}, {r['state']}",
                               [("ours", r.get("ours")), ("SDK", r.get("anchor_value")), ("plain", plain)]))
        if groups:
            panels.append((f"dotnet publish to a {dest}: ours (ContainerBuild=true) / SDK PublishContainer / plain "
                           "publish (s)", groups, "s"))
    if panels:
        (out / "publish.svg").write_text(svg.document(panels, subtitle, ["ours", "SDK", "plain"]))

    # Image sizes: per sample, compressed and uncompressed, ours / SDK.
    groups = []
    for r in rows:
        if r.get("area") == "images" and r["id"].endswith((".size-compressed", ".size-uncompressed")):
            kind = "compressed" if r["id"].endswith("compressed") and "uncompressed" not in r["id"] else "uncompressed"
            groups.append((f"{r['sample']}, {kind}", [("ours", r.get("ours")), ("SDK", r.get("anchor_value"))]))
    if groups:
        (out / "sizes.svg").write_text(svg.document([("Image size, base included (MB)", groups, "MB")], subtitle,
                                                    ["ours", "SDK"]))


def cell(v) -> str:
    return v.replace("|", "\\|") if isinstance(v, str) else v


def ratio_text(r) -> str:
    return "" if r.get("ratio") is None else f"{r['ratio']:.2f}×"


def target_text(r) -> str:
    t = r.get("target") or ""
    return t.replace("<=", "≤").replace("x", "×") if r.get("target_ratio") else t


def ours_text(r) -> str:
    if r.get("ours") is None and r.get("note"):
        return "not available"
    return b.fmt(r.get("ours"), r.get("unit"))


def table(headers, body) -> list:
    return ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)] + \
        ["| " + " | ".join(str(cell(c)) for c in line) + " |" for line in body]


def generic_table(rows) -> list:
    body = []
    for r in rows:
        anchor = r.get("anchor") or ""
        if r.get("anchor_value") is not None:
            anchor += f" {b.fmt(r['anchor_value'], r.get('unit'))}"
        body.append([r["what"], r.get("state", ""), ours_text(r), anchor.strip(), ratio_text(r), target_text(r),
                     b.verdict(r)])
    return table(["what", "state", "ours", "anchor", "ratio", "target", "result"], body)


def publish_tables(rows) -> list:
    """One line per sample, destination and state: ours, the SDK and plain publish side by side."""
    by_id = {r["id"]: r for r in rows}
    body, extra = [], []
    for r in rows:
        if not r["id"].endswith(".vs-sdk"):
            continue
        plain = by_id.get(r["id"][:-len("vs-sdk")] + "vs-plain", {})
        body.append([r["sample"], r["destination"], PUBLISH_STATE.get(r["state"], r["state"]), ours_text(r), b.fmt(r.get("anchor_value"), "s"),
                     b.fmt(plain.get("anchor_value"), "s"), ratio_text(r), ratio_text(plain),
                     target_text(plain), b.verdict(plain)])
    for r in rows:
        if r["id"].endswith((".container-part", ".container-part-with-restore", ".package-restore", ".layers-uploaded")):
            extra.append([r["what"], PUBLISH_STATE.get(r["state"], r["state"]), ours_text(r), b.fmt(r.get("anchor_value"), r.get("unit")),
                          ratio_text(r), target_text(r), b.verdict(r)])
    out = table(["sample", "to", "state", "ours", "SDK PublishContainer", "plain publish", "ours / SDK",
                 "ours / plain", "target (ours / plain)", "result"], body)
    if extra:
        out += [""] + table(["what", "state", "ours", "SDK PublishContainer", "ratio", "target", "result"], extra)
    return out


def images_table(rows) -> list:
    """One line per sample: each figure as ours / the SDK's."""
    samples = list(dict.fromkeys(r["sample"] for r in rows))
    body = []
    for s in samples:
        def pair(kind):
            r = next((x for x in rows if x["id"] == f"images.{s}.{kind}"), None)
            if r is None:
                return "", ""
            text = f"{ours_text(r)} / {b.fmt(r.get('anchor_value'), r.get('unit'))}"
            return text, b.verdict(r)
        layers_total = next((x for x in rows if x["id"] == f"images.{s}.layers"), {})
        body.append([s, pair("size-compressed")[0], pair("size-uncompressed")[0], pair("app-size-compressed")[0],
                     pair("layers")[0], "{} ({})".format(*pair("repro-layers")),
                     "{} ({})".format(*pair("repro-manifest"))])
    return table(["sample (clean builds)", "size compressed, ours / SDK", "uncompressed", "app layers, compressed",
                  "layers", "layer digests equal in two clones", "manifest digest equal (1 = yes)"], body)


def link(target: Path, page: Path) -> str:
    """A link from a Markdown page to a file of the repository, relative to the page's folder."""
    return os.path.relpath(target.resolve(), page.resolve().parent)


def replace_between(page: Path, begin: str, end: str, lines: list) -> None:
    text = page.read_text()
    if begin not in text or end not in text:
        raise SystemExit(f"{page} has no {begin} ... {end} markers")
    start, stop = text.index(begin), text.index(end) + len(end)
    page.write_text(text[:start] + "\n".join([begin] + lines + [end]) + text[stop:])


def run_line(doc: dict, results_path: Path, page: Path) -> str:
    m = doc.get("machine", {})
    shown = os.path.relpath(results_path.resolve(), b.ROOT)
    return (f"Generated by `bash eng/bench/run --readme` from [`{shown}`]({link(results_path, page)}) "
            f"({doc.get('mode')} run, {doc.get('generated')}, {m.get('cores')} cores, load {m.get('load_before')} "
            "before the run).")


def warnings(doc: dict) -> list:
    m = doc.get("machine", {})
    lines = []
    if doc.get("warning"):
        lines += [f"**{doc['warning']}.**", ""]
    if (m.get("load_before") or 0) > (m.get("cores") or 1):
        lines += ["**Taken under load: these figures are to be re-taken on a quiet machine.**", ""]
    return lines


def plot_lines(results_path: Path, page: Path) -> list:
    folder = results_path.resolve().parent
    plots = [f for f in ("publish.svg", "sizes.svg") if (folder / f).exists()]
    return [" ".join(f"![{f[:-4]}]({link(folder / f, page)})" for f in plots), ""] if plots else []


def rewrite_readme(doc: dict, results_path: Path = RESULTS) -> None:
    """Every area's table in docs/bench/README.md, the headline ratios in README.md."""
    rewrite_bench_readme(doc, results_path)
    rewrite_summary(doc, results_path)


def rewrite_bench_readme(doc: dict, results_path: Path) -> None:
    lines = [run_line(doc, results_path, BENCH_README) + " Medians of interleaved runs; ratio = ours / anchor; a "
             "target counts as met within a ±10% noise band. Each row names the command that reproduces it; the state "
             f"column is the cache state: {STATE_LEGEND}.", ""]
    lines += warnings(doc)
    lines += plot_lines(results_path, BENCH_README)
    rows = doc.get("results", [])
    for area in AREAS:
        area_rows = [r for r in rows if r.get("area") == area]
        if not area_rows:
            continue
        st = next((a for a in doc.get("areas", []) if a.get("area") == area), {})
        when = ", ".join(x for x in (f"{st['runs']} run{'s' if st['runs'] != 1 else ''}" if st.get("runs") else "",
                                     f"load {st['machine'].get('load_before')} before it" if st.get("machine") else "")
                         if x)
        most = max((r.get("runs") or 0 for r in area_rows), default=0)
        if st.get("runs") and most > st["runs"]:
            when += f" (the clean state in {most})"
        lines += [f"### {area} (`bash eng/bench/{area}`{', ' + when if when else ''})", ""]
        if area == "publish":
            lines += publish_tables(area_rows)
        elif area == "images":
            lines += images_table(area_rows)
        else:
            lines += generic_table(area_rows)
        lines.append("")
    skipped = [a for a in doc.get("areas", []) if a.get("status") != "ok"]
    notes = [f"- `{a['command']}`: {a['status']} ({a.get('reason', '')})" for a in skipped]
    notes += [f"- `{a['command']}`: ours not available in this checkout ({a.get('ours_reason')})"
              for a in doc.get("areas", []) if a.get("ours_available") is False]
    if notes:
        lines += ["Not measured in this run:"] + notes
    replace_between(BENCH_README, BEGIN, END, lines)


def summary_rows(rows: list) -> list:
    """The SUMMARY rows present in the results, in SUMMARY's order."""
    found = []
    for id, anchor_word, what in SUMMARY:
        r = next((x for x in rows if x["id"] == id and (anchor_word is None or anchor_word in (x.get("anchor") or ""))),
                 None)
        if r is not None:
            found.append((what, r))
    return found


def rewrite_summary(doc: dict, results_path: Path) -> None:
    lines = [run_line(doc, results_path, README) + " Medians of interleaved runs; ratio = ours / anchor, below 1 is "
             "faster or smaller; a target counts as met within a ±10% noise band. Every row of every area, with "
             f"the command that reproduces it: [docs/bench]({link(BENCH_README, README)}).", ""]
    lines += warnings(doc)
    lines += plot_lines(results_path, README)
    body = []
    for what, r in summary_rows(doc.get("results", [])):
        anchor = r.get("anchor") or ""
        if r.get("anchor_value") is not None:
            anchor += f" {b.fmt(r['anchor_value'], r.get('unit'))}"
        body.append([what, ours_text(r), anchor.strip(), ratio_text(r), target_text(r), b.verdict(r)])
    lines += table(["headline", "ours", "anchor", "ratio", "target", "result"], body)
    replace_between(README, SUMMARY_BEGIN, SUMMARY_END, lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
