groupadd --gid @gid@ @user@
&& useradd --uid @uid@ --gid @gid@ --no-log-init --create-home --home-dir @home@ --shell /bin/bash @user@
