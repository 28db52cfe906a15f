"""Checks of the harness's own logic, without measuring anything: python3 -m unittest discover -s eng/bench/lib"""
import json
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import bases
import benchlib as b
import images
import publish
import run
import svg
import unpack


class RowTests(unittest.TestCase):
    def test_ratio_and_noise_band(self):
        r = b.row("x", "w", "cached", 1.15, "s", "a", 1.0, "cmd", target="<= 1.05x", target_ratio=1.05)
        self.assertEqual(r["ratio"], 1.15)
        self.assertTrue(r["met"])  # 1.15 <= 1.05 * 1.10 = 1.155
        r = b.row("x", "w", "cached", 1.16, "s", "a", 1.0, "cmd", target="<= 1.05x", target_ratio=1.05)
        self.assertFalse(r["met"])

    def test_no_target_or_no_ours_is_not_a_verdict(self):
        self.assertIsNone(b.row("x", "w", "cold", 2.0, "s", "a", 1.0, "cmd")["met"])
        r = b.row("x", "w", "cold", None, "s", "a", 1.0, "cmd", target="<= 0.5x", target_ratio=0.5, note="n/a")
        self.assertIsNone(r["ratio"])
        self.assertIsNone(r["met"])
        self.assertEqual(b.verdict(r), "n/a")

    def test_explicit_met_for_count_targets(self):
        r = b.row("x", "w", "one-file-changed", 1, "blobs", "SDK", 1, "cmd", target="only the app layer", met=True)
        self.assertTrue(r["met"])

    def test_contract_fields(self):
        r = b.row("x", "w", "n/a", 1.0, "s", "a", 2.0, "cmd")
        for k in ("id", "what", "state", "ours", "unit", "anchor", "anchor_value", "ratio", "target", "target_ratio",
                  "met", "command"):
            self.assertIn(k, r)


class RegistryLogTests(unittest.TestCase):
    def test_counts_completed_uploads_not_mounts(self):
        with tempfile.TemporaryDirectory() as d:
            reg = b.BenchRegistry(Path(d))
            reg.log_path.write_text(
                '127.0.0.1 - - [x] "POST /v2/r/blobs/uploads/?mount=sha256:aa&from=o HTTP/1.1" 201 0 "" "ua"\n'
                '127.0.0.1 - - [x] "POST /v2/r/blobs/uploads/ HTTP/1.1" 202 0 "" "ua"\n'
                '127.0.0.1 - - [x] "PATCH /v2/r/blobs/uploads/u1 HTTP/1.1" 202 0 "" "ua"\n'
                '127.0.0.1 - - [x] "PUT /v2/r/blobs/uploads/u1?_state=s&digest=sha256%3Abb HTTP/1.1" 201 0 "" "ua"\n'
                '127.0.0.1 - - [x] "POST /v2/r/blobs/uploads/?digest=sha256%3Acc HTTP/1.1" 201 0 "" "ua"\n'
                '127.0.0.1 - - [x] "PUT /v2/r/manifests/latest HTTP/1.1" 201 0 "" "ua"\n')
            reg.log_file = open(reg.log_path, "ab")
            try:
                self.assertEqual(reg.uploaded_since(0), ["sha256:bb", "sha256:cc"])
            finally:
                reg.log_file.close()


class ReportTests(unittest.TestCase):
    def doc(self):
        rows = []
        for state, ours, sdk, plain in (("cold", 10.0, 12.0, 8.0), ("cached", 2.0, 2.5, 1.95)):
            base = f"publish.HelloWeb.{state}.tarball"
            rows.append(b.row(f"{base}.vs-sdk", "HelloWeb publish to a tarball", state, ours, "s",
                              "SDK PublishContainer", sdk, "bash eng/bench/publish", sample="HelloWeb",
                              destination="tarball"))
            rows.append(b.row(f"{base}.vs-plain", "HelloWeb publish to a tarball", state, ours, "s",
                              "plain dotnet publish", plain, "bash eng/bench/publish",
                              target="<= 1.05x" if state == "cached" else None,
                              target_ratio=1.05 if state == "cached" else None, sample="HelloWeb",
                              destination="tarball"))
        rows.append(b.row("images.HelloWeb.size-compressed", "HelloWeb image size, compressed", "cold", 100.0, "MB",
                          "SDK PublishContainer", 101.0, "bash eng/bench/images", sample="HelloWeb"))
        rows.append(b.row("layers.parallel", "4 layers | in parallel", "n/a", 3.0, "s", "sequential", 6.0,
                          "bash eng/bench/layers", target="<= 0.6x", target_ratio=0.6))
        for r in rows:
            r["area"] = r["id"].split(".")[0]
        return {"generated": "2026-01-01T00:00:00Z", "mode": "full", "machine": {"cores": 2, "load_before": 0.2},
                "areas": [{"area": "publish", "status": "ok", "command": "bash eng/bench/publish"},
                          {"area": "engine", "status": "missing", "reason": "not here", "command": "bash eng/bench/engine"}],
                "results": rows}

    def test_readme_section_is_rewritten_between_markers_only(self):
        with tempfile.TemporaryDirectory() as d:
            bench_readme = Path(d) / "docs/bench/README.md"
            bench_readme.parent.mkdir(parents=True)
            bench_readme.write_text(f"# T\nbefore\n{run.BEGIN}\nold table\n{run.END}\nafter\n")
            readme = Path(d) / "README.md"
            readme.write_text(f"# R\nbefore\n{run.SUMMARY_BEGIN}\nold summary\n{run.SUMMARY_END}\nafter\n")
            saved = run.README, run.BENCH_README
            run.README, run.BENCH_README = readme, bench_readme
            try:
                run.rewrite_readme(self.doc())
                run.rewrite_readme(self.doc())  # idempotent
            finally:
                run.README, run.BENCH_README = saved
            text = bench_readme.read_text()
            self.assertTrue(text.startswith("# T\nbefore\n"))
            self.assertTrue(text.endswith(f"{run.END}\nafter\n"))
            self.assertNotIn("old table", text)
            self.assertEqual(text.count(run.BEGIN), 1)
            self.assertIn("| HelloWeb | tarball | nothing changed (cached) | 2.00 s | 2.50 s | 1.95 s | 0.80× | 1.03× | ≤ 1.05× | met |", text)
            self.assertIn("4 layers \\| in parallel", text)  # a '|' in a cell does not break the table
            self.assertIn("`bash eng/bench/engine`: missing (not here)", text)
            # The README gets the headline rows only, in SUMMARY's order, and a link to the full tables beside it.
            summary = readme.read_text()
            self.assertTrue(summary.startswith("# R\nbefore\n"))
            self.assertTrue(summary.endswith(f"{run.SUMMARY_END}\nafter\n"))
            self.assertNotIn("old summary", summary)
            self.assertEqual(summary.count(run.SUMMARY_BEGIN), 1)
            self.assertIn("[docs/bench](docs/bench/README.md)", summary)
            plain = summary.index("| HelloWeb publish to a tarball, nothing changed, vs a plain `dotnet publish` | 2.00 s | plain dotnet publish 1.95 s | 1.03× | ≤ 1.05× | met |")
            sdk = summary.index("| HelloWeb publish to a tarball, nothing changed, vs the SDK's PublishContainer | 2.00 s | SDK PublishContainer 2.50 s | 0.80× |")
            self.assertLess(plain, sdk)
            self.assertIn("HelloWeb image size, compressed, vs the SDK's", summary)
            self.assertNotIn("in parallel", summary)  # not a headline row

    def test_summary_picks_a_row_by_its_anchor_when_an_id_has_several(self):
        rows = [b.row("engine.cold.dotnet", "w", "cold", 1.0, "s", "docker build (classic, DOCKER_BUILDKIT=0)", 2.0, "c"),
                b.row("engine.cold.dotnet", "w", "cold", 1.0, "s", "docker build (BuildKit)", 1.25, "c")]
        found = run.summary_rows(rows)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0][1]["anchor"], "docker build (BuildKit)")

    def test_plots_are_well_formed_svg(self):
        groups = [("HelloWeb, cold", [("ours", None), ("SDK", 12.0), ("plain", 8.0)])]
        text = svg.document([("publish", groups, "s")], "sub & title", ["ours", "SDK", "plain"])
        root = ET.fromstring(text)
        self.assertTrue(root.tag.endswith("svg"))
        self.assertIn("ours: n/a", text)  # a missing value is said, never drawn as a zero bar

    def test_write_doc_is_one_json_document(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "a.json"
            b.write_doc(p, "publish", self.doc()["results"], {"cores": 2})
            doc = json.loads(p.read_text())
            self.assertEqual(doc["area"], "publish")
            self.assertEqual(len(doc["results"]), 6)
            self.assertFalse((Path(d) / "a.json.tmp").exists())


class AreaTests(unittest.TestCase):
    """run_area drives a script through the contract: --runs N --json FILE, then reads its one document."""

    def run_fake(self, script_text):
        import types
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "eng/bench").mkdir(parents=True)
            (root / "eng/bench/fake").write_text(script_text)
            saved = b.ROOT
            b.ROOT = root
            try:
                args = types.SimpleNamespace(runs=2, quick=False)
                logs = root / "logs"
                logs.mkdir()
                return run.run_area("fake", args, {"PATH": "/usr/bin:/bin"}, logs)
            finally:
                b.ROOT = saved

    def test_contract_script_rows_are_merged_with_their_area(self):
        status, rows = self.run_fake(r"""#!/usr/bin/env bash
# usage: fake [--runs N] [--json FILE]
while [ $# -gt 0 ]; do case $1 in --runs) runs=$2; shift 2;; --json) json=$2; shift 2;; *) exit 2;; esac; done
printf '{"area": "fake", "machine": {"cores": 2}, "results": [{"id": "fake.a", "ours": %s}]}' "$runs" > "$json"
""")
        self.assertEqual(status["status"], "ok")
        self.assertEqual(rows, [{"id": "fake.a", "ours": 2, "area": "fake"}])

    def test_script_before_the_contract_is_skipped_not_run(self):
        status, rows = self.run_fake("#!/usr/bin/env bash\ntouch /nonexistent/should-not-run\n")
        self.assertEqual(status["status"], "not-on-contract")
        self.assertEqual(rows, [])

    def test_failing_script_is_reported(self):
        status, rows = self.run_fake("#!/usr/bin/env bash\n# --json\nexit 3\n")
        self.assertEqual(status["status"], "failed")
        self.assertIn("exit 3", status["reason"])


class BaseTests(unittest.TestCase):
    """Layers above the base an image was built on, whatever the registry's tag names now (the 57.9 MB bug)."""

    def layers(self, *digests):
        return [{"digest": d, "size": 10} for d in digests]

    def test_app_layers_are_those_above_the_base_it_was_built_on(self):
        self.assertEqual(bases.app_layers(self.layers("a", "b", "c"), ["a", "b"]), self.layers("c"))
        # Another base (a re-pushed tag) is not a prefix: unknown, never the whole image counted as the app's.
        self.assertIsNone(bases.app_layers(self.layers("a", "b", "c"), ["x", "b"]))
        self.assertIsNone(bases.app_layers(self.layers("a"), None))

    @staticmethod
    def layout(folder: Path, refs: dict) -> dict:
        """An OCI layout at folder with one manifest per ref name -> layer digests; returns ref -> manifest digest."""
        import hashlib
        (folder / "blobs/sha256").mkdir(parents=True)
        (folder / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        out, entries = {}, []
        for ref, layers in refs.items():
            data = json.dumps({"schemaVersion": 2, "layers": [{"digest": d, "size": 1} for d in layers]}).encode()
            hexd = hashlib.sha256(data).hexdigest()
            (folder / "blobs/sha256" / hexd).write_bytes(data)
            out[ref] = f"sha256:{hexd}"
            entries.append({"digest": out[ref], "annotations": {"org.opencontainers.image.ref.name": ref}})
        (folder / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": entries}))
        return out

    def test_ours_base_is_its_final_from_in_the_store_it_built_with(self):
        with tempfile.TemporaryDirectory() as d:
            store, c = Path(d) / "store", Path(d) / "container"
            c.mkdir()
            self.layout(store, {"localhost:5000/dotnet/aspnet:10.0": ["a", "b"], "localhost:5000/sdk:10.0": ["s"]})
            (c / "Dockerfile").write_text("# generated\nFROM --platform=linux/amd64 localhost:5000/sdk:10.0 AS build\n"
                                          "RUN x\nFROM localhost:5000/dotnet/aspnet:10.0\nWORKDIR /app/\nCOPY app/ /app/\n")
            # The WORKDIR's layer (w) is above the base: the app's, though image.json counts it among the base's.
            image = {"layers": self.layers("a", "b", "w", "c")}
            self.assertEqual(bases.ours_base_layers(c, image, store), ["a", "b"])
            self.assertEqual(bases.app_layers(image["layers"], ["a", "b"]), self.layers("w", "c"))
            # The image read back is not on that base (the store's tag moved): unknown.
            self.assertIsNone(bases.ours_base_layers(c, {"layers": self.layers("z", "b", "c")}, store))
            self.assertIsNone(bases.ours_base_layers(c, image, Path(d) / "no-store"))

    def test_final_from(self):
        self.assertEqual(bases.final_from("FROM a AS x\nRUN y\nfrom --platform=p b:1\n"), "b:1")
        self.assertIsNone(bases.final_from("RUN y\n"))

    def test_sdk_base_is_resolved_by_its_label_digest_from_a_layout(self):
        import hashlib
        with tempfile.TemporaryDirectory() as d:
            layout = Path(d) / "aspnet"
            (layout / "blobs/sha256").mkdir(parents=True)
            (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')

            def put(doc):
                data = json.dumps(doc).encode()
                hexd = hashlib.sha256(data).hexdigest()
                (layout / "blobs/sha256" / hexd).write_bytes(data)
                return f"sha256:{hexd}"
            manifest = put({"schemaVersion": 2, "layers": self.layers("sha256:l1", "sha256:l2")})
            index = put({"schemaVersion": 2, "manifests": [
                {"digest": "sha256:arm", "platform": {"architecture": "arm64", "os": "linux"}},
                {"digest": manifest, "platform": {"architecture": "amd64", "os": "linux"}}]})
            nowhere = "http://127.0.0.1:9"  # the registry is not asked when a layout has the blob
            for digest in (manifest, index):
                config = {"config": {"Labels": {bases.BASE_DIGEST_LABEL: digest,
                                                bases.BASE_NAME_LABEL: "localhost:5000/dotnet/aspnet:10.0"}}}
                self.assertEqual(bases.resolve_base_layers(config, [Path(d)], nowhere), ["sha256:l1", "sha256:l2"])
            self.assertIsNone(bases.resolve_base_layers({"config": {"Labels": {}}}, [Path(d)], nowhere))
            unknown = {"config": {"Labels": {bases.BASE_DIGEST_LABEL: "sha256:" + "0" * 64,
                                             bases.BASE_NAME_LABEL: "localhost:5000/dotnet/aspnet:10.0"}}}
            self.assertIsNone(bases.resolve_base_layers(unknown, [Path(d)], nowhere))

    def test_registry_repo_of_a_base_name(self):
        self.assertEqual(bases.registry_repo("localhost:5000/dotnet/runtime:10.0"), "dotnet/runtime")
        self.assertEqual(bases.registry_repo("localhost:5000/dotnet/runtime@sha256:ab"), "dotnet/runtime")
        self.assertEqual(bases.registry_repo("mcr.microsoft.com/dotnet/aspnet"), "dotnet/aspnet")
        self.assertIsNone(bases.registry_repo("dotnet/aspnet:10.0"))
        self.assertIsNone(bases.registry_repo(None))


class PackTests(unittest.TestCase):
    def test_package_version_follows_its_sources_only(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            for top in b.PACK_INPUTS:
                if top.endswith((".props", ".json")):
                    (root / top).write_text("x")
                else:
                    (root / top / "obj").mkdir(parents=True)
                    (root / top / "a.cs").write_text("class A {}")
            first = b.pack_inputs_hash(root)
            (root / "src/Containerize.Core/obj/x.dll").write_text("build output")
            self.assertEqual(b.pack_inputs_hash(root), first)
            (root / "src/Containerize.Core/a.cs").write_text("class B {}")
            self.assertNotEqual(b.pack_inputs_hash(root), first)


    def test_an_unchanged_package_is_not_packed_again(self):
        import os
        saved = (b.pack_inputs_hash, b.run, os.environ.pop("CTZ_BENCH_SDK_FEED", None))
        calls = []
        b.pack_inputs_hash = lambda root=None: "abc"
        b.run = lambda *a, **k: calls.append(a)
        try:
            with tempfile.TemporaryDirectory() as d:
                feed = Path(d) / "packages/0.1.0-bench.abc"
                feed.mkdir(parents=True)
                (feed / "Containerize.Sdk.0.1.0-bench.abc.nupkg").write_bytes(b"pk")
                self.assertEqual(b.pack_sdk(Path(d), None), (feed, "0.1.0-bench.abc"))
                self.assertEqual(calls, [])
                # A pack that writes no package leaves no feed folder behind, whole or partial.
                with self.assertRaises(b.CommandFailed):
                    b.pack_inputs_hash = lambda root=None: "def"
                    b.pack_sdk(Path(d), None)
                self.assertEqual(len(calls), 1)
                self.assertEqual(sorted(p.name for p in (Path(d) / "packages").iterdir()), ["0.1.0-bench.abc"])
        finally:
            b.pack_inputs_hash, b.run = saved[0], saved[1]
            if saved[2] is not None:
                os.environ["CTZ_BENCH_SDK_FEED"] = saved[2]


class ElapsedTests(unittest.TestCase):
    def test_area_elapsed_text(self):
        self.assertEqual(run.elapsed_text({"seconds": 754.2, "runs": 10}), "12m34s (10 runs)")
        self.assertEqual(run.elapsed_text({"seconds": 25.3, "runs": 1}), "0m25s (1 run)")
        self.assertEqual(run.elapsed_text({}), "-")


class PublishRunsTests(unittest.TestCase):
    def test_sample_runs(self):
        self.assertEqual(publish.parse_sample_runs("Solution=5,HelloWeb=8"), {"Solution": 5, "HelloWeb": 8})
        self.assertEqual(publish.parse_sample_runs(""), {})
        for bad in ("Solution", "Solution=0", "Solution=x"):
            with self.assertRaises(ValueError):
                publish.parse_sample_runs(bad)

    def test_a_sample_with_fewer_runs_takes_part_in_the_first_ones(self):
        samples = ["HelloConsole", "HelloWeb", "Solution"]
        runs = [publish.samples_in_run(samples, {"Solution": 5}, i) for i in range(10)]
        self.assertEqual(sum("Solution" in r for r in runs), 5)
        self.assertEqual(runs[4], samples)
        self.assertEqual(runs[5], ["HelloConsole", "HelloWeb"])
        self.assertTrue(all("HelloWeb" in r for r in runs))


class PublishRowsTests(unittest.TestCase):
    def test_clean_state_has_the_container_part_target(self):
        with tempfile.TemporaryDirectory() as d:
            bench = publish.PublishBench(Path(d), ["HelloConsole", "Solution"], ["tarball", "registry"],
                                         publish.STATES, None, Path(d) / "log", {"Solution": 1})
            for sample in bench.samples:
                bench.times[("package", sample, "cold")] = [9.0, 9.5]
                for state in publish.STATES:
                    bench.times[("plain", sample, state)] = [8.0, 8.0]
                    for dest in bench.dests:
                        bench.times[(f"ours-{dest}", sample, state)] = [10.0, 11.0]
                        bench.times[(f"sdk-{dest}", sample, state)] = [14.0, 15.0]
            rows = {r["id"]: r for r in bench.rows()}
        part = rows["publish.Solution.cold.registry.container-part"]
        # Paired per run: ours minus the plain publish with the package (10-9, 11-9.5) -> 1.25 s; the SDK minus the
        # plain publish (14-8, 15-8) -> 6.5 s; target at most half.
        self.assertEqual((part["ours"], part["anchor_value"], part["ratio"]), (1.25, 6.5, 0.192))
        self.assertEqual((part["state"], part["target_ratio"], part["met"]), ("cold", 0.5, True))
        self.assertEqual(part["runs"], 2)
        # The same part with the package's restore in it, shown without a target: (10-8, 11-8) -> 2.5 s.
        whole = rows["publish.Solution.cold.registry.container-part-with-restore"]
        self.assertEqual((whole["ours"], whole["anchor_value"], whole["ratio"], whole["target"]), (2.5, 6.5, 0.385, None))
        # And the package's own cost, apart: (9-8, 9.5-8) -> 1.25 s, no ratio.
        restore = rows["publish.Solution.cold.package-restore"]
        self.assertEqual((restore["ours"], restore["anchor_value"], restore["ratio"]), (1.25, None, None))
        for sample in ("HelloConsole", "Solution"):
            for dest in ("tarball", "registry"):
                for state in publish.STATES:
                    self.assertIn(f"publish.{sample}.{state}.{dest}.vs-sdk", rows)
                self.assertIn(f"publish.{sample}.cold.{dest}.container-part", rows)


    def test_the_fresh_runner_state_has_the_whole_command_and_container_part_targets(self):
        with tempfile.TemporaryDirectory() as d:
            bench = publish.PublishBench(Path(d), ["HelloWeb"], ["tarball", "registry"], ["fresh-runner"], None, Path(d) / "log")
            self.assertNotIn("portable-registry", bench.tools(), "the portable path is timed in the clean state only")
            cmd = [str(c) for c in bench.command("ours-registry", "HelloWeb", "fresh-runner")]
            self.assertIn(f"-p:ContainerRegistry={publish.BASE_REGISTRY}", cmd, "pushed to the base's own registry")
            self.assertIn("-p:ContainerRepository=bench-fresh/ours/helloweb", cmd)
            env, root = bench.fresh_env("ours-registry", "HelloWeb", 0)
            self.assertEqual((env["TMPDIR"], env["CONTAINERIZE_STORE"]), (str(root / "tmp"), str(root / "store")))
            self.assertNotIn(str(root), bench.fresh_env("sdk-registry", "HelloWeb", 0)[0].get("CONTAINERIZE_STORE", ""))
            bench.times = {("plain", "HelloWeb", "fresh-runner"): [4.0], ("package", "HelloWeb", "fresh-runner"): [4.1],
                           ("ours-registry", "HelloWeb", "fresh-runner"): [4.5], ("sdk-registry", "HelloWeb", "fresh-runner"): [5.5],
                           ("ours-tarball", "HelloWeb", "fresh-runner"): [5.0], ("sdk-tarball", "HelloWeb", "fresh-runner"): [6.0]}
            rows = {r["id"]: r for r in bench.rows()}
        whole = rows["publish.HelloWeb.fresh-runner.registry.vs-sdk"]
        self.assertEqual((whole["ratio"], whole["target_ratio"], whole["met"]), (0.818, 0.9, True))
        self.assertIsNone(rows["publish.HelloWeb.fresh-runner.tarball.vs-sdk"]["target_ratio"])
        part = rows["publish.HelloWeb.fresh-runner.registry.container-part"]
        self.assertEqual((part["ours"], part["anchor_value"], part["target_ratio"]), (0.4, 1.5, 0.5))
        self.assertNotIn("publish.HelloWeb.fresh-runner.registry.portable", rows)

    def test_the_portable_path_is_timed_clean_only_against_ours(self):
        with tempfile.TemporaryDirectory() as d:
            bench = publish.PublishBench(Path(d), ["HelloConsole"], ["tarball"], publish.STATES, None, Path(d) / "log")
            self.assertIn("portable-tarball", bench.tools())
            self.assertEqual(bench.env_of("portable-tarball")["CTZ_FILESYSTEM"], "portable")
            self.assertNotIn("CTZ_FILESYSTEM", bench.env_of("ours-tarball"))
            bench.times = {("plain", "HelloConsole", "cold"): [8.0], ("package", "HelloConsole", "cold"): [9.0],
                           ("ours-tarball", "HelloConsole", "cold"): [10.0], ("sdk-tarball", "HelloConsole", "cold"): [14.0],
                           ("portable-tarball", "HelloConsole", "cold"): [10.5]}
            rows = {r["id"]: r for r in bench.rows()}
        row = rows["publish.HelloConsole.cold.tarball.portable"]
        self.assertEqual((row["ours"], row["anchor_value"], row["ratio"], row["target_ratio"]), (10.5, 10.0, 1.05, 1.1))
        self.assertNotIn("publish.HelloConsole.cached.tarball.portable", rows)

    def test_a_container_part_below_zero_is_noise_not_a_verdict(self):
        with tempfile.TemporaryDirectory() as d:
            bench = publish.PublishBench(Path(d), ["Solution"], ["tarball"], ["cold"], None, Path(d) / "log")
            bench.times = {("plain", "Solution", "cold"): [208.0], ("package", "Solution", "cold"): [208.0],
                           ("ours-tarball", "Solution", "cold"): [110.0], ("sdk-tarball", "Solution", "cold"): [108.0]}
            part = {r["id"]: r for r in bench.rows()}["publish.Solution.cold.tarball.container-part"]
        self.assertEqual(part["ours"], -98.0)
        self.assertIsNone(part["ratio"])
        self.assertIsNone(part["met"], "the SDK's part is at or below zero too: nothing to compare with")
        self.assertIn("noise", part["note"])

    def test_ours_at_or_below_zero_against_a_positive_sdk_part_meets_at_most_half(self):
        with tempfile.TemporaryDirectory() as d:
            bench = publish.PublishBench(Path(d), ["HelloConsole"], ["registry"], ["cold"], None, Path(d) / "log")
            bench.times = {("plain", "HelloConsole", "cold"): [8.0], ("package", "HelloConsole", "cold"): [9.0],
                           ("ours-registry", "HelloConsole", "cold"): [8.9], ("sdk-registry", "HelloConsole", "cold"): [9.0]}
            rows = {r["id"]: r for r in bench.rows()}
        part = rows["publish.HelloConsole.cold.registry.container-part"]
        self.assertEqual((part["ratio"], part["met"]), (None, True))
        self.assertIn("noise", part["note"])
        # The same publish against the plain one without the package: 0.9 s against 1.0 s, a plain ratio, no target.
        whole = rows["publish.HelloConsole.cold.registry.container-part-with-restore"]
        self.assertEqual((whole["ratio"], whole["met"]), (0.9, None))


class ImagesRowsTests(unittest.TestCase):
    def test_app_size_is_above_each_images_own_base(self):
        def layer(d, size):
            return {"digest": d, "size": size, "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}
        # Ours on base (a, b) with WORKDIR and app layers; the SDK on the same base, one app layer.
        built = {"ours": ({"layers": [layer("a", 50e6), layer("b", 8e6), layer("w", 100), layer("o", 200_000)]},
                          ["a", "b"]),
                 "sdk": ({"layers": [layer("a", 50e6), layer("b", 8e6), layer("s", 204_000)]}, ["a", "b"])}
        with tempfile.TemporaryDirectory() as d:
            bench = images.ImagesBench(Path(d), None, Path(d) / "log")
            bench.publish = lambda tool, sample, clone: (f"sha256:{tool}", built[tool][0], built[tool][1])
            bench.uncompressed_size = lambda l: l["size"] * 2
            rows = {r["id"]: r for r in bench.sample_rows("HelloConsole")}
        app = rows["images.HelloConsole.app-size-compressed"]
        self.assertEqual((app["ours"], app["anchor_value"], app["same_base"]), (0.2, 0.204, True))
        self.assertIn("ours 2, SDK 1", rows["images.HelloConsole.layers"]["what"])
        # A base that is not the image's prefix (the registry's re-pushed tag) is unknown, said in the note.
        built["sdk"] = (built["sdk"][0], ["x", "b"])
        with tempfile.TemporaryDirectory() as d:
            bench = images.ImagesBench(Path(d), None, Path(d) / "log")
            bench.publish = lambda tool, sample, clone: (f"sha256:{tool}", built[tool][0], built[tool][1])
            bench.uncompressed_size = lambda l: l["size"] * 2
            app = {r["id"]: r for r in bench.sample_rows("HelloConsole")}["images.HelloConsole.app-size-compressed"]
        self.assertIsNone(app["anchor_value"])
        self.assertIsNone(app["same_base"])
        self.assertIn("could not be resolved", app["note"])


class UnpackTests(unittest.TestCase):
    """eng/bench/unpack: which blobs each tool reads, in which order, and how its rows judge the targets."""

    def layout(self, root: Path, layers: list[bytes], tag="bench") -> Path:
        import hashlib
        blobs = root / "blobs/sha256"
        blobs.mkdir(parents=True)

        def put(data: bytes) -> str:
            d = hashlib.sha256(data).hexdigest()
            (blobs / d).write_bytes(data)
            return "sha256:" + d
        manifest = json.dumps({"schemaVersion": 2, "layers": [{"digest": put(l), "size": len(l)} for l in layers]})
        other = json.dumps({"schemaVersion": 2, "layers": []})
        (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
            {"digest": put(other.encode()), "annotations": {"org.opencontainers.image.ref.name": "other"}},
            {"digest": put(manifest.encode()), "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
        return root

    def test_layers_are_the_tagged_manifests_lowest_first_and_tar_decompresses_only_gzip(self):
        with tempfile.TemporaryDirectory() as d:
            gz, plain = b"\x1f\x8b\x08rest-of-a-gzip", b"a plain tar"
            layout = self.layout(Path(d) / "image", [gz, plain])
            blobs = unpack.layer_blobs(layout, "bench")
            self.assertEqual([p.read_bytes() for p in blobs], [gz, plain])
            cmds = unpack.commands("/cli", None, layout, "bench", blobs, Path("/o"))
            self.assertEqual(cmds["tar"], f"tar -xzf '{blobs[0]}' -C '/o' && tar -xf '{blobs[1]}' -C '/o'")
            self.assertEqual(cmds["ours"], f"'/cli' layer apply '/o' '{blobs[0]}' '{blobs[1]}'")
            self.assertIn("--whiteouts overlay", cmds["ours-overlay"])
            self.assertEqual(cmds["umoci"], f"umoci raw unpack --image '{layout}:bench' '/o'")
            self.assertNotIn("baseline", cmds)
            self.assertIn("baseline-overlay", unpack.commands("/cli", "/old", layout, "bench", blobs, Path("/o")))
            with self.assertRaises(b.CommandFailed):
                unpack.layer_blobs(layout, "missing")

    def times(self, **walls):
        return {k: [(w, w / 2, 1024)] for k, w in walls.items()}

    def test_ours_against_umoci_has_the_target_and_tar_is_information(self):
        rows = {r["id"]: r for r in unpack.rows(self.times(ours=10.5, **{"ours-overlay": 12.0}, umoci=10.0, tar=8.0),
                                                "localhost:5000/dotnet/sdk:10.0", 5, 300e6, 800.0, 30000)}
        self.assertEqual(set(rows), {"unpack.sdk.vs-umoci", "unpack.sdk.vs-tar", "unpack.sdk.overlay.vs-umoci",
                                     "unpack.sdk.overlay.vs-tar"})
        self.assertEqual((rows["unpack.sdk.vs-umoci"]["ratio"], rows["unpack.sdk.vs-umoci"]["met"]), (1.05, True))
        self.assertIsNone(rows["unpack.sdk.vs-tar"]["met"])
        self.assertIsNone(rows["unpack.sdk.overlay.vs-umoci"]["target"])
        self.assertIn("dotnet/sdk:10.0", rows["unpack.sdk.vs-umoci"]["what"])
        slow = unpack.rows(self.times(ours=11.2, **{"ours-overlay": 12.0}, umoci=10.0, tar=8.0), "sdk", 5, 1, 1, 1)
        self.assertFalse(slow[0]["met"])  # 1.12x is outside the 10% band of 1.0x

    def test_the_baseline_rows_allow_ten_percent_more(self):
        got = self.times(ours=11.0, **{"ours-overlay": 13.5}, umoci=10.0, tar=8.0, baseline=10.0,
                         **{"baseline-overlay": 12.0})
        rows = {r["id"]: r for r in unpack.rows(got, "sdk", 5, 1, 1, 1)}
        self.assertTrue(rows["unpack.sdk.vs-baseline"]["met"])  # 1.10x
        self.assertFalse(rows["unpack.sdk.overlay.vs-baseline"]["met"])  # 1.125x

    def test_tree_listings_compare_contents_not_how_folders_were_filled(self):
        import os
        with tempfile.TemporaryDirectory() as d:
            a, c = Path(d) / "a", Path(d) / "c"
            for root in (a, c):
                (root / "dir").mkdir(parents=True)
                (root / "dir/f").write_text("x")
                os.link(root / "dir/f", root / "dir/g")
                os.utime(root / "dir/f", (1, 1))
                os.utime(root / "dir", (1, 1))
            # A folder that once held many entries is larger on disk, and that is no difference.
            for i in range(1000):
                (c / "dir" / f"tmp{i:04}").write_text("")
            for i in range(1000):
                (c / "dir" / f"tmp{i:04}").unlink()
            self.assertGreater((c / "dir").stat().st_size, (a / "dir").stat().st_size)
            os.utime(c / "dir", (1, 1))
            self.assertEqual(unpack.tree_listing(a), unpack.tree_listing(c))
            os.chmod(c / "dir/f", 0o600)
            self.assertNotEqual(unpack.tree_listing(a), unpack.tree_listing(c))
            self.assertTrue(any(line.startswith("- f 644") for line in
                                unpack.differences(unpack.tree_listing(a), unpack.tree_listing(c))))


if __name__ == "__main__":
    unittest.main()
