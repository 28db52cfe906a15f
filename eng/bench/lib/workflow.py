"""The guide's workflow past the build: published ports (ours vs podman) and git-URL contexts (ours vs Docker 26)."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import benchlib as b

BASE = "localhost:5000/busybox:latest"
HTTPD = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
TARGET = {"run-published": 1.0, "git-context-cold": 1.0, "git-context-nothing-changed": 1.0}


def cli() -> str:
    p = subprocess.run(["bash", str(b.ROOT / "eng/build-cli")], stdout=subprocess.PIPE, check=False)
    if p.returncode != 0:
        raise b.CommandFailed("eng/build-cli failed")
    return p.stdout.decode().strip().splitlines()[-1]


def until_answer(port: int, limit: float = 60) -> None:
    deadline = time.time() + limit
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.time() > deadline:
                raise b.CommandFailed(f"nothing answered on port {port}")
            time.sleep(0.02)


def timed_run(start: list, stop: list, port: int, env: dict, log_file) -> float:
    """From the run command to the first HTTP answer on the published port; the removal is not timed."""
    started = time.perf_counter()
    b.run(start, env=env, log_file=log_file)
    until_answer(port)
    elapsed = time.perf_counter() - started
    b.run(stop, env=env, log_file=log_file)
    return elapsed


def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=5)
    args = p.parse_args()
    b.require_base_registry()
    info = b.machine()
    work = b.scratch_dir("workflow")
    logs = b.ROOT / "artifacts/bench/logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / "workflow.log"
    log_file.write_text("")
    ours = cli()
    docker = os.environ.get("CTZ_DOCKER26") or str(b.ROOT / "artifacts/lab/docker26/docker")
    podman_dir = b.ROOT / "artifacts/podman"
    env = dict(os.environ)
    podman_env = {**env, "CONTAINERS_CONF": str(podman_dir / "containers.conf"), "CONTAINERS_STORAGE_CONF": str(podman_dir / "storage.conf")}
    store, runtime = work / "store", work / "runtime"
    times: dict = {}
    daemon = None
    try:
        # The image: busybox with httpd as its command, in our store and podman's.
        image_ctx = work / "image"
        image_ctx.mkdir(parents=True)
        (image_ctx / "Dockerfile").write_text(f"FROM {BASE}\nEXPOSE 8080\nCMD {HTTPD!r}\n".replace("'", '"'))
        b.run([ours, "build", "--store", store, "--runtime-root", runtime, "-t", "bench/web:1", image_ctx], env=env, log_file=log_file)
        b.run(["podman", "pull", "--tls-verify=false", BASE], env=podman_env, log_file=log_file)

        # The repository: a tag whose app/ folder is the context (a Dockerfile, a .dockerignore and some files).
        repo = work / "git" / "app.git"
        src = work / "src"
        (src / "app" / "files").mkdir(parents=True)
        (src / "app" / "Dockerfile").write_text(f"FROM {BASE}\nCOPY . /src\nRUN ls -R /src > /listing\n")
        (src / "app" / ".dockerignore").write_text("*.log\n")
        for i in range(200):
            (src / "app" / "files" / f"f{i}.txt").write_text(f"file {i}\n" * 50)
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "init.defaultBranch=main"]
        b.run([*git, "init", "-q", src], log_file=log_file)
        b.run([*git, "-C", src, "add", "-A"], log_file=log_file)
        b.run([*git, "-C", src, "commit", "-qm", "bench"], log_file=log_file)
        b.run([*git, "-C", src, "tag", "v1"], log_file=log_file)
        b.run(["git", "clone", "-q", "--bare", src, repo], log_file=log_file)
        git_port = b.free_port()
        daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={work / 'git'}", "--listen=127.0.0.1",
                                   f"--port={git_port}", str(work / "git")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        url = f"git://127.0.0.1:{git_port}/app.git#v1:app"
        builds = {
            "ours": lambda extra: [ours, "build", "--store", store, "--runtime-root", runtime, *extra, "-t", "bench/git:1", url],
            "docker26": lambda extra: [docker, "build", "-q", "--network=host", *extra, "-t", "bench/git:1", url],
        }
        for tool in builds:  # warm-up: the base in each engine
            b.run(builds[tool]([]), env={**env, "DOCKER_BUILDKIT": "1"}, log_file=log_file)

        for i in range(args.runs):
            b.log(f"run {i + 1}/{args.runs}")
            order = ["ours", "podman"] if i % 2 == 0 else ["podman", "ours"]
            for tool in order:
                port = b.free_port()
                name = f"bench-web-{i}-{tool}"
                if tool == "ours":
                    start = [ours, "run", "--store", store, "--runtime-root", runtime, "-d", "-p", f"{port}:8080", "--name", name, "bench/web:1"]
                    stop = [ours, "rm", "-f", "--runtime-root", runtime, name]
                    t = timed_run(start, stop, port, env, log_file)
                else:
                    start = ["podman", "run", "-d", "--network", "slirp4netns", "-p", f"{port}:8080", "--name", name, BASE, *HTTPD]
                    stop = ["podman", "rm", "-f", "-t", "0", name]
                    t = timed_run(start, stop, port, podman_env, log_file)
                times.setdefault((tool, "run-published"), []).append(t)
            tools = ["ours", "docker26"] if i % 2 == 0 else ["docker26", "ours"]
            for state, extra in (("git-context-cold", ["--no-cache"]), ("git-context-nothing-changed", [])):
                for tool in tools:
                    t = b.run(builds[tool](extra), env={**env, "DOCKER_BUILDKIT": "1"}, log_file=log_file)
                    times.setdefault((tool, state), []).append(t)
    finally:
        if daemon:
            daemon.terminate()
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        b.row("workflow-run-published", "run -d -p HOST:8080 of a busybox httpd image until the first HTTP 200", "run-published",
              round(b.median(times[("ours", "run-published")]), 3), "s", "podman run -d --network slirp4netns -p",
              round(b.median(times[("podman", "run-published")]), 3), "containerize run -d -p vs podman run -d --network slirp4netns -p",
              target="<= 1.0x", target_ratio=TARGET["run-published"]),
    ]
    for state in ("git-context-cold", "git-context-nothing-changed"):
        rows.append(b.row(f"workflow-{state}", "build git://…#TAG:SUBDIR (200 files, COPY + RUN)", state,
                          round(b.median(times[("ours", state)]), 3), "s", "docker build (Docker 26, BuildKit)",
                          round(b.median(times[("docker26", state)]), 3), "containerize build GIT-URL vs docker build GIT-URL",
                          target="<= 1.0x", target_ratio=TARGET[state]))
    print(f"\nworkflow: {args.runs} interleaved runs, medians; {info['cores']} cores, load before {info['load_before']}")
    b.print_table(rows)
    if args.json:
        b.write_doc(args.json, "workflow", rows, info, runs=args.runs, times={"|".join(k): v for k, v in sorted(times.items())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
