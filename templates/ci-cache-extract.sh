# The builder's cache mounts packed into archives, replacing the restored ones.
mkdir -p "$RUNNER_TEMP/rigc-empty"
rm -rf "$CACHE_DIR.new"
docker buildx build --builder "$BUILDER" --platform "$PLATFORM" --file "$HELPER" \
  --target export --build-arg "CACHE_STAMP=$GITHUB_RUN_ID.$GITHUB_RUN_ATTEMPT" \
  --output "type=local,dest=$CACHE_DIR.new" "$RUNNER_TEMP/rigc-empty"
rm -rf "$CACHE_DIR"
mv "$CACHE_DIR.new" "$CACHE_DIR"
du -sh "$CACHE_DIR"
