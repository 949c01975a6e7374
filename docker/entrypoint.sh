#!/bin/sh
# Entry point of every dlenv image.
#
#   docker compose run lesson transformer --smoke   ->  dlenv doctor, then dlenv run transformer --smoke
#   docker compose run lesson bash                   ->  bash (anything on PATH runs as given)
#   docker compose run lesson                        ->  dlenv lessons (what can I run?)
#
# A lesson name is never a command on PATH, so the two cannot be confused.
set -eu

if [ "$#" -eq 0 ]; then
    exec dlenv lessons
fi
case "$1" in
    -*) exec dlenv "$@" ;;  # dlenv's own flags: --version, --help
esac
if command -v "$1" >/dev/null 2>&1; then
    exec "$@"
fi
# A lesson: check the machine first, and stop with the doctor's fix (a GPU not passed into the
# container, a GPU this row's torch has no kernels for) rather than train on a broken setup.
dlenv doctor || exit $?
exec dlenv run "$@"
