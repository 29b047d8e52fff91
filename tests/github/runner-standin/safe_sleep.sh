#!/bin/bash
# Test stand-in for the Actions runner's safe_sleep.sh: sleeps $1 seconds.
sleep "$1"
