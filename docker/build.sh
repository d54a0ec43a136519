#!/usr/bin/env bash
# Builds self-contained, production-only folders of Volley's services — the very steps the
# Dockerfile runs, so CI (test/deploy/check.sh) can run them outside Docker.
#
#   docker/build.sh OUT_DIR [api] [worker]      (no service named: both)
#
# For each service, OUT_DIR/<service>/ gets:
#   dist/ package.json node_modules/   from `pnpm deploy --prod` (production dependencies only,
#                                      workspace packages copied in, no symlinks out of the folder)
#   public/                            api only: the viewer's static files
#   start.sh                           docker/start-<service>.sh: the one start command
#   healthcheck.mjs                    docker/healthcheck.mjs: the container's HEALTHCHECK
# Run it from anywhere; it works on the checkout it lives in. Needs node 20 and pnpm 10.
# Set VOLLEY_BUILD_SKIP_INSTALL=1 to skip `pnpm install` (when dependencies are known installed).
set -euo pipefail

usage() {
  echo "usage: docker/build.sh OUT_DIR [api] [worker]" >&2
  exit 2
}
log() { printf '[build] %s\n' "$*" >&2; }

[[ $# -ge 1 && $1 != -* ]] || usage
out_arg=$1
shift
services=("$@")
[[ ${#services[@]} -gt 0 ]] || services=(api worker)
for s in "${services[@]}"; do
  case $s in api | worker) ;; *) echo "docker/build.sh: unknown service '$s' (api or worker)" >&2 && usage ;; esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out_arg"
out=$(cd "$out_arg" && pwd)
cd "$root"

command -v pnpm >/dev/null || {
  echo "docker/build.sh: pnpm not found (npm install -g pnpm@10, or corepack enable)" >&2
  exit 1
}

# Refuse to overwrite anything that this script did not make.
for s in "${services[@]}"; do
  target=$out/$s
  if [[ -e $target ]]; then
    if [[ -f $target/.volley-build ]]; then
      rm -rf "$target"
    elif [[ -n $(ls -A "$target") ]]; then
      echo "docker/build.sh: $target exists and was not made by this script; remove it first" >&2
      exit 1
    else
      rmdir "$target"
    fi
  fi
done

if [[ ${VOLLEY_BUILD_SKIP_INSTALL:-0} != 1 ]]; then
  log "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile --prefer-offline --reporter=append-only >&2
fi

log "pnpm build"
pnpm build >&2

for s in "${services[@]}"; do
  target=$out/$s
  log "pnpm deploy @volley/$s -> $target"
  # pnpm 10's deploy copies the workspace packages in when they are "injected"; the setting is
  # given here rather than in pnpm-workspace.yaml so development keeps plain workspace links.
  # (`--legacy` would do too, but it misplaces dependencies' bin links outside the target.)
  # --ignore-scripts: no lifecycle scripts (the root `prepare` would rebuild for nothing).
  pnpm --filter "@volley/$s" deploy --prod --config.inject-workspace-packages=true --ignore-scripts \
    --reporter=append-only "$target" >&2

  # The viewer's files, which the API serves from ../public next to dist/ (the package's
  # `files` does not list them, so deploy leaves them out).
  if [[ $s == api && ! -d $target/public ]]; then
    cp -R services/api/public "$target/public"
  fi

  install -m 0755 "docker/start-$s.sh" "$target/start.sh"
  install -m 0644 docker/healthcheck.mjs "$target/healthcheck.mjs"

  # Smaller: types and source maps are not used at run time (our own dist keeps its .js.map).
  find "$target" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.d.ts.map' \
    -o -name '*.tsbuildinfo' \) -type f -delete
  find "$target/node_modules" -name '*.map' -type f -delete

  # Every file must be readable by the image's non-root user.
  chmod -R a+rX "$target"

  for entry in dist/main.js package.json node_modules; do
    [[ -e $target/$entry ]] || {
      echo "docker/build.sh: $target/$entry is missing after deploy" >&2
      exit 1
    }
  done
  date -u +%Y-%m-%dT%H:%M:%SZ >"$target/.volley-build"
  log "$s: $(du -sh "$target" | cut -f1) in $target"
done
