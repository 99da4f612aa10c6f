import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/** What the unit of a cluster node adds: its name, and the secrets file it reads, if any. */
export interface UnitNode {
  readonly name: string;
  readonly secretsEnvFile: string | null;
}

/**
 * The relay's service unit, confined as far as a Node.js server allows: its own user, a read-only
 * system with one writable directory (the data directory), no capabilities, no new privileges,
 * private /tmp and devices, and a system call filter. Measured with `systemd-analyze security`
 * (see ops/README.md). MemoryDenyWriteExecute is left off on purpose: V8's JIT compiler and
 * WebAssembly (libsodium) need memory that is written and then executed.
 */
export function renderSystemdUnit(site: SiteConfig, node: UnitNode | null = null): RenderedFile {
  const { service, paths } = site;
  // Read after relay.env: the secrets file adds what rendered files must not hold (PGPASSWORD).
  const secrets = node?.secretsEnvFile ?? null;
  const unit = `${renderedHeader('#')}[Unit]
Description=VaultRoom relay${node === null ? '' : ` node ${node.name}`} (end-to-end encrypted chat)
Documentation=file://${service.installDir}/ops/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${service.user}
Group=${service.user}
EnvironmentFile=${paths.configDir}/relay.env
${secrets === null ? '' : `EnvironmentFile=${secrets}\n`}WorkingDirectory=${service.dataDir}
ExecStart=${service.node} ${service.installDir}/relay/dist/cli.js serve
# The relay stops gracefully within five seconds of SIGTERM.
TimeoutStopSec=10s
Restart=on-failure
RestartSec=2s
UMask=0077
LimitNOFILE=65536

# Files: everything read-only but the data directory.
ProtectSystem=strict
ReadWritePaths=${service.dataDir}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
DevicePolicy=closed
ProtectProc=invisible
ProcSubset=pid
RemoveIPC=yes
PrivateIPC=yes
PrivateMounts=yes

# Privileges: none. The public ports 443 and 80 reach it through the firewall's redirect.
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
PrivateUsers=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictRealtime=yes
RestrictNamespaces=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
KeyringMode=private

# Network: IP sockets and local ones only.
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX

# System calls: the set a service needs, nothing privileged.
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @mount @swap @reboot @raw-io @module @debug @cpu-emulation @obsolete @clock
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`;
  return { path: 'etc/systemd/system/vaultroom.service', content: unit, mode: 0o644 };
}
