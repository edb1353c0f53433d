#!/bin/sh
# The README's main job must keep working: run the demo, quietly, against
# this build. It fails if any step fails or any refusal does not happen.
set -eu
[ -n "${IAM_SRCDIR:-}" ] && [ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
exec bash "$IAM_SRCDIR/scripts/demo.sh" --no-install --quiet --builddir "$IAM_BUILDDIR"
