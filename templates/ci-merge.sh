# Each image's per-platform digests become one multi-platform image, tagged with
# metadata-action's tags (commit, branch, version, date) and, on the default
# branch, the spec's own tag, each with the target's suffix.
while read -r target repository tag suffix; do
  [ -n "$target" ] || continue
  args=()
  while read -r name; do
    if [ -n "$name" ]; then args+=(--tag "$repository:$name$suffix"); fi
  done <<<"$TAGS"
  if [ "$DEFAULT_BRANCH" = true ]; then args+=(--tag "$repository:$tag$suffix"); fi
  sources=()
  for digest in "$DIGESTS/$target"/*; do
    sources+=("$repository@sha256:$(basename "$digest")")
  done
  docker buildx imagetools create "${args[@]}" "${sources[@]}"
done <<<"$IMAGES"
