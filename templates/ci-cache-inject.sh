# The saved cache mounts (an archive each) unpacked into the builder's cache
# mounts: github/cache-mounts.Dockerfile mounts each as the images do.
mkdir -p "$CACHE_DIR"
docker buildx build --builder "$BUILDER" --platform "$PLATFORM" --file "$HELPER" \
  --target inject --build-arg "CACHE_STAMP=$GITHUB_RUN_ID.$GITHUB_RUN_ATTEMPT" "$CACHE_DIR"
