/**
 * Offline checks of the cloud deployment files: no Docker engine, cluster or Bicep compiler is available, so these
 * parse the files and check what a wrong edit would break (probes, non-root, read-only root, volumes, settings that
 * the service's own schemas accept, the Azure resources and roles).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { CloudSettings } from '../../cloud/settings.ts';
import { parseAzureHubSettings } from '../../cloud/hub/azure/config.ts';

const REPO = resolve(import.meta.dirname, '../..');
const read = (p: string): string => readFileSync(join(REPO, p), 'utf8');
// Parsed manifests are walked freely; the assertions are the type check.
type Obj = Record<string, any>;

/** Dockerfile instructions with line continuations joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('cloud Dockerfile', () => {
  const ins = instructions(read('deploy/cloud/Dockerfile'));
  const stages = ins.filter((i) => i.op === 'FROM');
  const finalStage = ins.slice(ins.lastIndexOf(stages.at(-1)!));

  it('builds on node:20-bookworm-slim in two stages, installing production dependencies only', () => {
    expect(ins.find((i) => i.op === 'ARG')?.args).toBe('NODE_IMAGE=node:20-bookworm-slim');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(ins.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
    // tsx runs the sources, so it must be a production dependency for --omit=dev to work.
    expect(JSON.parse(read('package.json')).dependencies.tsx).toBeDefined();
  });

  it('runs as a non-root user, with a health check on /healthz and both ports exposed', () => {
    const user = finalStage.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(finalStage.find((i) => i.op === 'HEALTHCHECK')?.args).toMatch(/127\.0\.0\.1:8080\/healthz/);
    const exposed = finalStage.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining(['8883', '8080']));
  });

  it('copies folders that exist and that its ignore file lets through', () => {
    const ignore = read('deploy/cloud/Dockerfile.dockerignore');
    const copied = finalStage.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const src of copied) {
      expect(existsSync(join(REPO, src)), src).toBe(true);
      expect(ignore, src).toContain(`!${src}`);
    }
  });

  it('starts the cloud service with the settings and data paths the manifests mount', () => {
    expect(finalStage.find((i) => i.op === 'CMD')?.args).toContain('"/etc/fleetsync/cloud.json"');
    expect(finalStage.find((i) => i.op === 'VOLUME')?.args).toContain('/var/lib/fleetsync');
  });
});

describe('cloud settings samples pass the service schemas', () => {
  it.each(['deploy/cloud/cloud.embedded.json', 'deploy/cloud/k8s/cloud.ingest.json', 'deploy/cloud/k8s/cloud.pipeline.json'])('%s', (file) => {
    const s = validateSettings(CloudSettings, JSON.parse(read(file)), file);
    expect(s.dataDir).toBe('/var/lib/fleetsync');
    expect(s.api.host).toBe('0.0.0.0');
    expect(s.api.port).toBe(8080);
    if (s.role === 'pipeline') {
      // The pipeline reads no partitions: it holds no Event Hubs or checkpoint settings.
      const az = parseAzureHubSettings(s.azure, `${file}#/azure`, undefined, { readsPartitions: false });
      expect(az.eventHub).toBeUndefined();
      expect((s.azure as Obj).checkpoint).toBeUndefined();
    } else if (s.mode === 'azure') {
      const az = parseAzureHubSettings(s.azure, `${file}#/azure`);
      expect(az.eventHub?.consumerGroup).toBe('fleetsync');
    }
  });

  it('the two roles share one spool in blob storage, and only the pipeline holds the export credentials', () => {
    const ingest = JSON.parse(read('deploy/cloud/k8s/cloud.ingest.json')) as Obj;
    const pipeline = JSON.parse(read('deploy/cloud/k8s/cloud.pipeline.json')) as Obj;
    expect([ingest.role, pipeline.role]).toEqual(['ingest', 'pipeline']);
    expect(ingest.spool).toEqual(pipeline.spool);
    expect(ingest.spool.target).toMatchObject({ kind: 'azure-blob', container: 'fleetsync-spool' });
    // Both talk to the same IoT Hub; only ingest replicas read its partitions.
    expect(ingest.azure.iotHub).toEqual(pipeline.azure.iotHub);
    expect(ingest.azure.eventHub.consumerGroup).toBe('fleetsync');
    expect(pipeline.azure.eventHub).toBeUndefined();
    expect(ingest.pipeline).toBeUndefined();
    expect(pipeline.pipeline.export.target.kind).toBe('azure-blob');
  });
});

describe('compose file (embedded mode)', () => {
  const compose = parseYaml(read('deploy/cloud/compose.yaml')) as Obj;
  const cloud = compose.services.cloud as Obj;

  it('builds the Dockerfile from the repository root and publishes MQTTS and the API', () => {
    expect(resolve(REPO, 'deploy/cloud', cloud.build.context)).toBe(REPO);
    expect(existsSync(join(REPO, cloud.build.dockerfile))).toBe(true);
    expect(cloud.ports).toEqual(expect.arrayContaining(['8883:8883', '8080:8080']));
  });

  it('keeps data on a named volume and mounts an embedded-mode settings file read-only', () => {
    const vols = cloud.volumes as string[];
    const data = vols.find((v) => v.endsWith(':/var/lib/fleetsync'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(data!.split(':')[0]);
    const conf = vols.find((v) => v.includes(':/etc/fleetsync/cloud.json'));
    expect(conf).toMatch(/:ro$/);
    const settings = validateSettings(CloudSettings, JSON.parse(read(join('deploy/cloud', conf!.split(':')[0]!))));
    expect(settings.mode).toBe('embedded');
  });

  it('runs non-root on a read-only root with a health check', () => {
    expect(cloud.read_only).toBe(true);
    expect(cloud.user).not.toMatch(/^(0|root)(:|$)/);
    expect(cloud.cap_drop).toEqual(['ALL']);
    expect(cloud.healthcheck.test.join(' ')).toContain('/healthz');
  });
});

describe('Kubernetes manifests (Azure mode)', () => {
  const dir = 'deploy/cloud/k8s';
  const kustomization = parseYaml(read(`${dir}/kustomization.yaml`)) as Obj;
  const docs: Obj[] = (kustomization.resources as string[]).flatMap((f) => {
    const parsed = parseAllDocuments(read(`${dir}/${f}`));
    for (const d of parsed) expect(d.errors, f).toEqual([]);
    return parsed.map((d) => d.toJS() as Obj);
  });
  const byKind = (kind: string): Obj[] => docs.filter((d) => d.kind === kind);
  const ingest = byKind('Deployment').find((d) => d.metadata.name === 'fleetsync-cloud-ingest')!;
  const pipeline = byKind('StatefulSet')[0]!;
  const workloads = { ingest, pipeline };
  const podOf = (w: Obj): Obj => w.spec.template.spec as Obj;
  const containerOf = (w: Obj): Obj => podOf(w).containers[0] as Obj;
  const selects = (selector: Record<string, string>, w: Obj): boolean => {
    const labels = w.spec.template.metadata.labels as Record<string, string>;
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
  };
  const roles = Object.entries(workloads);

  it('every resource file parses and names a kind and apiVersion', () => {
    for (const f of kustomization.resources as string[]) expect(existsSync(join(REPO, dir, f)), f).toBe(true);
    for (const d of docs) {
      expect(d.apiVersion).toBeTruthy();
      expect(d.kind).toBeTruthy();
      expect(d.metadata?.name).toBeTruthy();
    }
  });

  it('ingest is a Deployment of several replicas, rolled one new pod at a time', () => {
    expect(ingest).toBeDefined();
    expect(ingest.spec.replicas).toBeGreaterThan(1);
    expect(ingest.spec.strategy.type).toBe('RollingUpdate');
    expect(ingest.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(ingest.spec.volumeClaimTemplates).toBeUndefined();
  });

  it('the pipeline is a StatefulSet of exactly one replica, on the claim and name of the single-process service', () => {
    expect(byKind('StatefulSet')).toHaveLength(1);
    expect(pipeline.spec.replicas).toBe(1);
    // Kept so that an upgrade reuses the existing disk (data-fleetsync-cloud-0).
    expect(pipeline.metadata.name).toBe('fleetsync-cloud');
    expect(pipeline.spec.selector.matchLabels).toEqual({ app: 'fleetsync-cloud' });
  });

  it.each(roles)('%s: starts with its role and mounts its own settings file from a generated Secret', (role, w) => {
    const container = containerOf(w);
    const args = container.args as string[];
    expect(args).toEqual(expect.arrayContaining(['cloud', '--config', '/etc/fleetsync/cloud.json']));
    expect(args[args.indexOf('--role') + 1]).toBe(role);
    const mounts = Object.fromEntries((container.volumeMounts as Obj[]).map((m) => [m.mountPath, m]));
    expect(mounts['/etc/fleetsync']?.readOnly).toBe(true);
    const volumes = Object.fromEntries((podOf(w).volumes as Obj[]).map((v) => [v.name, v]));
    const secretName = volumes[mounts['/etc/fleetsync']?.name]?.secret?.secretName;
    const generated = (kustomization.secretGenerator as Obj[]).find((g) => g.name === secretName);
    const file = `cloud.${role}.json`;
    expect(generated?.files).toEqual([`cloud.json=${file}`]);
    // The settings file agrees with the flag that overrides it.
    expect((JSON.parse(read(`${dir}/${file}`)) as Obj).role).toBe(role);
  });

  it.each(roles)('%s: startup, readiness and liveness probes on /healthz at a declared port; scraped for /metrics', (_role, w) => {
    const container = containerOf(w);
    const ports = (container.ports as Obj[]).map((p) => p.name);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe]?.httpGet?.path, probe).toBe('/healthz');
      expect(ports, probe).toContain(container[probe].httpGet.port);
    }
    const port = (container.ports as Obj[]).find((p) => p.name === 'http')!.containerPort as number;
    expect(w.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
  });

  it.each(roles)('%s: non-root, read-only root file system, no privilege escalation, no capabilities, no API token', (_role, w) => {
    const pod = podOf(w);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(containerOf(w).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it.each(roles)('%s: resource requests and a memory limit; an emptyDir /tmp', (_role, w) => {
    const container = containerOf(w);
    expect(container.resources.requests.cpu).toBeTruthy();
    expect(container.resources.requests.memory).toBeTruthy();
    expect(container.resources.limits.memory).toBeTruthy();
    const mounts = Object.fromEntries((container.volumeMounts as Obj[]).map((m) => [m.mountPath, m]));
    const volumes = Object.fromEntries((podOf(w).volumes as Obj[]).map((v) => [v.name, v]));
    expect(volumes[mounts['/tmp']?.name]?.emptyDir).toBeDefined();
    expect(byKind('ConfigMap').map((c) => c.metadata.name)).toContain(container.envFrom[0].configMapRef.name);
  });

  it('the pipeline keeps its data on a persistent disk; ingest keeps nothing', () => {
    const data = (w: Obj): string => (containerOf(w).volumeMounts as Obj[]).find((m) => m.mountPath === '/var/lib/fleetsync')!.name as string;
    const claim = (pipeline.spec.volumeClaimTemplates as Obj[]).find((c) => c.metadata.name === data(pipeline));
    expect(claim?.spec.accessModes).toEqual(['ReadWriteOnce']);
    const ingestVolume = (podOf(ingest).volumes as Obj[]).find((v) => v.name === data(ingest));
    expect(ingestVolume?.emptyDir).toBeDefined();
  });

  it('each workload selects its own pods only', () => {
    for (const [role, w] of roles) {
      for (const [other, o] of roles) expect(selects(w.spec.selector.matchLabels, o), `${role} selects ${other}`).toBe(role === other);
    }
  });

  it('the services send API traffic to the pipeline pod only; the ingest pods have a headless one for scraping', () => {
    const services = Object.fromEntries(byKind('Service').map((s) => [s.metadata.name as string, s]));
    expect(pipeline.spec.serviceName).toBe('fleetsync-cloud-headless');
    expect(services['fleetsync-cloud']?.spec.type).toBe('ClusterIP');
    for (const name of ['fleetsync-cloud', 'fleetsync-cloud-headless']) {
      const sel = services[name]!.spec.selector;
      expect(selects(sel, pipeline), name).toBe(true);
      expect(selects(sel, ingest), name).toBe(false);
    }
    const scrape = services['fleetsync-cloud-ingest']!;
    expect(scrape.spec.clusterIP).toBe('None');
    // A crash-looping pod must stay a target (up == 0), or the ingest-down alert never sees it.
    expect(scrape.spec.publishNotReadyAddresses).toBe(true);
    expect(selects(scrape.spec.selector, ingest)).toBe(true);
    expect(selects(scrape.spec.selector, pipeline)).toBe(false);
    for (const s of Object.values(services)) {
      const w = selects(s.spec.selector, pipeline) ? pipeline : ingest;
      for (const p of s.spec.ports as Obj[]) expect((containerOf(w).ports as Obj[]).map((c) => c.name)).toContain(p.targetPort);
    }
  });

  it('each role has a disruption budget that selects its pods only', () => {
    const pdbs = byKind('PodDisruptionBudget');
    for (const [role, w] of roles) {
      const own = pdbs.filter((p) => selects(p.spec.selector.matchLabels, w));
      expect(own, role).toHaveLength(1);
      expect(own[0]!.spec.maxUnavailable, role).toBe(1);
    }
  });
});

describe('Azure Bicep template (structural; no Bicep compiler offline)', () => {
  const bicep = read('deploy/azure/main.bicep');
  const params = new Map([...bicep.matchAll(/^param (\w+) (\w+)/gm)].map((m) => [m[1]!, m[2]!]));
  const resources = [...bicep.matchAll(/^resource (\w+) '([^'@]+)@(\d{4}-\d{2}-\d{2}(?:-preview)?)'/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
  const body = (symbol: string): string => {
    const start = bicep.search(new RegExp(`^resource ${symbol} `, 'm'));
    const next = bicep.slice(start + 1).search(/^(resource|output|var|param) /m);
    return bicep.slice(start, next < 0 ? undefined : start + 1 + next);
  };

  it('has balanced braces and brackets', () => {
    const code = bicep.replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
    for (const [open, close] of [['{', '}'], ['[', ']'], ['(', ')']] as const) {
      expect(code.split(open).length, open).toBe(code.split(close).length);
    }
  });

  it('declares an S1 IoT Hub whose partition count is a parameter, and a consumer group', () => {
    expect(params.get('partitionCount')).toBe('int');
    const hub = resources.find((r) => r.type === 'Microsoft.Devices/IotHubs')!;
    expect(body(hub.name)).toMatch(/partitionCount: partitionCount/);
    expect(body(hub.name)).toMatch(/name: iotHubSku/);
    expect(bicep).toMatch(/param iotHubSku string = 'S1'/);
    expect(resources.some((r) => r.type === 'Microsoft.Devices/IotHubs/eventHubEndpoints/ConsumerGroups')).toBe(true);
  });

  it('has a Data Lake Gen2 account for the export and a flat account for checkpoints and the spool, each with its container', () => {
    const accounts = resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts').map((r) => body(r.name));
    expect(accounts.some((a) => /isHnsEnabled: true/.test(a))).toBe(true);
    expect(accounts.some((a) => /isHnsEnabled: false/.test(a))).toBe(true);
    const containers = resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers').map((r) => body(r.name));
    expect(containers.join()).toMatch(/name: exportContainerName/);
    expect(containers.join()).toMatch(/name: checkpointContainerName/);
    // The spool lives beside the checkpoints, in the flat account (many small creates and deletes).
    const spool = resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers' && /name: spoolContainerName/.test(body(r.name)))!;
    expect(body(spool.name)).toMatch(/parent: checkpointBlobs/);
    expect(bicep).toMatch(/param spoolContainerName string = 'fleetsync-spool'/);
  });

  it('grants roles to the managed identity instead of handing out keys where Azure allows it', () => {
    const assignments = resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments').map((r) => body(r.name));
    expect(assignments.some((a) => /storageBlobDataContributor/.test(a) && /scope: exportContainer/.test(a))).toBe(true);
    expect(assignments.some((a) => /storageBlobDataContributor/.test(a) && /scope: checkpointContainer/.test(a))).toBe(true);
    expect(assignments.some((a) => /storageBlobDataContributor/.test(a) && /scope: spoolContainer/.test(a))).toBe(true);
    expect(assignments.some((a) => /iotHubDataContributor/.test(a) && /scope: iotHub/.test(a))).toBe(true);
    for (const a of assignments) expect(a).toMatch(/principalId: appIdentity\.properties\.principalId/);
  });

  const apps = resources.filter((r) => r.type === 'Microsoft.App/containerApps').map((r) => body(r.name));
  const appOf = (role: string): string => {
    const found = apps.filter((a) => a.includes(`args: ['cloud', '--role', '${role}'`));
    expect(found, role).toHaveLength(1);
    return found[0]!;
  };
  // The settings object handed to an app as its secret.
  const settingsOf = (app: string): string => {
    const v = /value: string\((\w+)\)/.exec(app)?.[1];
    expect(v).toBeDefined();
    const start = bicep.search(new RegExp(`^var ${v} = \\{`, 'm'));
    expect(start).toBeGreaterThanOrEqual(0);
    return bicep.slice(start, bicep.indexOf('\n}\n', start));
  };

  it('runs the cloud service as two Container Apps, ingest and pipeline, each with probes on /healthz', () => {
    expect(apps).toHaveLength(2);
    for (const app of [appOf('ingest'), appOf('pipeline')]) {
      expect(app).toMatch(/probes: healthProbes/);
      expect(app).toMatch(/mountPath: '\/var\/lib\/fleetsync'/);
    }
    const probes = bicep.slice(bicep.indexOf('var healthProbes'), bicep.indexOf('\n]\n', bicep.indexOf('var healthProbes')));
    for (const t of ['Startup', 'Readiness', 'Liveness']) expect(probes).toContain(`type: '${t}'`);
    expect(probes.match(/path: '\/healthz'/g)).toHaveLength(3);
  });

  it('ingest: a fixed count of stateless replicas (ingestReplicas, default above one)', () => {
    const app = appOf('ingest');
    expect(params.get('ingestReplicas')).toBe('int');
    expect(Number(/param ingestReplicas int = (\d+)/.exec(bicep)?.[1])).toBeGreaterThan(1);
    expect(app).toMatch(/minReplicas: ingestReplicas\s+maxReplicas: ingestReplicas/);
    expect(app).not.toMatch(/AzureFile/);
    expect(app).not.toMatch(/ingress:/);
  });

  it('pipeline: one replica with its database on the Azure Files share, and the public API', () => {
    const app = appOf('pipeline');
    expect(app).toMatch(/minReplicas: 1\s+maxReplicas: 1/);
    expect(app).toMatch(/storageType: 'AzureFile'/);
    expect(app).toMatch(/ingress: \{\s+external: true\s+targetPort: 8080/);
    expect(bicep).toMatch(/output apiUrl string = deployApp \? 'https:\/\/\$\{app\.properties/);
    expect(app).toMatch(/^resource app /);
  });

  it('hands each app the settings of its role, both naming the same spool; the export key only to the pipeline', () => {
    const ingest = settingsOf(appOf('ingest'));
    const pipeline = settingsOf(appOf('pipeline'));
    expect(ingest).toMatch(/role: 'ingest'/);
    expect(pipeline).toMatch(/role: 'pipeline'/);
    for (const s of [ingest, pipeline]) {
      expect(s).toMatch(/mode: 'azure'/);
      expect(s).toMatch(/spool: spoolSettings/);
    }
    // Only the ingest app reads partitions: the Event Hubs endpoint and checkpoints are in its settings alone.
    expect(ingest).toMatch(/azure: ingestAzureSettings/);
    expect(pipeline).toMatch(/azure: serviceAzureSettings/);
    const service = bicep.slice(bicep.indexOf('var serviceAzureSettings'), bicep.indexOf('\n}\n', bicep.indexOf('var serviceAzureSettings')));
    expect(service).not.toMatch(/eventHub|checkpoint/);
    expect(bicep).toMatch(/var ingestAzureSettings = union\(serviceAzureSettings, \{\s+eventHub:/);
    expect(ingest).not.toMatch(/lakeAccount|export/);
    expect(pipeline).toMatch(/lakeAccount/);
    const spool = bicep.slice(bicep.indexOf('var spoolSettings'), bicep.indexOf('\n}\n', bicep.indexOf('var spoolSettings')));
    expect(spool).toMatch(/kind: 'azure-blob'/);
    expect(spool).toMatch(/container: spoolContainerName/);
  });

  it('puts no secret into an output', () => {
    const outputs = bicep.split('\n').filter((l) => l.startsWith('output '));
    expect(outputs.length).toBeGreaterThan(0);
    for (const o of outputs) expect(o).not.toMatch(/listKeys|Key|connectionString|cloudSettings/i);
  });

  it('has a parameters file naming only declared parameters, with valid values', () => {
    const file = JSON.parse(read('deploy/azure/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    for (const [name, { value }] of Object.entries(file.parameters)) {
      expect(params.has(name), name).toBe(true);
      const type = params.get(name);
      expect(typeof value, name).toBe(type === 'int' ? 'number' : type === 'bool' ? 'boolean' : 'string');
    }
    expect(file.parameters.partitionCount?.value).toBeGreaterThanOrEqual(2);
  });
});
