rm -f /etc/apt/apt.conf.d/docker-clean
&& echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
