#!/usr/bin/env bash
# Test stand-in for the runner's dependency installer (rigc's gh-runner pack
# installs the same packages with apt instead of running it).
set -euo pipefail
echo "installdependencies.sh (test stub): nothing to do"
