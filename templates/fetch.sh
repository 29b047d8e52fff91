case "${@stem@_VERSION}/${TARGETARCH}" in
@cases@
  *) echo "rigc: pack @pack@ has no sha256 for version ${@stem@_VERSION} on ${TARGETARCH}" >&2; exit 1 ;;
esac
&& curl -fsSL --retry 3 -o /tmp/@pack@.archive "@url@"
&& printf '%s  %s\n' "${sha256}" /tmp/@pack@.archive > /tmp/@pack@.sha256
&& sha256sum -c /tmp/@pack@.sha256
&& mkdir -p @dir@
&& @extract@
&& rm /tmp/@pack@.archive /tmp/@pack@.sha256
