/**
 * `poseidon serve`: loads the configuration (file, `POSEIDON_*` environment variables), starts the service and
 * stops it gracefully on SIGINT/SIGTERM. A second signal exits at once.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config';
import { createLogger, prettyFromFormatter } from '../logging';
import { startService } from '../main';

/** Registers `serve` on `program` (the default command). */
export function registerServe(program: Command): void {
  program
    .command('serve', { isDefault: true })
    .description('run the service (the embedded backend unless the configuration says `backend: nomad`)')
    .option('-c, --config <file>', 'configuration file (default ./configuration.yaml)')
    .action(async (options: { config?: string }) => {
      const argv = options.config ? ['--config', options.config] : [];
      const { config, warnings, file } = loadConfig({ argv, env: process.env, cwd: process.cwd() });
      const logger = createLogger({ level: config.logger.level, pretty: prettyFromFormatter(config.logger.formatter) });
      for (const warning of warnings) logger.warn(warning);
      if (file) logger.info({ file }, 'configuration loaded');
      const service = await startService({ config, logger, version: config.sentry.release });
      await new Promise<void>((resolve) => {
        let signalled = false;
        const onSignal = (signal: NodeJS.Signals): void => {
          if (signalled) process.exit(130);
          signalled = true;
          logger.info({ signal }, 'stopping');
          service.stop().then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'stop failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      logger.info('stopped');
    });
}
