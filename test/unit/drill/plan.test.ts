import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrillErrors, formatError } from '../../../src/util/errors.ts';
import { parseDrill } from '../../../src/drill/load.ts';
import { buildPlan } from '../../../src/drill/plan.ts';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { drillYaml, planFrom, testRegistry } from '../../helpers/drill-fixtures.ts';

function planErrors(yaml: string): string[] {
  try {
    planFrom(yaml, testRegistry);
  } catch (error) {
    assert.ok(error instanceof DrillErrors, String(error));
    return error.errors.map((item) => formatError(item));
  }
  assert.fail('expected the plan to be rejected');
}

const work = (id: string, extra = '') => `      - id: ${id}\n        kind: test.work\n${extra}`;

test('phases follow each other unless dependsOn says otherwise; steps in a phase run in order', () => {
  const plan = planFrom(
    drillYaml(`phases:
  - name: p1
    steps:
${work('a')}${work('b')}  - name: p2
    steps:
${work('c')}  - name: p3
    dependsOn: [p1]
    steps:
${work('d')}`),
    testRegistry,
  );
  const deps = Object.fromEntries(plan.steps.map((step) => [step.id, step.dependsOn]));
  assert.deepEqual(deps, { a: [], b: ['a'], c: ['b'], d: ['b'] });
});

test('a dependency cycle between phases is rejected with EDAGCYCLE', () => {
  const errors = planErrors(
    drillYaml(`phases:
  - name: p1
    dependsOn: [p2]
    steps:
${work('a')}  - name: p2
    dependsOn: [p1]
    steps:
${work('b')}`),
  );
  assert.ok(errors.some((error) => /EDAGCYCLE phases depend on each other in a cycle: p\d -> p\d -> p\d/.test(error)), errors.join('\n'));
});

test('an unknown step kind suggests the closest one', () => {
  const errors = planErrors(drillYaml(`phases:\n  - name: p1\n    steps:\n      - id: a\n        kind: flux.wiat\n`));
  assert.equal(errors[0], '/drills/test.yaml:9:15 EUNKNOWNKIND unknown step kind "flux.wiat" (field phases[0].steps[0].kind)\n  did you mean "flux.wait"? `dr-drill kinds` lists every kind');
});

test('invalid inputs of a kind are caught before anything runs, with their position', () => {
  const errors = planErrors(drillYaml(`phases:\n  - name: p1\n    steps:\n${work('a', '        with: { ms: slow }\n')}`));
  assert.match(errors[0]!, /^\/drills\/test\.yaml:10:\d+ EINPUT ms: expected number, received string/);
});

test('references must name steps that finish before, and variables that exist', () => {
  const errors = planErrors(
    drillYaml(`variables: { A: x }
phases:
  - name: p1
    steps:
${work('a', '        with: { output: "${steps.b.outputs.value}" }\n')}${work('b', '        with: { output: "${vars.MISSING}" }\n')}`),
  );
  assert.ok(errors.some((error) => error.includes('step "a": ${steps.b.outputs.value} refers to step "b", which does not finish before this step')), errors.join('\n'));
  assert.ok(errors.some((error) => error.includes('${vars.MISSING}: variable "MISSING" is not defined')), errors.join('\n'));
});

test('objectives must name milestones; RPO classes must have objectives; duplicate ids are rejected', () => {
  const errors = planErrors(
    drillYaml(`objectives:
  rto: { control-plan: 4h }
phases:
  - name: p1
    steps:
${work('a', '        rpo: data\n')}${work('a')}`),
  );
  assert.ok(errors.some((error) => error.includes('RTO objective for unknown milestone "control-plan"')), errors.join('\n'));
  assert.ok(errors.some((error) => error.includes('step "a" records RPO for data class "data" that has no objective')), errors.join('\n'));
  assert.ok(errors.some((error) => error.includes('duplicate step id "a"')), errors.join('\n'));
});

test('inputs that hold run-time expressions are validated at run time, not in the plan', () => {
  const plan = planFrom(drillYaml(`phases:\n  - name: p1\n    steps:\n${work('a')}${work('b', '        with: { ms: "${steps.a.outputs.value}" }\n')}`), testRegistry);
  assert.equal(plan.steps.length, 2);
});

test('the shipped drills are valid', async () => {
  const { loadPlan } = await import('../../../src/run-drill.ts');
  const plan = await loadPlan(new URL('../../../drills/cold-start.yaml', import.meta.url).pathname);
  assert.deepEqual(
    plan.phases.map((phase) => phase.name),
    ['declare', 'provision', 'cluster', 'flux-layers', 'restore-volumes', 'restore-gitlab', 'verify'],
  );
  assert.deepEqual(plan.milestones.map((milestone) => [milestone.name, milestone.objectiveMs]), [['control-plane', 4 * 3_600_000], ['critical-apps', 8 * 3_600_000]]);
  assert.deepEqual(plan.rpoObjectives, [{ dataClass: 'data', objectiveMs: 24 * 3_600_000 }, { dataClass: 'cluster-config', objectiveMs: 3_600_000 }]);
  const order = plan.steps.filter((step) => step.kind === 'flux.wait').map((step) => step.id);
  assert.deepEqual(order, ['flux-bootstrap', 'flux-controllers', 'flux-configs', 'flux-apps']);
});

test('a target can replace a step\'s kind and inputs, or declare it not applicable', () => {
  const yaml = drillYaml(`targets:
  local:
    steps:
      a: { kind: test.work, with: { ms: 5 } }
      b: { notApplicable: "no Talos on this target" }
phases:
  - name: p1
    steps:
      - { id: a, kind: command, with: { run: [terraform, apply] } }
      - { id: b, kind: talos.health }
`);
  const { buildPlan } = { buildPlan: (target: 'local' | 'sim') => planFor(yaml, target) };
  const local = buildPlan('local');
  assert.deepEqual([local.steps[0]!.kind, local.steps[0]!.spec.with], ['test.work', { ms: 5 }]);
  assert.equal(local.steps[1]!.notApplicable, 'no Talos on this target');
  const sim = buildPlan('sim');
  assert.deepEqual([sim.steps[0]!.kind, sim.steps[1]!.notApplicable], ['command', undefined]);
  const errors = planErrorsFor(drillYaml(`targets:\n  sim:\n    steps:\n      nope: { notApplicable: x }\nphases:\n  - name: p\n    steps:\n${work('a')}`), 'sim');
  assert.ok(errors.some((error) => error.includes('EUNKNOWNREF targets.sim.steps names unknown step "nope"')), errors.join('\n'));
});

function planFor(yaml: string, target: 'local' | 'sim') {
  return buildPlan(parseDrill(yaml, '/drills/test.yaml'), testRegistry, { target });
}

function planErrorsFor(yaml: string, target: 'local' | 'sim'): string[] {
  try {
    planFor(yaml, target);
  } catch (error) {
    assert.ok(error instanceof DrillErrors, String(error));
    return error.errors.map((item) => formatError(item));
  }
  assert.fail('expected the plan to be rejected');
}

test('a target may define a milestone differently; an override of an unknown milestone is refused', () => {
  const yaml = (override: string) =>
    drillYaml(`objectives:
  rto: { apps: 1h }
milestones:
  apps: { after: [a, b] }
targets:
  local:
    milestones:
${override}
phases:
  - name: p
    steps:
      - { id: a, kind: command, with: { run: ["true"] } }
      - { id: b, kind: command, with: { run: ["true"] } }
`);
  const local = planFrom(yaml('      apps: { after: [a] }'), undefined, '/drills/test.yaml');
  assert.deepEqual(local.milestones.map((milestone) => [milestone.name, milestone.after]), [['apps', ['a', 'b']]], 'the default target keeps the drill-level milestone');
  const onLocal = buildPlan(parseDrill(yaml('      apps: { after: [a] }'), '/drills/test.yaml'), stepRegistry, { target: 'local' });
  assert.deepEqual(onLocal.milestones.map((milestone) => [milestone.name, milestone.after, milestone.objectiveMs]), [['apps', ['a'], 3_600_000]]);
  assert.throws(() => buildPlan(parseDrill(yaml('      ghost: { after: [a] }'), '/drills/test.yaml'), stepRegistry, { target: 'local' }), /targets\.local\.milestones names unknown milestone "ghost"/);
});
