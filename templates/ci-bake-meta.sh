# metadata-action's labels for every build job (one file, so every platform's
# image carries the same version, revision and creation time).
cp "$BAKE_FILE" "$RUNNER_TEMP/bake-meta.json"
