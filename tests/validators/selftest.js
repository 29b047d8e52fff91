#!/usr/bin/env node
// Proves that check_dockerfiles.js can fail: each bad Dockerfile below must be
// reported under its rule, and the good ones must pass untouched.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { checkFile, shellcheckFile } = require('./check_dockerfiles.js');

const ok = 'FROM debian:bookworm-slim AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n';
const user = 'USER 1001:1001\n';
const bad = {
  DL3000: ok + 'WORKDIR app\n' + user,
  DL3002: ok + 'USER root\n',
  DL3003: ok + 'RUN cd /tmp && make\n' + user,
  DL3004: ok + 'RUN sudo make install\n' + user,
  DL3006: 'FROM debian AS base\n' + user,
  DL3007: 'FROM debian:latest AS base\n' + user,
  DL3009: ok + 'RUN apt-get update && apt-get install -y --no-install-recommends curl\n' + user,
  DL3014: ok + 'RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install --no-install-recommends curl\n' + user,
  DL3015: ok + 'RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n' + user,
  DL3020: ok + 'ADD --chown=1:1 app.tar /app/\n' + user,
  DL3021: ok + 'COPY --chown=1:1 a b /app\n' + user,
  DL3022: ok + 'COPY --from=later /x /x\nFROM base AS later\n' + user,
  DL3023: ok + 'COPY --from=base /x /x\n' + user,
  DuplicateStageName: ok + 'FROM base AS base\n' + user,
  DL3025: ok + user + 'CMD python app.py\n',
  JSONArgsRecommended: ok + user + 'ENTRYPOINT /run.sh\n',
  DL3027: ok + 'RUN apt install curl\n' + user,
  DL3042: ok + user + 'RUN pip install -r requirements.txt\n',
  DL3044: ok + 'ENV A=1 B=$A\n' + user,
  DL3045: ok + 'COPY --chown=1:1 a.txt a.txt\n' + user,
  DL3046: ok + 'RUN useradd --uid 123456 app\n' + user,
  DL3047: ok + 'RUN wget https://example.com/x\n' + user,
  DL3059: ok + 'RUN a\nRUN b\n' + user,
  DL3060: ok + 'RUN yarn install\n' + user,
  DL3061: 'LABEL a=b\nFROM debian:bookworm-slim AS base\n' + user,
  DL3062: ok + 'RUN go install example.com/tool\n' + user,
  ReservedStageName: ok + 'FROM base AS scratch\n' + user,
  DL3064: ok + 'ARG GITHUB_TOKEN\n' + user,
  SecretsUsedInArgOrEnv: ok + 'ENV dbPassword=x\n' + user,
  RedundantTargetPlatform: 'FROM --platform=$TARGETPLATFORM debian:bookworm-slim AS base\n' + user,
  FromPlatformFlagConstDisallowed: 'FROM --platform=linux/amd64 debian:bookworm-slim AS base\n' + user,
  DL4000: ok + 'MAINTAINER me\n' + user,
  DL4001: ok + 'RUN curl -o a https://e.com/a\nUSER 1\nRUN wget -q https://e.com/b\n' + user,
  DL4003: ok + user + 'CMD ["a"]\nCMD ["b"]\n',
  DL4004: ok + user + 'ENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n',
  MultipleInstructionsDisallowed: ok + user + 'HEALTHCHECK CMD true\nHEALTHCHECK CMD false\n',
  DL4006: 'FROM debian:bookworm-slim AS base\nRUN curl -s https://e.com | sh\n' + user,
  StageNameCasing: 'FROM debian:bookworm-slim AS Base\n' + user,
  FromAsCasing: 'FROM debian:bookworm-slim as base\n' + user,
  ConsistentInstructionCasing: ok + 'run true\n' + user,
  UndefinedArgInFrom: 'FROM debian:${TAG} AS base\n' + user,
  UndefinedVar: ok + 'ENV PATH=/opt/$TOOL/bin:$PATH\n' + user,
  WorkdirRelativePath: ok + 'WORKDIR src\n' + user,
  LegacyKeyValueFormat: ok + 'ENV A 1\n' + user,
  ExposeProtoCasing: ok + 'EXPOSE 80/TCP\n' + user,
  ExposeInvalidFormat: ok + 'EXPOSE 0.0.0.0:80:80\n' + user,
  'rigc-no-recursive-chown': ok + 'RUN chown -R 1001 /app\n' + user,
  'rigc-no-upgrade': ok + 'RUN apt-get upgrade -y\n' + user,
  'rigc-apt-update': ok + 'RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get install -y --no-install-recommends curl\n' + user,
  'rigc-copy-chown': ok + 'COPY . /app\n' + user,
  'rigc-numeric-user': ok + 'USER runner\n',
  suppression: ok + '# hadolint ignore=DL3002\nUSER root\n',
  'dockerfile-utils:50': ok + 'WORKDIR relative/path\n' + user,
  shellcheck: ok + 'RUN echo $undefined_but_unquoted_var && [ $a == b ]\n' + user,
};
const good = {
  'multi-stage': ok +
    '# The packs\' packages. Unpinned on purpose (DL3008).\n# hadolint ignore=DL3008\n' +
    'RUN --mount=type=cache,target=/var/cache/apt,id=a --mount=type=cache,target=/var/lib/apt,sharing=locked,id=b \\\n' +
    '    apt-get update \\\n    && apt-get install -y --no-install-recommends curl\n' +
    'RUN groupadd --gid 1001 runner && useradd --uid 1001 --gid 1001 --no-log-init runner\n' +
    'WORKDIR /app\nUSER 1001:1001\n' +
    'RUN --mount=type=cache,target=/home/runner/.cache/pip,id=pip-1001,uid=1001 pip install -r requirements.txt\n' +
    'COPY --chown=1001:1001 . /app\nENV A=1 PATH=/opt/x/bin:$PATH\nEXPOSE 8000 53/udp\n' +
    'HEALTHCHECK --interval=30s CMD true\nCMD ["python", "app.py"]\n' +
    'FROM base AS release\n',
  'root-with-reason': ok + 'USER 1001\n# The spec asks for root.\n# hadolint ignore=DL3002\nUSER root\n',
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rigc-selftest-'));
let passed = 0;
let failed = 0;
const run = (name, text) => {
  const file = path.join(tmp, name + '.Dockerfile');
  fs.writeFileSync(file, text);
  const rules = name === 'shellcheck' ? shellcheckFile(file) : checkFile(file).concat(shellcheckFile(file));
  return rules;
};
for (const [rule, text] of Object.entries(bad)) {
  const findings = run(rule.replace(/[^A-Za-z0-9-]/g, '_'), text);
  const hit = findings.some((f) => f.rule === rule || (rule === 'shellcheck' && f.rule === 'shellcheck'));
  if (hit) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL: the bad fixture for ${rule} was not reported; findings: ${JSON.stringify(findings.map((f) => f.rule))}`);
  }
}
for (const [name, text] of Object.entries(good)) {
  const findings = run('good-' + name, text);
  if (findings.length === 0) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL: the good fixture ${name} was reported: ${JSON.stringify(findings)}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
