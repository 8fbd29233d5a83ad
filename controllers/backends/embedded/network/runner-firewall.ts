/**
 * The nftables rules of one backend instance's runner networks (one `inet` table, `poseidon_<instance>`, replaced
 * atomically): runners with network access reach other networks through masquerading, but never this host itself
 * (only replies to connections the host opened, such as the port forwarders'), never each other, never with a forged
 * source address and never over IPv6; nothing from outside may open a connection into a runner. Links are matched by
 * their interface name prefix, which a program inside a runner cannot change (it has no CAP_NET_ADMIN).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';

/** The nft binary, if installed. */
export const NFT_PATH = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((file) => existsSync(file));

/** What the rules are about. */
export interface FirewallScope {
  /** The table's suffix (the backend's instance tag). */
  readonly instanceTag: string;
  /** The runner pool, `a.b.0.0/16`. */
  readonly pool: string;
  /** Prefix every host-side runner link name starts with. */
  readonly linkPrefix: string;
}

/** The table's name. */
export function firewallTable(scope: FirewallScope): string {
  return `poseidon_${scope.instanceTag}`;
}

/** The nft script that (re)creates the instance's table in one transaction. */
export function firewallScript(scope: FirewallScope): string {
  const table = `inet ${firewallTable(scope)}`;
  const runner = `iifname "${scope.linkPrefix}*"`;
  const toRunner = `oifname "${scope.linkPrefix}*"`;
  return [
    `table ${table} {}`,
    `delete table ${table}`,
    `table ${table} {`,
    '  chain input {',
    '    type filter hook input priority filter - 5; policy accept;',
    `    ${runner} ct state established,related accept`,
    `    ${runner} drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter - 5; policy accept;',
    `    ${runner} ${toRunner} drop`,
    `    ${toRunner} ct state established,related accept`,
    `    ${toRunner} drop`,
    `    ${runner} meta nfproto ipv6 drop`,
    `    ${runner} ip saddr != ${scope.pool} drop`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${scope.pool} ip daddr != ${scope.pool} masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Installs the rules and turns on IPv4 forwarding. Rejects when nft is missing or refuses the rules (the caller
 * decides how loudly to degrade).
 */
export async function installFirewall(scope: FirewallScope): Promise<void> {
  if (!NFT_PATH) throw new Error('nft is not installed (Debian package nftables)');
  await runNft(NFT_PATH, firewallScript(scope));
  await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
}

/** Removes the instance's table (idempotent; forwarding stays on, other services may rely on it). */
export async function removeFirewall(scope: FirewallScope): Promise<void> {
  if (!NFT_PATH) return;
  const table = `inet ${firewallTable(scope)}`;
  await runNft(NFT_PATH, `table ${table} {}\ndelete table ${table}\n`);
}

function runNft(file: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft failed (${code}): ${stderr}`))));
    child.stdin.end(script);
  });
}
