#!/usr/bin/env node
// Judges Dockerfiles with tools that do not come from rigc:
//   - dockerfile-utils 0.16.3 (VS Code's Dockerfile validator), every rule an error;
//   - the hadolint DL rules and BuildKit build checks of shared/validators.md that
//     can apply to a generated file, implemented on dockerfile-ast 0.7.1's parse;
//   - the product's own rules (§4 of the specification);
//   - ShellCheck 0.9 on the body of every RUN.
// A rule is suppressed on an instruction only by `# hadolint ignore=RULE` directly
// above it, and that suppression must itself be preceded by a comment giving the
// reason. Usage: check_dockerfiles.js FILE_OR_DIR...  (exit 1 on any finding)
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const cp = require('child_process');
const { validate, ValidationSeverity } = require('dockerfile-utils');
const { DockerfileParser } = require('dockerfile-ast');

const SECRET_PARTS = ['apikey', 'auth', 'credential', 'credentials', 'key', 'password', 'passwd', 'secret', 'token'];
const ALLOWED_PARTS = ['public', 'file', 'version'];

function looksLikeSecret(name) {
  const parts = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[_\-.]+/).filter(Boolean);
  if (parts.some((p) => ALLOWED_PARTS.includes(p))) return false;
  return parts.some((p) => SECRET_PARTS.includes(p));
}

function lineOf(instruction) {
  return instruction.getRange().start.line + 1;
}

// The shell words of a RUN body, split on control operators.
function commands(body) {
  return body.split(/&&|\|\||;|\||\n/).map((c) => c.trim()).filter(Boolean);
}

function flagsOf(instruction) {
  return instruction.getFlags ? instruction.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() || '' })) : [];
}

function mounts(instruction) {
  return flagsOf(instruction).filter((f) => f.name === 'mount').map((f) => {
    const m = {};
    for (const part of f.value.split(',')) {
      const eq = part.indexOf('=');
      m[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? 'true' : part.slice(eq + 1);
    }
    return m;
  });
}

function checkFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const findings = [];
  const add = (line, rule, message) => findings.push({ line, rule, message });
  const lines = text.split('\n');

  // dockerfile-utils with every setting at error severity.
  const settings = {};
  for (const key of ['deprecatedMaintainer', 'directiveCasing', 'emptyContinuationLine', 'instructionCasing',
                     'instructionCmdMultiple', 'instructionEntrypointMultiple', 'instructionHealthcheckMultiple',
                     'instructionJSONInSingleQuotes', 'instructionWorkdirRelative']) {
    settings[key] = ValidationSeverity.ERROR;
  }
  for (const d of validate(text, settings)) {
    add(d.range.start.line + 1, `dockerfile-utils:${d.code}`, d.message);
  }

  const df = DockerfileParser.parse(text);
  const instructions = df.getInstructions();

  // Suppressions: "# hadolint ignore=A,B" on the line right above, with a reason above it.
  const suppressed = (instruction, rule) => {
    const above = lines[instruction.getRange().start.line - 1] || '';
    const m = above.match(/^#\s*hadolint\s+ignore=([A-Z0-9,]+)\s*$/);
    return m !== null && m[1].split(',').includes(rule);
  };
  lines.forEach((l, i) => {
    if (/^#\s*hadolint\s+ignore=/.test(l)) {
      const reason = lines[i - 1] || '';
      if (!/^#\s*\S/.test(reason) || /^#\s*hadolint/.test(reason)) add(i + 1, 'suppression', 'a suppression without a stated reason');
    }
  });
  const rule = (instruction, name, message) => {
    if (!suppressed(instruction, name)) add(lineOf(instruction), name, message);
  };

  // DL3061: the file starts with FROM or ARG.
  if (instructions.length > 0 && !['FROM', 'ARG'].includes(instructions[0].getKeyword())) {
    rule(instructions[0], 'DL3061', 'the first instruction must be FROM or ARG');
  }

  // Stages.
  const froms = df.getFROMs();
  const stageNames = [];
  const globalArgs = new Set(instructions.filter((i) => i.getKeyword() === 'ARG' && lineOf(i) < lineOf(froms[0] || i))
    .map((i) => (i.getArgumentsContent() || '').split('=')[0]));
  froms.forEach((from) => {
    const stage = from.getBuildStage();
    const words = (from.getArgumentsContent() || '').split(/\s+/);
    if (stage !== null) {
      if (stage !== stage.toLowerCase()) rule(from, 'StageNameCasing', `stage name '${stage}' is not lowercase`);
      if (stageNames.includes(stage)) rule(from, 'DuplicateStageName', `stage '${stage}' is defined twice`);
      if (['scratch', 'context'].includes(stage.toLowerCase())) rule(from, 'ReservedStageName', `'${stage}' is a reserved name`);
      const as = words.find((w) => w.toLowerCase() === 'as');
      const keyword = text.split('\n')[lineOf(from) - 1].trim().split(/\s+/)[0];
      if (as && ((keyword === keyword.toUpperCase()) !== (as === as.toUpperCase()))) rule(from, 'FromAsCasing', 'FROM and AS differ in case');
    }
    const image = from.getImage() || '';
    const vars = image.match(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g) || [];
    for (const v of vars) {
      const name = v.replace(/[${]/g, '');
      if (!globalArgs.has(name)) rule(from, 'UndefinedArgInFrom', `FROM uses '${name}', which is not a global ARG`);
    }
    for (const f of flagsOf(from)) {
      if (f.name === 'platform' && f.value === '$TARGETPLATFORM') rule(from, 'RedundantTargetPlatform', '--platform=$TARGETPLATFORM is the default');
      if (f.name === 'platform' && f.value === '${TARGETPLATFORM}') rule(from, 'RedundantTargetPlatform', '--platform=${TARGETPLATFORM} is the default');
      if (f.name === 'platform' && !f.value.includes('$')) rule(from, 'FromPlatformFlagConstDisallowed', 'a constant --platform');
    }
    if (!stageNames.includes(image) && image !== 'scratch' && !image.includes('$')) {
      const ref = image.split('@')[0];
      const last = ref.slice(ref.lastIndexOf('/') + 1);
      const digest = image.includes('@sha256:');
      if (!digest && !last.includes(':')) rule(from, 'DL3006', `image '${image}' has no explicit tag`);
      if (!digest && last.endsWith(':latest')) rule(from, 'DL3007', `image '${image}' uses the latest tag`);
    }
    if (stage !== null) stageNames.push(stage);
  });

  // Walk instructions stage by stage.
  let stage = null;           // current stage name
  let stageIndex = -1;
  const stageInfo = {};       // name -> {user, workdir, shellPipefail, vars:Set}
  let info = null;
  let previous = null;
  const cmdCount = {};
  let lastStageName = null;
  let anyCurl = false, anyWget = false;
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    const raw = lines[lineOf(instruction) - 1].trim().split(/\s+/)[0];
    if (raw !== raw.toUpperCase()) rule(instruction, 'ConsistentInstructionCasing', `'${raw}' is not uppercase`);
    const content = instruction.getArgumentsContent() || '';
    if (keyword === 'FROM') {
      stageIndex += 1;
      const from = froms[stageIndex];
      stage = from.getBuildStage() || `#${stageIndex}`;
      lastStageName = stage;
      const parent = stageInfo[from.getImage()];
      info = parent
        ? { user: parent.user, workdir: parent.workdir, shellPipefail: false, vars: new Set(parent.vars), counts: {} }
        : { user: null, workdir: false, shellPipefail: false, vars: new Set(['PATH', 'HOME', 'HOSTNAME']), counts: {} };
      stageInfo[stage] = info;
      previous = instruction;
      continue;
    }
    if (info === null) { previous = instruction; continue; }
    info.counts[keyword] = (info.counts[keyword] || 0) + 1;
    if (['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(keyword) && info.counts[keyword] === 2) {
      rule(instruction, 'MultipleInstructionsDisallowed', `more than one ${keyword} in stage '${stage}'`);
      rule(instruction, keyword === 'CMD' ? 'DL4003' : keyword === 'ENTRYPOINT' ? 'DL4004' : 'DL3012', `multiple ${keyword}`);
    }
    if (keyword === 'MAINTAINER') { rule(instruction, 'DL4000', 'MAINTAINER is deprecated'); rule(instruction, 'MaintainerDeprecated', 'MAINTAINER is deprecated'); }
    if (keyword === 'ADD') rule(instruction, 'DL3020', 'use COPY instead of ADD for files');
    if (keyword === 'CMD' || keyword === 'ENTRYPOINT') {
      if (!content.trim().startsWith('[')) {
        rule(instruction, 'DL3025', `${keyword} is not in JSON form`);
        rule(instruction, 'JSONArgsRecommended', `${keyword} is not in JSON form`);
      } else {
        try { JSON.parse(content); } catch (e) { rule(instruction, 'DL3025', `${keyword} is not valid JSON`); }
      }
    }
    if (keyword === 'WORKDIR') {
      if (!content.startsWith('/') && !content.startsWith('$')) {
        rule(instruction, 'DL3000', 'WORKDIR is relative');
        rule(instruction, 'WorkdirRelativePath', 'WORKDIR is relative');
      }
      info.workdir = true;
    }
    if (keyword === 'USER') info.user = content.trim();
    if (keyword === 'SHELL') {
      try { info.shellPipefail = JSON.parse(content).join(' ').includes('-o pipefail'); } catch (e) { info.shellPipefail = false; }
    }
    if (keyword === 'ARG' || keyword === 'ENV') {
      const pairs = [];
      if (keyword === 'ENV') {
        const args = instruction.getProperties ? instruction.getProperties() : [];
        for (const p of args) {
          const name = p.getName();
          const value = p.getValue() || '';
          if (p.getAssignmentOperator && p.getAssignmentOperator() === null && value !== '') {
            rule(instruction, 'LegacyKeyValueFormat', `ENV ${name} ${value} should use '='`);
          }
          pairs.push([name, value]);
        }
        const defined = [];
        for (const [name, value] of pairs) {
          for (const d of defined) {
            if (new RegExp(`\\$\\{?${d}(\\b|\\})`).test(value)) rule(instruction, 'DL3044', `ENV refers to '${d}' defined in the same ENV`);
          }
          defined.push(name);
        }
      } else {
        const name = content.split('=')[0].trim();
        pairs.push([name, '']);
      }
      for (const [name] of pairs) {
        if (looksLikeSecret(name)) { rule(instruction, 'DL3064', `'${name}' looks like a secret`); rule(instruction, 'SecretsUsedInArgOrEnv', `'${name}' looks like a secret`); }
        info.vars.add(name);
        if (['TARGETARCH', 'TARGETPLATFORM', 'TARGETOS', 'BUILDPLATFORM', 'BUILDARCH'].includes(name)) info.vars.add(name);
      }
    }
    if (keyword === 'LABEL') {
      for (const p of (instruction.getProperties ? instruction.getProperties() : [])) {
        if (p.getAssignmentOperator && p.getAssignmentOperator() === null) rule(instruction, 'LegacyKeyValueFormat', 'LABEL without =');
      }
    }
    if (keyword === 'EXPOSE') {
      for (const port of content.split(/\s+/).filter(Boolean)) {
        if (/\/(TCP|UDP|Tcp|Udp)/.test(port)) rule(instruction, 'ExposeProtoCasing', `'${port}' protocol is not lowercase`);
        if (port.includes(':')) rule(instruction, 'ExposeInvalidFormat', `'${port}' maps a host port`);
      }
    }
    if (keyword === 'COPY') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const flags = flagsOf(instruction);
      const from = flags.find((f) => f.name === 'from');
      if (from) {
        if (from.value === stage) rule(instruction, 'DL3023', 'COPY --from its own stage');
        else if (!stageNames.slice(0, stageIndex).includes(from.value) && !/^\d+$/.test(from.value) && !from.value.includes(':')) {
          rule(instruction, 'DL3022', `COPY --from='${from.value}' is not an earlier stage`);
        }
      }
      if (args.length > 2 && !args[args.length - 1].endsWith('/')) rule(instruction, 'DL3021', 'a multi-source COPY needs a destination ending with /');
      const dest = args[args.length - 1] || '';
      if (!dest.startsWith('/') && !dest.startsWith('$') && !info.workdir) rule(instruction, 'DL3045', 'COPY to a relative destination without WORKDIR');
      if (!from && !flags.some((f) => f.name === 'chown')) rule(instruction, 'rigc-copy-chown', 'COPY of context files without --chown');
    }
    // Variables used outside RUN must be declared (UndefinedVar).
    if (!['RUN', 'FROM', 'ARG'].includes(keyword) && keyword !== 'HEALTHCHECK' && keyword !== 'CMD' && keyword !== 'ENTRYPOINT') {
      const used = content.match(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g) || [];
      for (const u of used) {
        const name = u.replace(/[${]/g, '');
        if (!info.vars.has(name)) rule(instruction, 'UndefinedVar', `'${name}' is not defined`);
      }
    }
    if (keyword === 'RUN') {
      const body = content;
      const cmds = commands(body);
      const ms = mounts(instruction);
      const target = (t) => ms.some((m) => m.type === 'cache' && (m.target === t || m.target === t + '/'));
      // hadolint's DL3004 is about running sudo, not about installing the package.
      if (cmds.some((c) => /^sudo(\s|$)/.test(c))) rule(instruction, 'DL3004', 'do not use sudo');
      if (cmds.some((c) => /^cd\s/.test(c))) rule(instruction, 'DL3003', 'use WORKDIR to switch directories');
      if (cmds.some((c) => /^apt(\s|$)/.test(c))) rule(instruction, 'DL3027', 'use apt-get, not apt');
      if (/apt-get\s+(dist-)?upgrade/.test(body)) rule(instruction, 'rigc-no-upgrade', 'no apt-get upgrade');
      if (/\b(chown|chmod)\s+(-[a-zA-Z]*R|--recursive)/.test(body)) rule(instruction, 'rigc-no-recursive-chown', 'recursive chown or chmod');
      for (const c of cmds) {
        if (/^apt-get\s.*\binstall\b/.test(c)) {
          if (!/(\s-y\b|\s-[a-zA-Z]*y|--yes|--assume-yes)/.test(c)) rule(instruction, 'DL3014', 'apt-get install without -y');
          if (!/--no-install-recommends/.test(c)) rule(instruction, 'DL3015', 'apt-get install without --no-install-recommends');
          if (!/apt-get\s+update/.test(body)) rule(instruction, 'rigc-apt-update', 'apt-get install without apt-get update in the same RUN');
          const cleaned = /rm\s+-rf\s+\/var\/lib\/apt\/lists/.test(body);
          if (!cleaned && !(target('/var/lib/apt') && target('/var/cache/apt'))) rule(instruction, 'DL3009', 'apt lists left in the image');
        }
        if (/^(pip3?|python3?\s+-m\s+pip)\s+install\b/.test(c) && !/--no-cache-dir/.test(c) &&
            !ms.some((m) => m.type === 'cache' && /\.cache\/pip\/?$/.test(m.target || ''))) {
          rule(instruction, 'DL3042', 'pip install without --no-cache-dir or a pip cache mount');
        }
        if (/^yarn\s+install\b/.test(c) && !/yarn\s+cache\s+clean/.test(body) && !ms.some((m) => m.type === 'cache')) rule(instruction, 'DL3060', 'yarn install without a cache clean or mount');
        if (/^go\s+install\s/.test(c) && !/@/.test(c)) rule(instruction, 'DL3062', 'go install without a version');
        if (/^wget\s/.test(c) && !/--progress/.test(c) && !/-q\b|--quiet/.test(c)) rule(instruction, 'DL3047', 'wget without --progress');
        if (/^useradd\s/.test(c) && /(\s-u\s|--uid)/.test(c) && !/(\s-l\b|--no-log-init)/.test(c)) rule(instruction, 'DL3046', 'useradd with a UID and without -l');
      }
      if (/(^|[^|])\|([^|]|$)/.test(body.replace(/'[^']*'/g, '').replace(/"[^"]*"/g, '')) && !info.shellPipefail) rule(instruction, 'DL4006', 'a pipe without SHELL -o pipefail');
      anyCurl = anyCurl || /\bcurl\s/.test(body);
      anyWget = anyWget || /\bwget\s/.test(body);
      if (previous !== null && previous.getKeyword() === 'RUN') {
        const a = JSON.stringify(flagsOf(previous));
        const b = JSON.stringify(flagsOf(instruction));
        if (a === b) rule(instruction, 'DL3059', 'consecutive RUN instructions with the same flags');
      }
    }
    previous = instruction;
  }
  if (anyCurl && anyWget && instructions.length > 0) rule(instructions[0], 'DL4001', 'both curl and wget are used');

  // The image runs as a numeric, non-root user (USER may be inherited from a parent stage).
  if (lastStageName !== null) {
    const user = stageInfo[lastStageName].user;
    const finalFrom = froms[froms.length - 1];
    if (user === null) rule(finalFrom, 'DL3002', 'the final stage has no USER: it runs as root');
    else if (/^(root|0)(:|$)/.test(user)) {
      const userLine = instructions.filter((i) => i.getKeyword() === 'USER' && (i.getArgumentsContent() || '').trim() === user).pop();
      rule(userLine || finalFrom, 'DL3002', 'the last USER is root');
    } else if (!/^\d+(:\d+)?$/.test(user)) rule(finalFrom, 'rigc-numeric-user', `the final USER '${user}' is not numeric`);
  }
  return findings;
}

// ShellCheck on every RUN body, as bash (the SHELL rigc sets).
function shellcheckFile(file) {
  const findings = [];
  const df = DockerfileParser.parse(fs.readFileSync(file, 'utf8'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rigc-sc-'));
  try {
    for (const instruction of df.getInstructions()) {
      if (instruction.getKeyword() !== 'RUN') continue;
      const body = instruction.getArgumentsContent() || '';
      if (body.trim().startsWith('[')) continue;  // exec form: no shell
      const script = path.join(tmp, 'run.sh');
      // ARGs and ENVs of the Dockerfile are environment variables of the shell.
      fs.writeFileSync(script, '#!/bin/bash\n# shellcheck disable=SC2154\n' + body + '\n');
      const r = cp.spawnSync('shellcheck', ['-s', 'bash', '-f', 'gcc', script], { encoding: 'utf8' });
      if (r.error) throw new Error(`cannot run shellcheck: ${r.error.message}`);
      for (const line of r.stdout.split('\n').filter(Boolean)) {
        findings.push({ line: lineOf(instruction), rule: 'shellcheck', message: line.replace(script + ':', '') });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return findings;
}

function collect(args) {
  const files = [];
  for (const a of args) {
    if (fs.statSync(a).isDirectory()) {
      for (const e of fs.readdirSync(a, { recursive: true })) {
        if (String(e).endsWith('.Dockerfile')) files.push(path.join(a, String(e)));
      }
    } else {
      files.push(a);
    }
  }
  return files.sort();
}

if (require.main === module) {
  const files = collect(process.argv.slice(2));
  let bad = 0;
  for (const file of files) {
    const findings = checkFile(file).concat(shellcheckFile(file));
    for (const f of findings) console.log(`${file}:${f.line}: ${f.rule}: ${f.message}`);
    if (findings.length > 0) bad += 1;
  }
  console.log(`${files.length - bad} passed, ${bad} failed`);
  if (files.length === 0) { console.log('no Dockerfiles given'); process.exit(1); }
  process.exit(bad > 0 ? 1 : 0);
}

module.exports = { checkFile, shellcheckFile };
