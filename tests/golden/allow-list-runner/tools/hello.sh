#!/bin/sh
echo "a tool the runner image carries in /opt/tools"
