case "${@stem@_VERSION}/${TARGETARCH}" in
@cases@
  *) echo "rigc: pack @pack@ has no sha256 for version ${@stem@_VERSION} on ${TARGETARCH}" >&2; exit 1 ;;
esac
&& curl -fsSL --retry 3 -o /tmp/@pack@.archive "@url@"
&& echo "${sha256}  /tmp/@pack@.archive" | sha256sum -c -
&& mkdir -p @dir@
&& @extract@
&& rm /tmp/@pack@.archive
