apt-get update
&& apt-get install -y --no-install-recommends
@packages@
