#!/bin/sh
# Starts a Volley worker from a folder made by docker/build.sh (the image's CMD; CI runs it too).
# Needs REDIS_URL; runs WORKER_CONCURRENCY simulations at a time (default: one per CPU).
set -eu
cd "$(dirname "$0")"
exec node dist/main.js "$@"
