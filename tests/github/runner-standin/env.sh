#!/bin/bash
# Test stand-in for the Actions runner's env.sh: config.sh sources it to keep
# the configuring user's PATH in .path and a few toolchain variables in .env
# (those not in .env already); Runner.Listener loads .env into its environment.
touch .env
for name in LANG JAVA_HOME ANT_HOME M2_HOME ANDROID_HOME ANDROID_SDK_ROOT GRADLE_HOME NVM_BIN NVM_PATH \
  LD_LIBRARY_PATH PERL5LIB; do
  if [ -n "${!name:-}" ] && ! grep -q "^${name}=" .env; then
    printf '%s=%s\n' "$name" "${!name}" >>.env
  fi
done
printf '%s\n' "$PATH" >.path
