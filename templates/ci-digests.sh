# One empty file per pushed image, named by its digest, under its target's name.
mkdir -p "$DIGESTS"
jq -r 'to_entries[] | select((.value | type) == "object" and (.value | has("containerimage.digest")))
  | "\(.key) \(.value["containerimage.digest"])"' <<<"$METADATA" |
  while read -r target digest; do
    mkdir -p "$DIGESTS/$target"
    touch "$DIGESTS/$target/${digest#sha256:}"
  done
