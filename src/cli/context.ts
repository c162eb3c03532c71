import type { Command } from 'commander';
import { loadSettings } from '../config/settings.js';
import type { Settings } from '../config/settings.js';
import { openRuntime } from '../composition.js';
import type { Runtime } from '../composition.js';
import { createLogger } from '../logging/logger.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  readonly store?: string;
  readonly config?: string;
  readonly home?: string;
  readonly logLevel?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * What a command needs: its io, the global flags, the settings (flags > env > file > defaults) and,
 * only when asked for, the runtime with the opened store. `close` releases whatever was opened.
 */
export class CliContext {
  #runtime: Promise<Runtime> | null = null;
  #settings: Settings | null = null;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {}

  static of(io: CliIo, command: Command): CliContext {
    return new CliContext(io, command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.options.json === true;
  }

  get settings(): Settings {
    this.#settings ??= loadSettings({
      env: this.io.env,
      cwd: this.io.cwd,
      configFile: this.options.config,
      flags: { store: this.options.store, home: this.options.home, 'log.level': this.options.logLevel },
    });
    return this.#settings;
  }

  runtime(): Promise<Runtime> {
    this.#runtime ??= openRuntime(this.settings, createLogger(this.settings));
    return this.#runtime;
  }

  /** Prints a human line unless --quiet or --json. */
  say(text: string): void {
    if (!this.options.quiet && !this.json) this.io.stdout.write(`${text}\n`);
  }

  async close(): Promise<void> {
    // A runtime that failed to open has nothing to close, and its error was already reported.
    if (this.#runtime) await this.#runtime.then((runtime) => runtime.close(), () => undefined);
  }
}
