/** Simulated HTTP: the drill cluster's ingress answers for the sample apps once they are up. */
import { conditionOf } from '../../contract/cluster.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../contract/http.ts';
import { SIM_APPS } from './cluster-content.ts';
import type { SimWorld } from './world.ts';

export function simHttp(world: SimWorld, stepId: string): HttpClient {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const started = world.clock.monotonic();
      const fault = world.faultOfStep(stepId);
      const url = new URL(request.url);
      const app = SIM_APPS.find((candidate) => candidate.host === url.hostname);
      const respond = (status: number, body: string, contentType = 'text/html'): HttpResponse => ({ status, headers: { 'content-type': contentType, server: 'nginx' }, body, durationMs: world.clock.monotonic() - started });
      if (fault === 'hang') await world.work('http', 'hang', request.signal);
      await world.clock.sleep(fault === 'slow' ? 20_000 : 150, request.signal);
      const ingress = world.store.get({ apiVersion: 'v1', kind: 'Service', name: 'ingress-nginx-controller', namespace: 'ingress-nginx' });
      if (!app || world.provisioned.size === 0 || !ingress?.status?.loadBalancer?.ingress?.length) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), { code: 'ENOTFOUND' });
      }
      if (fault === 'fail') return respond(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
      const deployment = world.store.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: app.deployment, namespace: app.namespace });
      if (conditionOf(deployment, 'Available')?.status !== 'True') {
        return respond(503, '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>');
      }
      return respond(200, app.body, app.body.startsWith('{') ? 'application/json' : 'text/html');
    },
  };
}
