import { spawnSync } from 'node:child_process';
import { firewallScript, firewallTable, NFT_PATH } from './runner-firewall';

const scope = { instanceTag: 'abcd1234', pool: '100.70.0.0/16', linkPrefix: 'vpabcd' };

describe('firewallScript', () => {
  it('replaces the instance table atomically: create-if-missing, delete, define', () => {
    const lines = firewallScript(scope).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'table inet poseidon_abcd1234 {}',
      'delete table inet poseidon_abcd1234',
      'table inet poseidon_abcd1234 {',
    ]);
    expect(firewallTable(scope)).toBe('poseidon_abcd1234');
  });

  it('matches runner links by name, keeps them off the host and each other, and masquerades the pool', () => {
    const script = firewallScript(scope);
    expect(script).toContain('iifname "vpabcd*" drop');
    expect(script).toContain('iifname "vpabcd*" oifname "vpabcd*" drop');
    expect(script).toContain('oifname "vpabcd*" drop');
    expect(script).toContain('iifname "vpabcd*" ip saddr != 100.70.0.0/16 drop');
    expect(script).toContain('ip saddr 100.70.0.0/16 ip daddr != 100.70.0.0/16 masquerade');
  });

  (NFT_PATH && process.getuid?.() === 0 ? it : it.skip)('is accepted by nft (check mode, nothing applied)', () => {
    const result = spawnSync(NFT_PATH ?? 'nft', ['-c', '-f', '-'], { input: firewallScript(scope), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
