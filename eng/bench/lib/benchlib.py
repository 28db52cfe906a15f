"""The benchmark contract shared by eng/bench/* scripts written in Python (stdlib only).

A script writes one JSON document: {"area", "machine": {...}, "results": [ROW...]}; a ROW compares ours with one
anchor. `met` uses a +-10% noise band: a figure within 10% of its target counts as met, because two runs on the same
machine differ by about that much.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NOISE_BAND = 1.10


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 2),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def met_of(ratio, target_ratio):
    if ratio is None or target_ratio is None:
        return None
    return ratio <= target_ratio * NOISE_BAND


def row(id, what, state, ours, unit, anchor, anchor_value, command, target=None, target_ratio=None, met=None,
        note=None, **extra) -> dict:
    """One result row. `met` may be given for targets that are not a ratio (e.g. 'only the app layer')."""
    ratio = None
    if ours is not None and anchor_value not in (None, 0):
        ratio = round(ours / anchor_value, 3)
    r = {"id": id, "what": what, "state": state, "ours": ours, "unit": unit, "anchor": anchor,
         "anchor_value": anchor_value, "ratio": ratio, "target": target, "target_ratio": target_ratio,
         "met": met if met is not None else met_of(ratio, target_ratio), "command": command}
    if note:
        r["note"] = note
    r.update(extra)
    return r


def write_doc(path, area: str, rows: list, machine_info: dict, **extra) -> None:
    doc = {"area": area, "machine": machine_info, "results": rows}
    doc.update(extra)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Temp file then rename: the harness never reads half a document.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, path)


def fmt(value, unit=None) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "s":
        return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if isinstance(value, float):
        return f"{value:.3g}"
    return f"{value}{' ' + unit if unit and unit not in ('files', 'bytes') else ''}"


def verdict(r: dict) -> str:
    if r.get("met") is None:
        return "-" if r.get("target") is None else "n/a"
    return "met" if r["met"] else "MISSED"


def print_table(rows: list, out=sys.stdout) -> None:
    headers = ["what", "state", "ours", "anchor", "ratio", "target", "result"]
    lines = []
    for r in rows:
        anchor = r.get("anchor") or ""
        if r.get("anchor_value") is not None:
            anchor = f"{anchor} {fmt(r['anchor_value'], r.get('unit'))}"
        lines.append([r["what"], r.get("state") or "", fmt(r.get("ours"), r.get("unit")), anchor,
                      "-" if r.get("ratio") is None else f"{r['ratio']:.2f}x", r.get("target") or "", verdict(r)])
    widths = [min(60, max(len(h), *(len(l[i]) for l in lines))) if lines else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)), file=out)
    for l in lines:
        print("  ".join(c.ljust(w) for c, w in zip(l, widths)), file=out)


def parser(description: str, default_runs: int = 3) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", metavar="FILE", help="write the results as one JSON document")
    p.add_argument("--runs", type=int, default=default_runs, help=f"interleaved runs, medians reported (default {default_runs})")
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class CommandFailed(Exception):
    pass


def run(cmd, cwd=None, env=None, log_file=None, check=True) -> float:
    """Runs a command and returns its wall time in seconds (the whole process, as a user waits for it)."""
    started = time.perf_counter()
    with open(log_file, "ab") if log_file else open(os.devnull, "wb") as out:
        if log_file:
            out.write(("\n$ " + " ".join(map(str, cmd)) + "\n").encode())
            out.flush()
        p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if check and p.returncode != 0:
        raise CommandFailed(f"exit {p.returncode}: {' '.join(map(str, cmd))}" + (f" (log: {log_file})" if log_file else ""))
    return elapsed


def nuget_folder() -> Path:
    """The NuGet packages folder every area and every bench run shares (CTZ_BENCH_NUGET, else artifacts/bench/nuget).
    Sharing is safe because NuGet caches by version and the packed Containerize.Sdk's version names its content; it
    saves each area's warm-up from restoring every package again."""
    return Path(os.environ.get("CTZ_BENCH_NUGET") or ROOT / "artifacts/bench/nuget")


def dotnet_env(packages_folder: Path, store: Path | None = None) -> dict:
    """dotnet with the bench's NuGet folder and no node reuse: a reused MSBuild node would keep stale task assemblies.
    `store` is ours' image store: one per area, so ours builds on the base it pulls now from the same registry as the
    SDK, not on whatever base an older test left in the user's cache under the same tag."""
    env = dict(os.environ)
    env.update({"NUGET_PACKAGES": str(packages_folder), "MSBUILDDISABLENODEREUSE": "1",
                "DOTNET_CLI_USE_MSBUILD_SERVER": "0", "DOTNET_NOLOGO": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
                "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1"})
    if store is not None:
        env["CONTAINERIZE_STORE"] = str(store)
    env.pop("CI", None)
    # The C# compiler server, as a developer's machine runs it (this machine's environment turns it off): every tool
    # compiles the same app, and a 3 s in-process compile in each publish only adds noise to the container parts.
    env["UseSharedCompilation"] = "true"
    return env


def stop_compiler_server(env: dict) -> None:
    """The compiler server the runs started: no process outlives the bench."""
    subprocess.run(["dotnet", "build-server", "shutdown", "--vbcscompiler"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


# What the packed Containerize.Sdk is made of: a change under these makes a new package version.
PACK_INPUTS = ["sdk/Containerize.Sdk", "src/Containerize.Tasks", "src/Containerize.Core", "Directory.Build.props",
               "Directory.Packages.props", "global.json"]


def pack_inputs_hash(root: Path = None) -> str:
    """A digest of the package's sources (paths and bytes, bin/ and obj/ left out)."""
    import hashlib
    root = root or ROOT
    h = hashlib.sha256()
    for top in PACK_INPUTS:
        base = root / top
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*") if p.is_file() and not {"bin", "obj"} & set(p.relative_to(base).parts))
        for f in files:
            h.update(str(f.relative_to(root)).encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def pack_sdk(out_root: Path, log_file) -> tuple[Path, str]:
    """Packs Containerize.Sdk from this checkout with a version named by its sources' digest: NuGet caches packages by
    version, so a changed source is a new version, and unchanged sources reuse the feed (and the shared NuGet folder's
    restored copy) of an earlier bench run. The harness packs once and hands the feed to every script through
    CTZ_BENCH_SDK_FEED / CTZ_BENCH_SDK_VERSION."""
    if os.environ.get("CTZ_BENCH_SDK_FEED") and os.environ.get("CTZ_BENCH_SDK_VERSION"):
        return Path(os.environ["CTZ_BENCH_SDK_FEED"]), os.environ["CTZ_BENCH_SDK_VERSION"]
    version = f"0.1.0-bench.{pack_inputs_hash()}"
    feed = out_root / "packages" / version
    if (feed / f"Containerize.Sdk.{version}.nupkg").is_file():
        log(f"Containerize.Sdk {version}: sources unchanged, the packed feed is reused")
        return feed, version
    # Packed aside, then renamed: a feed folder that exists is always a whole package.
    partial = out_root / "packages" / f"{version}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    env = dict(os.environ, MSBUILDDISABLENODEREUSE="1")
    try:
        run(["dotnet", "pack", ROOT / "sdk/Containerize.Sdk/Containerize.Sdk.csproj", "-c", "Release",
             f"-p:Version={version}", "-o", partial, "-nologo"], env=env, log_file=log_file)
        if not (partial / f"Containerize.Sdk.{version}.nupkg").is_file():
            raise CommandFailed(f"dotnet pack wrote no Containerize.Sdk.{version}.nupkg; see {log_file}")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(feed, ignore_errors=True)
    os.replace(partial, feed)
    return feed, version


def write_nuget_config(folder: Path, feed: Path) -> None:
    (folder / "nuget.config").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="containerize-bench" value="{feed}" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
""")


# Makes the copied samples reference the packed package, whatever the samples themselves say about it.
PACKAGE_TARGETS = """<Project>
  <ItemGroup>
    <PackageReference Remove="Containerize.Sdk" />
    <PackageReference Include="Containerize.Sdk" Version="$(ContainerizeSdkVersion)" PrivateAssets="all" />
  </ItemGroup>
</Project>
"""

SAMPLES = {
    # name: (folder to copy under samples/, project to publish relative to the copy, base image of the SDK's inference)
    "HelloConsole": ("HelloConsole", "HelloConsole/HelloConsole.csproj", "dotnet/runtime:10.0"),
    "HelloWeb": ("HelloWeb", "HelloWeb/HelloWeb.csproj", "dotnet/aspnet:10.0"),
    "Solution": ("Solution", "Solution/src/Web/Web.csproj", "dotnet/aspnet:10.0"),
}
# The source file the one-file-changed state edits, relative to the copy.
EDITED_FILE = {"HelloConsole": "HelloConsole/Program.cs", "HelloWeb": "HelloWeb/Program.cs",
               "Solution": "Solution/src/Web/Program.cs"}


def copy_sample(sample: str, dest: Path, feed: Path | None, version: str | None) -> Path:
    """A copy of a sample as a user's repository: the samples' root props, a nuget.config, and (for ours) the package."""
    folder, _, _ = SAMPLES[sample]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in ("Directory.Build.props", "Directory.Packages.props"):
        shutil.copy2(ROOT / "samples" / f, dest / f)
    shutil.copytree(ROOT / "samples" / folder, dest / folder, ignore=shutil.ignore_patterns("bin", "obj"))
    if feed is not None:
        write_nuget_config(dest, feed)
        (dest / "Directory.Build.targets").write_text(PACKAGE_TARGETS)
        props = dest / "Directory.Build.props"
        props.write_text(props.read_text().replace("</Project>",
                         f"  <PropertyGroup>\n    <ContainerizeSdkVersion>{version}</ContainerizeSdkVersion>\n  </PropertyGroup>\n</Project>"))
    return dest


def clean_outputs(copy: Path) -> None:
    for d in list(copy.rglob("bin")) + list(copy.rglob("obj")):
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)


def edit_source(copy: Path, sample: str, n: int) -> None:
    """A real code change: a new constant, so the app's assembly changes (a comment alone might not)."""
    path = copy / EDITED_FILE[sample]
    original = (ROOT / "samples" / SAMPLES[sample][0] / Path(EDITED_FILE[sample]).relative_to(SAMPLES[sample][0])).read_text()
    path.write_text(original.rstrip("\n") + f"\n\ninternal static class BenchEdit {{ public const int Value = {n}; }}\n")


def scratch_dir(prefix: str) -> Path:
    base = os.environ.get("CTZ_BENCH_DIR")
    if base:
        p = Path(base) / prefix
        if p.exists():
            shutil.rmtree(p)
        p.mkdir(parents=True)
        return p
    # Outside the repository: MSBuild and NuGet search upwards for Directory.Build.* and nuget.config.
    return Path(tempfile.mkdtemp(prefix=f"ctz-bench-{prefix}."))


MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"])


class BenchRegistry:
    """A private CNCF registry with its access log on, so that the blobs each publish uploads can be counted.
    The shared registry on localhost:5000 keeps serving the base images; this one only receives pushes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.host = f"localhost:{self.port}"
        self.log_path = folder / "access.log"
        self.proc = None

    def start(self) -> "BenchRegistry":
        import urllib.request
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.yml"
        config.write_text(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {self.folder / 'data'}
http:
  addr: 127.0.0.1:{self.port}
  secret: containerize-bench
""")
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=self.log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise CommandFailed(f"the bench registry did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def log_position(self) -> int:
        self.log_file.flush()
        return self.log_path.stat().st_size

    def uploaded_since(self, position: int) -> list[str]:
        """Digests of the blobs whose upload completed since `position` (cross-repository mounts are not uploads)."""
        import re
        from urllib.parse import unquote
        time.sleep(0.2)  # the registry writes its access log line after answering
        with open(self.log_path, "rb") as f:
            f.seek(position)
            text = f.read().decode("utf-8", "replace")
        digests = []
        for m in re.finditer(r'"(PUT|POST) (/v2/\S+/blobs/uploads/\S*) HTTP/[\d.]+" (\d+)', text):
            method, url, status = m.groups()
            if status != "201" or "mount=" in url:
                continue
            d = re.search(r"[?&]digest=([^& ]+)", url)
            if d:
                digests.append(unquote(d.group(1)))
        return digests

    def manifest(self, repo: str, tag: str):
        """(digest, manifest) as the registry serves it, or (None, None) when the tag is absent."""
        import urllib.error
        import urllib.request
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/v2/{repo}/manifests/{tag}",
                                     headers={"Accept": MANIFEST_ACCEPT})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.headers.get("Docker-Content-Digest"), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None, None
            raise

    def blob_json(self, digest: str):
        """A JSON blob (an image config) as this registry stores it; None when absent."""
        try:
            return json.loads(self.blob_path(digest).read_bytes())
        except (OSError, ValueError):
            return None

    def blob_path(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.folder / "data/docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"


def require_base_registry(repos=("dotnet/runtime", "dotnet/aspnet")) -> None:
    """The SDK and ours pull their bases from localhost:5000 (eng/setup fills it); say so plainly when it is not up."""
    import urllib.request
    for repo in repos:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:5000/v2/{repo}/manifests/10.0",
                                         headers={"Accept": MANIFEST_ACCEPT}, method="HEAD")
            urllib.request.urlopen(req, timeout=5).close()
        except OSError as e:
            raise CommandFailed(f"localhost:5000 does not serve {repo}:10.0 ({e}): run `bash eng/setup` first "
                                "(it starts the registry and pushes the offline .NET base images)")


def timed(cmd: str, work: Path) -> tuple[float, float, int]:
    """(wall s, cpu s, peak RSS KiB) of a shell command, from GNU time."""
    tf = work / "time.txt"
    p = subprocess.run(["/usr/bin/time", "-o", str(tf), "-f", "%e %U %S %M", "bash", "-c", cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise CommandFailed(f"{cmd}\n{p.stderr.decode(errors='replace')[-2000:]}")
    wall, user, sys_, kb = tf.read_text().split()[-4:]
    return float(wall), float(user) + float(sys_), int(kb)


def timed_summaries(got: dict):
    """Per-command medians of wall and CPU seconds and the peak RSS in MB, over timed() samples keyed by command."""
    return (lambda k: median([x[0] for x in got[k]]),
            lambda k: median([x[1] for x in got[k]]),
            lambda k: round(max(x[2] for x in got[k]) / 1024, 1))
