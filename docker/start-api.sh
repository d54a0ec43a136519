#!/bin/sh
# Starts the Volley API from a folder made by docker/build.sh (the image's CMD; CI runs it too).
# Configuration comes from the environment (README.md, Deploying). Without REDIS_URL it runs
# everything in one process; with REDIS_URL and VOLLEY_ROLE=api it serves HTTP only and separate
# workers run the simulations.
set -eu
cd "$(dirname "$0")"
exec node dist/main.js "$@"
