"""What the SBOM and provenance cost a publish: attached (the defaults) against off, interleaved."""
import shutil
import sys
from pathlib import Path

import benchlib as b

STATES = ["clean", "first-on-machine", "nothing-changed"]
TOOLS = {"on": [], "off": ["-p:ContainerSbom=false", "-p:ContainerProvenance=false"]}
TARGET = {"clean": 1.05, "nothing-changed": 1.05}
BASE_REGISTRY = "localhost:5000"


def main() -> int:
    p = b.parser(__doc__.splitlines()[0], default_runs=5)
    p.add_argument("--samples", default="HelloConsole,HelloWeb")
    args = p.parse_args()
    samples = [s for s in args.samples.split(",") if s]
    b.require_base_registry()
    info = b.machine()
    work = b.scratch_dir("attestations")
    logs = b.ROOT / "artifacts/bench/logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / "attestations.log"
    log_file.write_text("")
    registry = b.BenchRegistry(work / "registry")
    times: dict = {}
    try:
        registry.start()
        feed, version = b.pack_sdk(b.ROOT / "artifacts/bench", log_file)
        store = work / "store"
        env = b.dotnet_env(b.nuget_folder(), store)
        copies = {(t, s): b.copy_sample(s, work / "copies" / t / s, feed, version) for t in TOOLS for s in samples}

        def command(tool, sample):
            project = copies[(tool, sample)] / b.SAMPLES[sample][1]
            return ["dotnet", "publish", project, "-c", "Release", "-nologo", "-v:m", "-p:ContainerBuild=true",
                    f"-p:ContainerBaseImageMirror={BASE_REGISTRY}", f"-p:ContainerRegistry={registry.host}",
                    f"-p:ContainerRepository=bench-att/{tool}/{sample.lower()}", *TOOLS[tool]]

        # Warm-up: restore, the compiler server, the store's base manifests and each layer's package extract.
        for (tool, sample) in copies:
            b.run(command(tool, sample), env=env, log_file=log_file)
        for i in range(args.runs):
            b.log(f"run {i + 1}/{args.runs}")
            for sample in samples:
                order = list(TOOLS) if i % 2 == 0 else list(reversed(TOOLS))
                for state in STATES:
                    for tool in order:
                        run_env = env
                        if state == "first-on-machine":
                            fresh = work / "fresh" / f"{tool}-{sample}-{i}"
                            shutil.rmtree(fresh, ignore_errors=True)
                            run_env = {**env, "CONTAINERIZE_STORE": str(fresh)}
                        if state != "nothing-changed":
                            b.clean_outputs(copies[(tool, sample)])
                        seconds = b.run(command(tool, sample), env=run_env, log_file=log_file)
                        times.setdefault((tool, sample, state), []).append(seconds)
    finally:
        b.stop_compiler_server(b.dotnet_env(b.nuget_folder()))
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for sample in samples:
        for state in STATES:
            on, off = b.median(times[("on", sample, state)]), b.median(times[("off", sample, state)])
            rows.append(b.row(f"attestations-{sample.lower()}-{state}", f"{sample}: publish with SBOM and provenance", state,
                              round(on, 3), "s", "the same publish without them", round(off, 3),
                              "dotnet publish -p:ContainerBuild=true (defaults) vs -p:ContainerSbom=false -p:ContainerProvenance=false",
                              target=f"<= {TARGET[state]}x" if state in TARGET else None, target_ratio=TARGET.get(state)))
    print(f"\nattestations: {args.runs} interleaved runs, medians; {info['cores']} cores, load before {info['load_before']}")
    b.print_table(rows)
    if args.json:
        b.write_doc(args.json, "attestations", rows, info, runs=args.runs,
                    times={"|".join(k): v for k, v in sorted(times.items())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
