import path from 'node:path';
import { Command } from 'commander';
import { readSiteFile } from './site/readSiteFile.js';
import { FRONT_TREE, renderSite } from './site/renderSite.js';
import { writeRenderedSite } from './site/writeRenderedSite.js';

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** `vaultroom site check|render`: the LAN deployment files, from one site configuration. */
export function siteCommand(): Command {
  const site = new Command('site').description(
    'render DNS, DHCP, firewall, load balancer and service files for a LAN from one site configuration',
  );

  site
    .command('check')
    .description('validate a site configuration file')
    .argument('<site>', 'the site configuration (JSON), e.g. ops/site.example.json')
    .action((file: string) => {
      const config = readSiteFile(file);
      say(
        `Site configuration is valid: ${config.relay.hostname}` +
          (config.relay.mdnsName === null ? '' : ` and ${config.relay.mdnsName}`) +
          ` at ${config.relay.ipv4} in ${config.network.subnet.cidr}` +
          (config.cluster === null
            ? '.'
            : `, a load balancer in front of ${config.cluster.nodes.length} relay nodes: ` +
              config.cluster.nodes.map((node) => `${node.name} (${node.ipv4})`).join(', ') +
              '.'),
      );
    });

  site
    .command('render')
    .description('write every file of the site into a directory that mirrors /')
    .argument('<site>', 'the site configuration (JSON), e.g. ops/site.example.json')
    .argument('<outdir>', 'where to write the files (created when missing)')
    .action((file: string, outDir: string) => {
      const config = readSiteFile(file);
      const written = writeRenderedSite(outDir, renderSite(config));
      say(`Rendered ${written.length} files into ${path.resolve(outDir)}:`);
      for (const name of written) say(`  ${config.cluster === null ? '/' : ''}${name}`);
      say(
        config.cluster === null
          ? `Install them with: ops/install.sh ${outDir}`
          : `Each folder is one machine's root: ${FRONT_TREE}/ for the load balancer, nodes/<name>/ for each relay. Install them as ops/README.md says under "Several relays".`,
      );
    });

  return site;
}
