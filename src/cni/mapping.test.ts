import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { parseConfig } from './config.js';
import { parseEnv } from './env.js';
import { attachRequest, intentNames } from './mapping.js';

const env = (args?: string) => parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ctr1', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth1', CNI_PATH: '/opt/cni/bin', CNI_ARGS: args });
const conf = (extra: object = {}) => parseConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni', tenant: 't', network: 'n', ...extra }), 'ADD');

describe('cni call → attach request', () => {
  it('maps pod identity, network, netns and labels', () => {
    const req = attachRequest(env('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=ctr1'), conf());
    expect(req).toEqual({
      source: 'cni',
      key: 'ctr1/eth1',
      containerId: 'ctr1',
      intentNames: ['web-0', 'ctr1'],
      netns: '/run/netns/p',
      ifName: 'eth1',
      tenant: 't',
      network: 'n',
      labels: { 'cni.network': 'podnet', 'k8s.namespace': 'default', 'k8s.pod': 'web-0' },
    });
  });

  it('tries the container id when there is no pod name', () => {
    expect(intentNames(env())).toEqual(['ctr1']);
  });

  it('honours the ips and mac capabilities, then the CNI_ARGS conventions', () => {
    const req = attachRequest(env('IP=10.0.0.9;MAC=02:00:00:00:00:09'), conf({ runtimeConfig: { ips: ['10.0.0.7/24'], mac: '02:00:00:00:00:07' } }));
    expect(req.ip).toBe('10.0.0.7');
    expect(req.mac).toBe('02:00:00:00:00:07');
    const fromArgs = attachRequest(env('IP=10.0.0.9;MAC=02:00:00:00:00:09'), conf());
    expect(fromArgs.ip).toBe('10.0.0.9');
    expect(fromArgs.mac).toBe('02:00:00:00:00:09');
    expect(() => attachRequest(env('IP=fd00::1'), conf())).toThrow(NetpluginError);
    expect(() => attachRequest(env('MAC=zz'), conf())).toThrow(/CNI_ARGS: MAC/);
  });

  it('with delegated IPAM uses its address and leaves the ips capability to it', () => {
    const req = attachRequest(env(), conf({ ipam: { type: 'static' }, runtimeConfig: { ips: ['10.0.0.7/24'] } }), { ip: '10.0.0.7', prefixLen: 24, gateway: '10.0.0.1' });
    expect(req.ip).toBeUndefined();
    expect(req.externalAddress).toEqual({ ip: '10.0.0.7', prefixLen: 24, gateway: '10.0.0.1' });
    expect(req.labels!['cni.ipam']).toBe('static');
    expect(req.intentNames).toBeUndefined();
  });

  it('leaves tenant/network unset when the config names none (intent-only pods)', () => {
    const c = parseConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni' }), 'ADD');
    const req = attachRequest(env(), c);
    expect(req.tenant).toBeUndefined();
    expect(req.network).toBeUndefined();
  });

  it('passes the configuration\'s policy groups on, and none when it has none', () => {
    expect(attachRequest(env(), conf({ args: { netplugin: { groups: ['web'] } } })).groups).toEqual(['web']);
    expect(attachRequest(env(), conf())).not.toHaveProperty('groups');
  });
});
