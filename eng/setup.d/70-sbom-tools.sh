# Sourced by eng/setup ($root, $CTZ_LAB, log()). The third-party SBOM tools the cross-check tests compare our SBOM with
# (tests/Containerize.Tests/Sdk/SbomCrossCheckTests.cs), each pinned and installed into the lab, nothing system-wide:
#   CycloneDX .NET tool (NuGet 'CycloneDX')   $CTZ_LAB/tools/dotnet-CycloneDX      reads the project's restore graph
#   cdxgen (npm '@cyclonedx/cdxgen')          $CTZ_LAB/npm/node_modules/.bin/cdxgen scans the image archive (its OS
#                                             packages through the trivy plugin npm brings as an optional dependency)
# Only NuGet and the npm registry are reached. Idempotent: a tool already at its version is kept. A failed install is
# logged and setup goes on; the tests then say the tool is missing (and fail under CI=true).
# Measured on 2 cores with empty caches: the CycloneDX tool about 3 s, cdxgen about 25 s (287 MB, mostly the plugins).

st_cyclonedx_version=6.3.1
st_cdxgen_version=12.8.4
st_logs="$root/artifacts/logs"
mkdir -p "$st_logs" "$CTZ_LAB/tools"

# ---- CycloneDX .NET tool, as a tool-path install (no global tool, no tool manifest in the repository)
st_tools="$CTZ_LAB/tools"
if [ -x "$st_tools/dotnet-CycloneDX" ] && dotnet tool list --tool-path "$st_tools" 2>/dev/null | grep -qiE "^cyclonedx +$st_cyclonedx_version( |$)"; then
  log "sbom tools: CycloneDX .NET tool $st_cyclonedx_version already installed"
else
  st_started=$SECONDS
  # Another version is replaced, not kept beside this one.
  dotnet tool uninstall CycloneDX --tool-path "$st_tools" > /dev/null 2>&1 || true
  if DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet tool install CycloneDX --version "$st_cyclonedx_version" --tool-path "$st_tools" \
       > "$st_logs/sbom-tools-cyclonedx.log" 2>&1; then
    log "sbom tools: CycloneDX .NET tool $st_cyclonedx_version installed in $((SECONDS - st_started)) s ($st_tools)"
  else
    log "sbom tools: installing the CycloneDX .NET tool failed; see artifacts/logs/sbom-tools-cyclonedx.log"
    tail -10 "$st_logs/sbom-tools-cyclonedx.log" >&2 || true
  fi
fi

# ---- cdxgen, a local npm install under the lab (package.json and node_modules there)
st_npm="$CTZ_LAB/npm"
st_cdxgen_have=$(node -p "require('$st_npm/node_modules/@cyclonedx/cdxgen/package.json').version" 2>/dev/null || true)
if [ "$st_cdxgen_have" = "$st_cdxgen_version" ] && [ -e "$st_npm/node_modules/.bin/cdxgen" ]; then
  log "sbom tools: cdxgen $st_cdxgen_version already installed"
elif ! command -v npm > /dev/null || ! command -v node > /dev/null; then
  log "sbom tools: node and npm are not installed (cdxgen $st_cdxgen_version needs Node.js 20 or later); cdxgen skipped"
else
  st_started=$SECONDS
  mkdir -p "$st_npm"
  # --save-exact pins the version in the lab's package.json; the plugins (trivy for OS packages) come as cdxgen's own
  # optional dependencies from the npm registry, so nothing is downloaded from anywhere else.
  if npm install --prefix "$st_npm" --save-exact --no-audit --no-fund --loglevel=warn "@cyclonedx/cdxgen@$st_cdxgen_version" \
       > "$st_logs/sbom-tools-cdxgen.log" 2>&1 && [ -e "$st_npm/node_modules/.bin/cdxgen" ]; then
    log "sbom tools: cdxgen $st_cdxgen_version installed in $((SECONDS - st_started)) s ($(du -sh "$st_npm" | cut -f1), $st_npm)"
  else
    log "sbom tools: installing cdxgen failed; see artifacts/logs/sbom-tools-cdxgen.log"
    tail -10 "$st_logs/sbom-tools-cdxgen.log" >&2 || true
  fi
fi
unset st_cyclonedx_version st_cdxgen_version st_logs st_tools st_npm st_cdxgen_have st_started
