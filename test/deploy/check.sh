#!/usr/bin/env bash
# Self-hosting check, without a Docker engine:
#   1. docker-compose.yml is valid (`docker-compose config -q`, when docker-compose is installed)
#      and its `${VAR:-default}` defaults are the services' own (scripts/env-table.mjs);
#   2. docker/build.sh builds the api and worker folders, exactly as docker/Dockerfile does;
#   3. those folders' start.sh run an API (VOLLEY_ROLE=api) and a separate worker with the compose
#      file's environment, against Redis at 127.0.0.1:6379 under a random REDIS_PREFIX;
#      healthchecks pass; examples/seed-three.json runs to completion with its 10 spikes;
#   4. SIGTERM stops both cleanly (exit 0), and the prefix's Redis keys are deleted.
#
#   bash test/deploy/check.sh          (CHECK_REDIS_URL=redis://host:port to use another Redis)
#
# If nothing answers at 127.0.0.1:6379 and redis-server is installed, a private one is started.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/test/deploy
started=$(date +%s)
say() { printf '[deploy-check] %s\n' "$*"; }
step() { printf '\n[deploy-check] == %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }
fail() {
  printf '[deploy-check] FAIL: %s\n' "$*" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/volley-deploy-check.XXXXXX")
prefix="deploycheck-$(date +%s)-$RANDOM$RANDOM"
redis_url=${CHECK_REDIS_URL:-redis://127.0.0.1:6379}
api_pid="" worker_pid="" redis_pid="" cleanup_prefix=0

show_logs() {
  for name in api worker; do
    if [[ -s $work/$name.log ]]; then
      printf '\n[deploy-check] ---- last lines of the %s log (request lines left out) ----\n' "$name" >&2
      grep -vE '"msg":"(incoming request|request completed)"' "$work/$name.log" | tail -n 40 >&2
    fi
  done
}

cleanup() {
  local rc=$?
  set +e
  [[ $rc -ne 0 ]] && show_logs
  for pid in $api_pid $worker_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      sleep 1
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  if [[ $cleanup_prefix -eq 1 ]]; then
    node "$here/smoke.mjs" redis-cleanup "$redis_url" "$work/out/worker" "$prefix" ||
      say "warning: could not delete the Redis keys under $prefix:"
  fi
  if [[ -n $redis_pid ]]; then
    kill -TERM "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
  fi
  rm -rf "$work"
  if [[ $rc -eq 0 ]]; then
    say "PASS ($(($(date +%s) - started))s)"
  else
    say "FAILED (exit $rc) after $(($(date +%s) - started))s"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
step "1/5 docker-compose.yml"
have_compose=0
if command -v docker-compose >/dev/null; then
  have_compose=1
  # A clean environment, so the file's own defaults are what gets checked (not this shell's).
  (cd "$root" && env -i PATH="$PATH" HOME="$HOME" docker-compose config -q) ||
    fail "docker-compose config -q rejected docker-compose.yml"
  (cd "$root" && env -i PATH="$PATH" HOME="$HOME" docker-compose config) >"$work/compose.yml"
  python3 - "$work/compose.yml" <<'EOF' || fail "docker-compose.yml does not have the expected shape"
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
problems = []
for name in ("redis", "api", "worker"):
    if name not in s:
        problems.append(f"no service {name}")
w = s.get("worker", {})
if "container_name" in w or "ports" in w:
    problems.append("worker has container_name or ports: `--scale worker=N` would fail")
api = s.get("api", {})
if api.get("environment", {}).get("VOLLEY_ROLE") != "api":
    problems.append("api does not set VOLLEY_ROLE=api")
for name in ("api", "worker"):
    dep = s.get(name, {}).get("depends_on", {})
    if not isinstance(dep, dict) or dep.get("redis", {}).get("condition") != "service_healthy":
        problems.append(f"{name} does not wait for a healthy redis")
cmd = " ".join(map(str, s.get("redis", {}).get("command", [])))
if "--appendonly yes" not in cmd or "--maxmemory-policy noeviction" not in cmd:
    problems.append("redis lacks --appendonly yes / --maxmemory-policy noeviction")
for p in problems:
    print(f"[deploy-check]   {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  say "docker-compose config -q: ok ($(docker-compose version --short 2>/dev/null || echo '?'))"
else
  say "docker-compose not installed: compose checks skipped (CI installs it with apt)"
fi

# ---------------------------------------------------------------------------------------------
step "2/5 docker/build.sh $work/out api worker"
# (pnpm's progress lines and boxed notices left out)
if ! bash "$root/docker/build.sh" "$work/out" api worker 2>&1 |
  sed -E '/Progress: resolved|^[[:space:]]*$|[│╭╰]/d; s/^/[deploy-check]   /'; then
  fail "docker/build.sh failed"
fi
for s in api worker; do
  [[ -x $work/out/$s/start.sh && -f $work/out/$s/healthcheck.mjs ]] || fail "$s folder is incomplete"
done
[[ -f $work/out/api/public/index.html ]] || fail "api folder has no public/index.html (the viewer)"
if find "$work/out" -type l -exec test ! -e {} \; -print | grep -q .; then
  fail "dangling symlinks in the built folders: $(find "$work/out" -type l -exec test ! -e {} \; -print | head -3)"
fi
if find "$work/out" -type l -lname '/*' -print | grep -q .; then
  fail "absolute symlinks (they would point outside the image): $(find "$work/out" -type l -lname '/*' -print | head -3)"
fi
say "built: api $(du -sh "$work/out/api" | cut -f1), worker $(du -sh "$work/out/worker" | cut -f1)"

# ---------------------------------------------------------------------------------------------
step "3/5 environment"
if ! node "$root/scripts/env-table.mjs" --check 2>&1 | sed 's/^/[deploy-check]   /'; then
  fail "scripts/env-table.mjs --check"
fi
node "$root/scripts/env-table.mjs" --json >"$work/env-table.json"

if [[ $have_compose -eq 1 ]]; then
  # The compose file's environment of each service, one NAME=value a line; its defaults must be
  # the services' own, except where the compose file means to differ.
  python3 - "$work/compose.yml" "$work/env-table.json" "$work" <<'EOF' || fail "docker-compose.yml's environment is out of step with the services"
import json, sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
table = {v["name"]: v for v in json.load(open(sys.argv[2]))}
intended = {"REDIS_URL": "redis://redis:6379", "VOLLEY_ROLE": "api"}
problems = []
for service in ("api", "worker"):
    env = compose["services"][service].get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    with open(f"{sys.argv[3]}/{service}.env", "w") as out:
        for name, value in env.items():
            value = "" if value is None else str(value)
            if "\n" in value:
                problems.append(f"{service}: {name} spans lines")
            out.write(f"{name}={value}\n")
            if name not in table:
                problems.append(f"{service}: {name} is read by no config module")
                continue
            if service not in table[name]["services"]:
                problems.append(f"{service}: {name} is not read by the {service}")
            if name in intended:
                if value != intended[name]:
                    problems.append(f"{service}: {name}={value!r}, expected {intended[name]!r}")
                continue
            d = table[name]["default"]
            want = "" if d is None or isinstance(d, list) or (isinstance(d, str) and "CPU" in d) else str(d)
            if value != want:
                problems.append(f"{service}: {name} defaults to {value!r} in docker-compose.yml but {want or '(unset)'!r} in the service")
for p in problems:
    print(f"[deploy-check]   {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  say "compose defaults match the services' (scripts/env-table.mjs --json)"
else
  printf 'VOLLEY_ROLE=api\n' >"$work/api.env"
  : >"$work/worker.env"
fi

# ---------------------------------------------------------------------------------------------
step "4/5 Redis"
if ! node "$here/smoke.mjs" redis-ping "$redis_url" "$work/out/worker"; then
  if [[ -n ${CHECK_REDIS_URL:-} ]] || ! command -v redis-server >/dev/null; then
    fail "no Redis answers at $redis_url (start one, or set CHECK_REDIS_URL)"
  fi
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  say "nothing answers at $redis_url: starting a private redis-server on port $port"
  redis_url=redis://127.0.0.1:$port
  for _ in $(seq 50); do node "$here/smoke.mjs" redis-ping "$redis_url" "$work/out/worker" && break; sleep 0.2; done
  node "$here/smoke.mjs" redis-ping "$redis_url" "$work/out/worker" || fail "private redis-server did not start"
fi
cleanup_prefix=1
say "Redis $redis_url, REDIS_PREFIX=$prefix"

# ---------------------------------------------------------------------------------------------
step "5/5 api + worker from the built folders"
api_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
api_key="deploycheck:$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
overrides=(REDIS_URL="$redis_url" REDIS_PREFIX="$prefix" LOG_LEVEL=info)

# env -i: the processes see the compose file's environment plus these overrides, nothing else.
mapfile -t api_env <"$work/api.env"
mapfile -t worker_env <"$work/worker.env"
env -i PATH="$PATH" HOME="$HOME" "${api_env[@]}" "${overrides[@]}" \
  PORT="$api_port" HOST=127.0.0.1 API_KEYS="$api_key" \
  "$work/out/api/start.sh" >"$work/api.log" 2>&1 &
api_pid=$!
env -i PATH="$PATH" HOME="$HOME" "${worker_env[@]}" "${overrides[@]}" WORKER_CONCURRENCY=2 \
  "$work/out/worker/start.sh" >"$work/worker.log" 2>&1 &
worker_pid=$!
say "api pid $api_pid on 127.0.0.1:$api_port, worker pid $worker_pid"

node "$here/smoke.mjs" run "http://127.0.0.1:$api_port" "${api_key#*:}" "$root/examples/seed-three.json" ||
  fail "end-to-end run"

# The images' HEALTHCHECK commands, with each service's environment.
env -i PATH="$PATH" PORT="$api_port" node "$work/out/api/healthcheck.mjs" api || fail "api healthcheck"
env -i PATH="$PATH" REDIS_URL="$redis_url" node "$work/out/worker/healthcheck.mjs" worker || fail "worker healthcheck"
say "healthchecks: api ok, worker ok"
grep -q 'volley worker ready' "$work/worker.log" || fail "the worker never logged 'volley worker ready'"

# Clean stop: SIGTERM, exit 0 within the grace period.
stop() {
  local name=$1 pid=$2 rc
  kill -TERM "$pid"
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$name (pid $pid) still running 20 s after SIGTERM"
  set +e
  wait "$pid"
  rc=$?
  set -e
  [[ $rc -eq 0 ]] || fail "$name exited $rc after SIGTERM (expected 0)"
  say "$name stopped cleanly on SIGTERM"
}
stop api "$api_pid"
api_pid=""
stop worker "$worker_pid"
worker_pid=""
# Logged errors (pino level 50 and up) in a run that worked are worth a look, not a failure.
if grep -hE '"level":(50|60)' "$work/api.log" "$work/worker.log" >"$work/errors.log"; then
  say "note: $(wc -l <"$work/errors.log") error lines in the logs:"
  head -n 10 "$work/errors.log" | sed 's/^/[deploy-check]   /'
fi
