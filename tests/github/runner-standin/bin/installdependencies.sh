#!/bin/bash
# Test stand-in for the runner's dependency installer: the stand-in needs only
# bash, curl, jq and coreutils (rigc's gh-runner pack installs the real
# runner's dependencies with apt instead of running this).
echo "installdependencies.sh (test stand-in): nothing to do"
